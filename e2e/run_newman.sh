#!/usr/bin/env bash
# Run the Postman collection with newman against the example project under gunicorn on a
# fresh PostgreSQL database (see e2e/server.py); exits non-zero on any failed assertion.
#
#   e2e/run_newman.sh [extra newman options]
#
# PYTHON (default .venv/bin/python) needs the e2e dependency group; E2E_DATABASE_URL,
# E2E_ADMIN_USERNAME and E2E_ADMIN_PASSWORD are passed on to e2e/server.py.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
POSTMAN=docs/postman

# The committed collection must be what e2e/postman.py generates.
"$PYTHON" -m e2e.postman --check

# newman comes from the npm registry, pinned by docs/postman/package-lock.json.
if ! command -v npm >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [ ! -x "$POSTMAN/node_modules/.bin/newman" ]; then
    npm ci --prefix "$POSTMAN" --no-audit --no-fund
fi

# The server stops whatever newman's result; its log is printed when newman fails.
# Two iterations: the second, with a new run id, proves a re-run on the same database passes.
exec "$PYTHON" -m e2e.server -- \
    bash -c '"$0" run "$1" --environment "$2" --iteration-count 2 --color off \
        --env-var "baseUrl=$E2E_BASE_URL/api" \
        --env-var "adminUsername=$E2E_ADMIN_USERNAME" \
        --env-var "adminPassword=$E2E_ADMIN_PASSWORD" --working-dir "$(dirname "$1")" \
        "${@:3}"' \
    "$POSTMAN/node_modules/.bin/newman" \
    "$POSTMAN/django-shopcore.postman_collection.json" \
    "$POSTMAN/django-shopcore.postman_environment.json" "$@"
