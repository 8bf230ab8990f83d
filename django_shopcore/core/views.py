"""The base of every shopcore view (authentication, parsing, schema, errors, database
routing with ``routers.ReplicaRouter``) and the JSON 404."""

from typing import TYPE_CHECKING, cast

from django.apps import apps
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings

from .exceptions import exception_handler
from .parsers import ShopcoreJSONParser
from .routers import pin_to_primary, remember_write, replica_failed, routing_scope, wrote_recently
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
    """Authentication, parsing and error handling from shopcore, whatever DRF's defaults are.

    Each request is one routing scope: an unsafe request, and a user's requests
    for ``READ_YOUR_WRITES_SECONDS`` after a successful one, read from the
    primary; a read that fails on a replica is answered again from the primary.
    """

    schema = ShopcoreAutoSchema()
    # Whether GETs send an ETag and answer a matching If-None-Match with a 304 (documented).
    conditional_reads = False

    def dispatch(self, request, *args, **kwargs):
        with routing_scope(pinned=request.method not in SAFE_METHODS):
            return super().dispatch(request, *args, **kwargs)

    def get_authenticators(self):
        return [auth() for auth in authentication_classes()]

    def get_parsers(self):
        # DRF's JSON parser answers some malformed bodies with a 500; a host's own parsers stay.
        return [
            ShopcoreJSONParser() if parser is JSONParser else parser()
            for parser in self.parser_classes
        ]

    def perform_authentication(self, request):
        super().perform_authentication(request)
        if wrote_recently(request.user):
            pin_to_primary()

    def get_exception_handler(self):
        # Integrity errors must become 400/409 even under a custom EXCEPTION_HANDLER.
        return exception_handler

    def handle_exception(self, exc):
        if (
            isinstance(exc, (OperationalError, InterfaceError))
            and self.request.method in SAFE_METHODS
            and replica_failed() is not None
        ):
            # Safe to run again: a safe request changes nothing.
            try:
                return self.run_handler_again()
            except Exception as retry_exc:  # Handled (or raised) like any other.
                exc = retry_exc
        return super().handle_exception(exc)

    def run_handler_again(self):
        request = self.request
        # Every request a view handles has a method.
        method = cast(str, request.method)
        handler = getattr(self, method.lower(), self.http_method_not_allowed)
        return handler(request, *self.args, **self.kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            remember_write(request.user)
        return response


# Exempt like every DRF view: an unknown path is a 404 whatever the method, never a CSRF 403.
@csrf_exempt
def not_found(request, *args, **kwargs):
    """A path under the API's prefix that no route matches: DRF's JSON 404."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=NotFound.status_code)
