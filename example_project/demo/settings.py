"""Settings for the example project, read from the environment or an optional .env file.

Every variable is documented in the repository's ``.env.example``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
environ.Env.read_env(BASE_DIR.parent / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(see .env.example); only DEBUG=true runs with a throwaway key."
        )
    SECRET_KEY = "insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# HTTPS and browser protections, on by default without DEBUG: with them,
# `manage.py check --deploy --fail-level WARNING` passes (docs/security.md).
# Behind a TLS-terminating proxy: the header it sets to "https" on secure
# requests, e.g. X-Forwarded-Proto. Only if the proxy always overwrites it.
proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
if proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_ssl_header.upper().replace("-", "_"), "https")
# false when the proxy in front redirects plain HTTP itself.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = []
if not DEBUG and not SECURE_SSL_REDIRECT:
    # Switched off on purpose (SECURE_SSL_REDIRECT=false): the TLS proxy redirects.
    SILENCED_SYSTEM_CHECKS.append("security.W008")

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
    "demo",
    # Locks the admin login out after repeated failures (the API has its own throttles).
    "axes",
]

MIDDLEWARE = [
    # First: every response and every log line of the request carries its id.
    "django_shopcore.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves STATIC_ROOT (collectstatic: Swagger UI, ReDoc, the admin) without DEBUG,
    # right after SecurityMiddleware so static files get its headers too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A JSON 503 with Retry-After when a view outside DRF (the admin) cannot reach
    # the database; shopcore's API views answer so on their own.
    "django_shopcore.core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out admin login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out login is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Browser scripts from these origins may call the API (django-cors-headers).
# Without any, no cross-origin access at all, and the package is not needed.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
if CORS_ALLOWED_ORIGINS:
    INSTALLED_APPS.append("corsheaders")
    # Before CommonMiddleware, so preflight requests are answered, not redirected.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.common.CommonMiddleware"),
        "corsheaders.middleware.CorsMiddleware",
    )

ROOT_URLCONF = "demo.urls"
WSGI_APPLICATION = "demo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections: no new database connection per request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# Django's default, off: the check is one more round trip per request (about
# 0.1 ms, 3-5% of a catalog read; docs/performance.md). On, a request never
# fails on a connection the database dropped since the previous one.
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False)
)
# Behind a pooler in transaction mode (pgbouncer pool_mode=transaction): a
# server-side cursor (QuerySet.iterator()) must not outlive its transaction.
DATABASES["default"].setdefault(
    "DISABLE_SERVER_SIDE_CURSORS", env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
)

# Streaming replicas the catalog reads from (docs/deployment.md), replica1..N;
# a replica that is down or lags is skipped, so it gets a short connect timeout.
DATABASE_REPLICAS = []
for number, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    replica = environ.Env.db_url_config(url)
    for option in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        replica.setdefault(option, DATABASES["default"][option])
    replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES[f"replica{number}"] = replica
    DATABASE_REPLICAS.append(f"replica{number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["django_shopcore.core.routers.ReplicaRouter"]

if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
            # Seconds: with Redis unreachable a request waits this long, then
            # reads the database (shopcore never fails on the cache).
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# One JSON line per event on stderr, with the request id and any traceback
# (docs/installation.md). Replaces Django's defaults, which print nothing
# without DEBUG and mail admins instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "django_shopcore.core.logging.JSONFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {"django": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `manage.py collectstatic` copies the static files that WhiteNoise serves.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploaded product images (through the default storage); serve MEDIA_ROOT
# from the web server in production.
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SIMPLE_JWT = {
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # The signing key can differ from SECRET_KEY, so either can be rotated alone.
    # Unset or empty falls back to SECRET_KEY: an empty key would let anyone sign tokens.
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "django-shopcore example API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# How many proxies in front of the server append to X-Forwarded-For: the API's
# throttles and the admin's lockout key on the address the outermost one saw.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

SHOPCORE = {
    "TRUSTED_PROXIES": TRUSTED_PROXIES,
    # Anonymous catalog reads served from the cache (invalidated by every write).
    "CACHE_RESPONSES": env.bool("CACHE_RESPONSES", default=False),
    "DATABASE_REPLICAS": DATABASE_REPLICAS,
    # The frontend page that password reset e-mails link to.
    "PASSWORD_RESET_URL": env.str(
        "PASSWORD_RESET_URL", default="http://localhost:8000/reset-password/{uid}/{token}/"
    ),
}

# How e-mail (password reset links) is sent, as a URL: smtp+tls://user:pass@host:587,
# or consolemail:// to print every mail to the console (the default).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")

# django-axes guards /admin/login/ only: the API limits logins itself, per
# address and per username (SHOPCORE['THROTTLE_RATES']).
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=60))
# Per address, and per username whatever the address, so rotating addresses
# buys no more guesses. Someone can thus lock a known admin name out for the
# cool-off time; `manage.py axes_reset_username NAME` lifts a lockout at once.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
# The address the API's throttles use too: REMOTE_ADDR, or the one the
# TRUSTED_PROXIES report, never a header the client chooses.
AXES_CLIENT_IP_CALLABLE = "django_shopcore.core.throttling.client_address"
