"""A storefront written against the typed client generated from docs/openapi.yaml.

``python -m e2e.storefront`` runs it against a live server: ``E2E_BASE_URL``,
``E2E_ADMIN_USERNAME`` and ``E2E_ADMIN_PASSWORD``, as ``e2e/server.py`` sets
them. ``e2e/run_client.sh`` generates the client (``shopcore_client``), type-checks
it and this package with mypy, then runs it.
"""
