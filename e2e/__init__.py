"""End-to-end checks: the example project under gunicorn on PostgreSQL, newman and a browser."""
