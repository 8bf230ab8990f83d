"""Tests of the shared core: settings, checks, errors, URLs, the schema and hostile input."""
