#!/usr/bin/env bash
# Fuzz every operation of the live example server's OpenAPI schema with schemathesis.
#
# Starts gunicorn on a fresh PostgreSQL database (e2e/server.py), then runs
# `schemathesis run` twice against /api/schema/: anonymously, and as a staff
# admin (e2e/schemathesis/hooks.py: its token, and its account put back after
# the fuzzer changes it). All checks, a bounded number of examples per
# operation. Exits non-zero on any failure.
#
#   e2e/run_schemathesis.sh                    # 25 examples per operation
#   MAX_EXAMPLES=100 e2e/run_schemathesis.sh   # a longer run
#
# Environment: PYTHON (default .venv/bin/python), MAX_EXAMPLES, SEED,
# REPORT_DIR (JUnit reports, default .schemathesis/report), E2E_DATABASE_URL (dropped
# and created again; default shopcore_schemathesis, apart from the other e2e runs).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

if [[ -z "${E2E_BASE_URL:-}" ]]; then
    export E2E_DATABASE_URL=${E2E_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shopcore_schemathesis}
    # Run this script again inside the live server's lifetime.
    exec "$PYTHON" -m e2e.server -- "$0" "$@"
fi

SCHEMATHESIS=("$PYTHON" -m schemathesis.cli --config-file "$ROOT/e2e/schemathesis/schemathesis.toml")
REPORT_DIR=${REPORT_DIR:-$ROOT/.schemathesis/report}
common=(
    "$E2E_BASE_URL/api/schema/"
    --checks all
    --max-examples "${MAX_EXAMPLES:-25}"
    --seed "${SEED:-20261124}"
    --generation-database none
    --request-timeout 30
    --workers 1
    --report junit
)

status=0
echo "=== schemathesis: anonymous ==="
"${SCHEMATHESIS[@]}" run "${common[@]}" \
    --report-junit-path "$REPORT_DIR/anonymous.xml" || status=$?

echo "=== schemathesis: admin ==="
SCHEMATHESIS_HOOKS=e2e.schemathesis.hooks \
    "${SCHEMATHESIS[@]}" run "${common[@]}" \
    --report-junit-path "$REPORT_DIR/admin.xml" || status=$?

exit "$status"
