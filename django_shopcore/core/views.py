"""The base of every shopcore view: shopcore's authentication, schema and error handling."""

from typing import TYPE_CHECKING

from django.apps import apps
from django.utils.module_loading import import_string
from rest_framework.settings import api_settings

from .exceptions import exception_handler
from .schema import ShopcoreAutoSchema
from .settings import shopcore_settings

# Type checkers see the view attributes the mixin sets; at run time it is a plain mixin.
if TYPE_CHECKING:
    from rest_framework.views import APIView as _ViewBase
else:
    _ViewBase = object

ACCOUNTS_AUTHENTICATION = "django_shopcore.accounts.authentication.JWTAuthentication"


def authentication_classes():
    """``SHOPCORE['AUTHENTICATION_CLASSES']``; by default the accounts app's JWT
    authentication when that app is installed, else ``REST_FRAMEWORK``'s defaults."""
    configured = shopcore_settings.AUTHENTICATION_CLASSES
    if configured is not None:
        return configured
    if apps.is_installed("django_shopcore.accounts"):
        return [import_string(ACCOUNTS_AUTHENTICATION)]
    return api_settings.DEFAULT_AUTHENTICATION_CLASSES


class ShopcoreViewMixin(_ViewBase):
    """Authentication and error handling from shopcore, whatever the host's DRF defaults are."""

    schema = ShopcoreAutoSchema()

    def get_authenticators(self):
        return [auth() for auth in authentication_classes()]

    def get_exception_handler(self):
        # Integrity errors must become 400/409 even under a custom EXCEPTION_HANDLER.
        return exception_handler
