#!/usr/bin/env bash
# README followed literally: `make demo` on PostgreSQL (a fresh database, named on the
# command line as README shows), then README's curl walkthrough (docs/walkthrough.sh) as
# written against it, twice: the second run shows that it tidies up after itself. Exits
# non-zero when the demo does not come up or any request of the walkthrough fails; the
# demo is always stopped, and its output printed on failure.
#
#   e2e/run_walkthrough.sh
#
# Environment: PYTHON (default .venv/bin/python: its virtualenv is the demo's VENV),
# E2E_DATABASE_URL (dropped and created again; default shopcore_e2e_demo), E2E_PORT
# (default: a free one).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
VENV=$(cd "$(dirname "$PYTHON")/.." && pwd)
DATABASE=${E2E_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shopcore_e2e_demo}
PORT=${E2E_PORT:-$("$PYTHON" -c 'from e2e.server import free_port; print(free_port())')}
API="http://127.0.0.1:$PORT/api"
ADMIN_PASSWORD=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(16))')
# Up to 3 minutes for the demo to install what PostgreSQL needs, migrate and load its data.
STARTUP_SECONDS=180

# README: "name an existing database" (createdb); here dropped and created anew.
"$PYTHON" -c 'import sys; from e2e.server import recreate_database; recreate_database(sys.argv[1])' \
    "$DATABASE"

log=$(mktemp -t shopcore-demo-XXXXXX.log)
# A process group of its own (make, manage.py runserver and its reloader), stopped as one;
# started as a user would, not as a sub-make of `make e2e` (whose flags it would inherit).
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DEMO_DATABASE_URL \
    setsid make demo VENV="$VENV" DATABASE_URL="$DATABASE" DEMO_ADDR="127.0.0.1:$PORT" \
    DEMO_ADMIN_PASSWORD="$ADMIN_PASSWORD" >"$log" 2>&1 &
demo=$!
status=1
finish() {
    kill -TERM -- "-$demo" 2>/dev/null || true
    # Until every process of the group is gone (runserver's reloader child too), 10 s at most.
    for _ in $(seq 50); do
        kill -0 -- "-$demo" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$demo" 2>/dev/null || true
    wait "$demo" 2>/dev/null || true
    if [[ "$status" -ne 0 ]]; then
        echo "--- make demo ---" >&2
        cat "$log" >&2
    fi
    rm -f "$log"
}
trap finish EXIT

deadline=$((SECONDS + STARTUP_SECONDS))
until curl -sf -o /dev/null "$API/categories/"; do
    if ! kill -0 "$demo" 2>/dev/null || ((SECONDS > deadline)); then
        echo "error: make demo did not serve $API within $STARTUP_SECONDS s" >&2
        exit 1
    fi
    sleep 1
done
grep -q "^Demo database: $DATABASE" "$log" || {
    echo "error: make demo did not use $DATABASE" >&2
    exit 1
}

export API ADMIN_PASSWORD
for run in 1 2; do
    echo "=== docs/walkthrough.sh against make demo on PostgreSQL, run $run"
    docs/walkthrough.sh
done
status=0
