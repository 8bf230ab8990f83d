#!/usr/bin/env bash
# The real-browser check: Swagger UI of a live example server on PostgreSQL, in Debian's
# headless Chromium driven by Playwright (e2e/test_swagger_ui.py). Installs what is missing:
# the chromium package (apt, as root) and the e2e dependency group (Playwright's Python
# package; never `playwright install`, which downloads browsers).
#
#   e2e/run_browser.sh [pytest options]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
CHROMIUM=${E2E_CHROMIUM:-/usr/bin/chromium}
export E2E_CHROMIUM=$CHROMIUM

if [ ! -x "$CHROMIUM" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
if ! "$PYTHON" -c "import playwright, psycopg2, gunicorn, whitenoise" 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --group e2e
fi

# e2e/multihost/ needs its own hosts (make multihost).
exec "$PYTHON" -m pytest e2e --ignore=e2e/multihost -p no:cacheprovider "$@"
