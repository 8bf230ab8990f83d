# Developer entry points. Needs only a python3 (>= 3.10) on PATH: everything else
# is installed into $(VENV). Every target can be run again safely.

PYTHON ?= python3
VENV ?= .venv
# The demo's database: the example project's own SQLite file, unless
# DEMO_DATABASE_URL, or a DATABASE_URL given on the command line or in the
# environment, names another (`make demo DATABASE_URL=postgres://...`).
# Checked before the default below, which is for `make test` only.
ifneq ($(filter command line environment,$(origin DATABASE_URL)),)
DEMO_DATABASE_URL ?= $(DATABASE_URL)
endif
DEMO_DATABASE_URL ?= sqlite:///$(CURDIR)/example_project/db.sqlite3
# The PostgreSQL run of `make test`; pytest-django creates and drops test_<name>.
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shopcore
DEMO_ADDR ?= 127.0.0.1:8000

BIN := $(abspath $(VENV))/bin
PIP := $(BIN)/python -m pip
# A PostgreSQL demo database (any scheme django-environ reads as PostgreSQL)
# needs the postgres extra; each set of extras has its own stamp file.
DEMO_EXTRAS := $(if $(filter postgres% pgsql% psql% postgis%,$(DEMO_DATABASE_URL)),postgres)
DEMO_DEPS := $(VENV)/.demo-deps$(if $(DEMO_EXTRAS),-$(DEMO_EXTRAS))
# Passed explicitly, so a .env file's DATABASE_URL (meant for production runs) is not used.
DEMO_ENV := DEBUG=true DATABASE_URL='$(DEMO_DATABASE_URL)' EMAIL_URL=consolemail://
MANAGE := cd example_project && $(DEMO_ENV) $(BIN)/python manage.py

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-sqlite test-postgres test-custom-user check-postgres \
	lint lint-schema format typecheck tox e2e e2e-client multihost stress clean distclean

help:
	@echo "make demo      serve the example project with demo data on http://$(DEMO_ADDR)"
	@echo "               (SQLite; DATABASE_URL=postgres://... or DEMO_DATABASE_URL=... for another)"
	@echo "make test      run the test suite on SQLite, PostgreSQL and a custom user model"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make lint-schema  Spectral (OpenAPI and OWASP rules, .spectral.yaml) on docs/openapi.yaml"
	@echo "make format    fix what ruff can fix and format the code"
	@echo "make typecheck mypy with the django-stubs and djangorestframework-stubs plugins"
	@echo "make e2e       newman, the browser check, schemathesis, the generated-client storefront"
	@echo "               and README's walkthrough against a live server (make e2e-client: the storefront)"
	@echo "make multihost two hosts, a streaming replica and pgbouncer on loopback (as root)"
	@echo "make stress    200 concurrent checkouts over HTTP, gunicorn with 4 workers"
	@echo "make tox       run tox (TOX_ENVS=lint,packaging,... to choose environments)"
	@echo "make clean     remove build artifacts, caches, .tox and the demo database"
	@echo "make distclean clean, and remove $(VENV) too"

# --- virtualenv and dependencies (stamp files record what is installed) -------

# pip >= 25.1 understands dependency groups (pip install --group).
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "error: $(PYTHON) is older than Python 3.10; run e.g. make PYTHON=python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || \
		{ echo "error: '$(PYTHON) -m venv' failed; on Debian/Ubuntu install python3-venv" >&2; exit 1; }
	$(PIP) install --quiet --upgrade "pip>=25.1"

venv: $(BIN)/python

$(DEMO_DEPS): $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".$(if $(DEMO_EXTRAS),[$(DEMO_EXTRAS)])" --group example
	@touch $@

$(VENV)/.test-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[postgres]" --group test
	@touch $@

$(VENV)/.lint-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet --group lint
	@touch $@

$(VENV)/.typecheck-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e . --group typecheck
	@touch $@

$(VENV)/.tox-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet "tox>=4.22"
	@touch $@

# --- demo -----------------------------------------------------------------------

demo: $(DEMO_DEPS)
	@echo "Demo database: $(DEMO_DATABASE_URL)"
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo --images
	@echo "Swagger UI: http://$(DEMO_ADDR)/api/docs/  (Ctrl-C stops the server)"
	$(MANAGE) runserver $(DEMO_ADDR)

# --- tests ----------------------------------------------------------------------

# PostgreSQL is checked first so that a missing server fails at once, loudly.
# `make -k test` goes on with the other runs when one of them fails.
test: check-postgres test-sqlite test-custom-user test-postgres

# `make test` measures the branch coverage of every run (pytest-cov). The first run
# starts afresh, the others add to it, and the last one, on PostgreSQL (some code
# runs there only), reports the sum and fails under fail_under (pyproject.toml),
# before its own summary line. Run on their own, the targets measure nothing.
test: COV_FIRST := --cov --cov-report= --cov-fail-under=0
test: COV_MORE := --cov --cov-append --cov-report= --cov-fail-under=0
test: COV_LAST := --cov --cov-append --cov-report=term

test-sqlite: $(VENV)/.test-deps
	env -u DATABASE_URL $(BIN)/pytest $(COV_FIRST)

check-postgres: $(VENV)/.test-deps
	@DATABASE_URL=$(DATABASE_URL) $(BIN)/python .ci/check_postgres.py

