"""What every shopcore app shares: settings, errors, ids, counting, caching, schema; no models."""
