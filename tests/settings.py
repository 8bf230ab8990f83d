"""Settings for the test suite: SQLite by default, PostgreSQL when DATABASE_URL says so."""

import atexit
import shutil
import tempfile

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = "tests-only-not-a-secret-but-long-enough-for-hs256-keys"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_shopcore",
    "django_shopcore.catalog",
    "django_shopcore.accounts",
    "django_shopcore.carts",
    "django_shopcore.orders",
    "django_shopcore.contrib.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="sqlite://:memory:")}
# A replica for the router's tests (tests/core/test_routers.py), which turn
# ReplicaRouter on; in tests it reads the default test database.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

# Shared by processes like production's Redis (shopcore does not cache subtree
# ids in a per-process LocMem cache); one directory per test run.
CACHE_DIRECTORY = tempfile.mkdtemp(prefix="shopcore-tests-cache-")
atexit.register(shutil.rmtree, CACHE_DIRECTORY, ignore_errors=True)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_DIRECTORY,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Hashing cost is irrelevant to what the tests check.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

SIMPLE_JWT = {"ROTATE_REFRESH_TOKENS": True, "BLACKLIST_AFTER_ROTATION": True}

SPECTACULAR_SETTINGS = {
    "TITLE": "django-shopcore",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

SHOPCORE = {"PASSWORD_RESET_URL": "https://shop.example.com/reset/{uid}/{token}/"}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
