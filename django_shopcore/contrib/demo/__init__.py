"""Demo data for development: the ``shopcore_seed`` catalog generator."""
