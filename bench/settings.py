"""Benchmark settings: the example project's, plus the seed-literal reference app."""

import os

from demo.settings import *  # noqa: F403
from demo.settings import DATABASES, INSTALLED_APPS

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.reference"]
ROOT_URLCONF = "bench.urls"
# Plain HTTP on the loopback interface: no redirect to HTTPS.
SECURE_SSL_REDIRECT = False

# No query may run longer than this: a pathological plan fails the request
# (reported as an error) instead of stalling the whole run.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=10000"
# Set by the harness for gunicorn (bench/harness.py): its backends can then be
# found in pg_stat_activity, to read their CPU time.
if os.environ.get("BENCH_APPLICATION_NAME"):
    DATABASES["default"]["OPTIONS"]["application_name"] = os.environ["BENCH_APPLICATION_NAME"]

# The reference opens a new database connection per request, as the
# seed-literal implementation did; shopcore keeps the example's persistent ones.
DATABASES["reference"] = {**DATABASES["default"], "CONN_MAX_AGE": 0}

# bench/run.py sets REDIS_URL (the example project then uses django-redis for
# category subtrees and versions) unless run with --cache-url none.
if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# Whole responses are cached only when a run asks for it (--cache-responses).
SHOPCORE = {"CACHE_RESPONSES": os.environ.get("BENCH_CACHE_RESPONSES") == "1"}
