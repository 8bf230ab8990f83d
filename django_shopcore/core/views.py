"""The base of every shopcore view (authentication, schema, errors) and the JSON 404."""

from django.apps import apps
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

from .exceptions import exception_handler
from .parsers import ShopcoreJSONParser
from .schema import ShopcoreAutoSchema
from .settings import shopcore_settings

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


class ShopcoreViewMixin:
    """Authentication, parsing and error handling from shopcore, whatever DRF's defaults are."""

    schema = ShopcoreAutoSchema()

    def get_authenticators(self):
        return [auth() for auth in authentication_classes()]

    def get_parsers(self):
        # DRF's JSON parser answers some malformed bodies with a 500; a host's own parsers stay.
        return [
            ShopcoreJSONParser() if parser is JSONParser else parser()
            for parser in self.parser_classes
        ]

    def get_exception_handler(self):
        # Integrity errors must become 400/409 even under a custom EXCEPTION_HANDLER.
        return exception_handler


# Exempt like every DRF view: an unknown path is a 404 whatever the method, never a CSRF 403.
@csrf_exempt
def not_found(request, *args, **kwargs):
    """A path under the API's prefix that no route matches: DRF's JSON 404."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=NotFound.status_code)