test-postgres: check-postgres
	DATABASE_URL=$(DATABASE_URL) $(BIN)/pytest $(COV_LAST)

# The modules marked user_model_agnostic must also pass with a custom user model,
# on both databases.
CUSTOM_USER_PYTEST := $(BIN)/pytest -m user_model_agnostic --ds=tests.settings_custom_user

test-custom-user: check-postgres
	env -u DATABASE_URL $(CUSTOM_USER_PYTEST) $(COV_MORE)
	DATABASE_URL=$(DATABASE_URL) $(CUSTOM_USER_PYTEST) $(COV_MORE)

# --- end to end, against a live example server on PostgreSQL ------------------------

$(VENV)/.e2e-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[postgres]" --group e2e
	@touch $@

# newman runs the Postman collection, Chromium clicks through Swagger UI,
# schemathesis fuzzes every operation, README's curl walkthrough runs as written
# against `make demo` on PostgreSQL, and the storefront runs on a generated client;
# each script installs its own tools.
e2e: check-postgres $(VENV)/.e2e-deps
	PYTHON=$(BIN)/python e2e/run_newman.sh
	PYTHON=$(BIN)/python e2e/run_browser.sh
	PYTHON=$(BIN)/python e2e/run_schemathesis.sh
	PYTHON=$(BIN)/python e2e/run_walkthrough.sh
	$(MAKE) e2e-client

$(VENV)/.e2e-client-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[postgres]" --group e2e-client
	@touch $@

# A client generated from docs/openapi.yaml (0 warnings), mypy --strict on it and on
# the storefront (0 errors), then the storefront against a live server.
e2e-client: check-postgres $(VENV)/.e2e-client-deps
	PYTHON=$(BIN)/python e2e/run_client.sh

# --- several hosts, a streaming replica, a transaction-mode pooler -------------------

$(VENV)/.multihost-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[postgres,redis]" --group e2e
	@touch $@

# Builds (or reuses) a replica cluster on port 5433, starts pgbouncer on 6432 and two
# gunicorn hosts, then newman and schemathesis through pgbouncer; see the script.
multihost: check-postgres $(VENV)/.multihost-deps
	PYTHON=$(BIN)/python e2e/multihost/run.sh

# --- checkout under concurrency, over HTTP -------------------------------------------

$(VENV)/.stress-deps: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[postgres,redis]" --group example
	@touch $@

# The database is recreated (and dropped when the run passes); Redis must answer.
STRESS_DATABASE ?= shopcore_stress
STRESS_REDIS_URL ?= redis://127.0.0.1:6379/13
# gunicorn's port; 0 picks a free one.
STRESS_PORT ?= 0

# 200 checkouts racing for 50 units plus multi-line carts in opposite orders against
# gunicorn with 4 sync workers; fails on any oversell, 5xx or deadlock (bench/checkout_stress.py).
stress: check-postgres $(VENV)/.stress-deps
	$(BIN)/python bench/checkout_stress.py --database $(STRESS_DATABASE) \
		--cache-url $(STRESS_REDIS_URL) --port $(STRESS_PORT)

# --- code quality and the tox matrix ----------------------------------------------

lint: $(VENV)/.lint-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Spectral and the OWASP ruleset from npm, pinned by tools/spectral/package-lock.json
# (like newman's, docs/postman/). Install scripts stay off: none is needed, and one
# dependency's would report the install to a telemetry server.
SPECTRAL_DIR := tools/spectral
SPECTRAL := $(SPECTRAL_DIR)/node_modules/.bin/spectral

$(SPECTRAL): $(SPECTRAL_DIR)/package.json $(SPECTRAL_DIR)/package-lock.json
	@command -v npm >/dev/null || \
		{ echo "error: make lint-schema needs npm (Node.js >= 18.18); on Debian: apt-get install nodejs npm" >&2; exit 1; }
	npm ci --prefix $(SPECTRAL_DIR) --ignore-scripts --no-audit --no-fund
	@touch $@

# .spectral.yaml extends the ruleset by its npm name, found through NODE_PATH.
# Warnings fail too: the schema has none, so a new one is a finding to fix or to justify.
lint-schema: $(SPECTRAL)
	NODE_PATH=$(abspath $(SPECTRAL_DIR))/node_modules $(SPECTRAL) lint docs/openapi.yaml \
		--ruleset .spectral.yaml --fail-severity warn

format: $(VENV)/.lint-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.typecheck-deps
	$(BIN)/mypy django_shopcore

# Interpreters tox tries before searching PATH: pyenv's, when there are any.
TOX_DISCOVER ?= $(wildcard $(HOME)/.pyenv/versions/3.1[0-9].*/bin/python)

tox: $(VENV)/.tox-deps
	$(BIN)/tox run $(if $(TOX_ENVS),-e $(TOX_ENVS)) $(if $(TOX_DISCOVER),--discover $(TOX_DISCOVER))

# --- cleaning -------------------------------------------------------------------

clean:
	rm -rf build dist .tox .pytest_cache .ruff_cache .mypy_cache .hypothesis .coverage .coverage.* htmlcov \
		example_project/db.sqlite3 example_project/staticfiles
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.egg-info' \) \
		-type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
