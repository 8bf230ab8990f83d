#!/usr/bin/env bash
# README's curl walkthrough (docs/walkthrough.sh), run as written against the example
# project under gunicorn on a fresh PostgreSQL database holding the demo catalog
# (e2e/server.py --demo). Exits non-zero when any of its requests fails.
#
#   e2e/run_walkthrough.sh
#
# Environment: PYTHON (default .venv/bin/python, with the e2e dependency group),
# E2E_DATABASE_URL (dropped and created again; default shopcore_e2e_walkthrough).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
export E2E_DATABASE_URL=${E2E_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shopcore_e2e_walkthrough}

# The walkthrough signs in as the demo's admin, "admin": the live server's admin. Twice:
# the second run shows that it tidies up after itself, so that it runs again.
exec env E2E_ADMIN_USERNAME=admin "$PYTHON" -m e2e.server --demo -- bash -c '
    export API="$E2E_BASE_URL/api" ADMIN_PASSWORD="$E2E_ADMIN_PASSWORD"
    for run in 1 2; do
        echo "=== docs/walkthrough.sh, run $run"
        docs/walkthrough.sh
    done'
