#!/usr/bin/env bash
# The storefront on a generated client: openapi-python-client (pinned by the e2e-client
# dependency group) generates `shopcore_client` from the committed docs/openapi.yaml with
# --fail-on-warning, mypy --strict checks it and e2e/storefront/ (0 errors), then the
# storefront runs against the example project under gunicorn on a fresh PostgreSQL
# database (e2e/server.py). Exits non-zero when any of them fails.
#
#   e2e/run_client.sh
#
# Environment: PYTHON (default .venv/bin/python, Python 3.11+, as the generated code
# needs), CLIENT_DIR (where to generate the client; default a temporary directory,
# removed afterwards), E2E_DATABASE_URL (dropped and created again; default
# shopcore_e2e_client, apart from the other e2e runs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PYTHON")

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "error: the generated client needs Python 3.11 or later; $PYTHON is older" >&2
    exit 1
}
if ! "$PYTHON" -c "import openapi_python_client, mypy, httpx, psycopg2, gunicorn" 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --group e2e-client
fi

if [[ -z "${CLIENT_DIR:-}" ]]; then
    CLIENT_DIR=$(mktemp -d -t shopcore-client-XXXXXX)
    trap 'rm -rf "$CLIENT_DIR"' EXIT
fi
mkdir -p "$CLIENT_DIR"

echo "=== openapi-python-client $("$BIN/openapi-python-client" --version | awk '{print $NF}'): docs/openapi.yaml"
log="$CLIENT_DIR/generate.log"
status=0
"$BIN/openapi-python-client" generate --path docs/openapi.yaml --meta none \
    --config e2e/storefront/openapi-python-client.yaml --output-path "$CLIENT_DIR/shopcore_client" \
    --overwrite --fail-on-warning >"$log" 2>&1 || status=$?
cat "$log"
# Each warning names what it skipped ("WARNING parsing ...", "Unable to process schema ...").
warnings=$(grep -cE '^(WARNING|Unable to)' "$log" || true)
echo "generator warnings: $warnings"
if [[ "$status" -ne 0 || "$warnings" -ne 0 ]]; then
    echo "error: the client generated from docs/openapi.yaml has warnings (exit $status)" >&2
    exit 1
fi

echo "=== mypy --strict: the generated client and e2e/storefront/"
MYPYPATH="$CLIENT_DIR" "$BIN/mypy" --config-file e2e/storefront/mypy.ini \
    --cache-dir "$CLIENT_DIR/.mypy_cache" -p shopcore_client -p e2e.storefront

echo "=== the storefront against a live server"
export E2E_DATABASE_URL=${E2E_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shopcore_e2e_client}
PYTHONPATH="$CLIENT_DIR${PYTHONPATH:+:$PYTHONPATH}" \
    "$PYTHON" -m e2e.server -- "$PYTHON" -m e2e.storefront
