"""A host installing the catalog alone: no accounts, carts or orders app, no JWT blacklist."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [
    app
    for app in INSTALLED_APPS
    if app
    not in (
        "django_shopcore.accounts",
        "django_shopcore.carts",
        "django_shopcore.orders",
        "rest_framework_simplejwt.token_blacklist",
    )
]
# The host's own authentication, which shopcore's views then use.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
}
