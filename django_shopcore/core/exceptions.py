"""The shopcore exception handler: integrity errors become 400/409, an unreachable
database 503, never 500."""

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .models import constraint_field

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Conflict(exceptions.APIException):
    """A write that would break data integrity (HTTP 409)."""

    status_code = status.HTTP_409_CONFLICT
    # A subclass may give a plain or a lazy string.
    default_detail: "StrOrPromise" = _("This change would break data integrity.")
    default_code = "conflict"


class ConflictWithData(Conflict):
    """A 409 whose body is ``data`` as given: numbers in it stay numbers (DRF makes them text)."""

    def __init__(self, data):
        super().__init__()
        self.detail = data


class RequestTooLarge(exceptions.APIException):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (HTTP 413), refused before it is parsed."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


class DatabaseUnavailable(exceptions.APIException):
    """The database cannot be reached or refuses work for now (HTTP 503, with Retry-After)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is temporarily unavailable; retry later.")
    default_code = "service_unavailable"
    # Seconds for Retry-After: DRF's handler sends the ``wait`` of an exception.
    wait = 5


# Raised by the database driver for a server it cannot reach, a connection it
# lost, or work the server refuses now (shutting down, too many connections):
# none of it is the client's fault or a bug in the code.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)


def log_database_unavailable(exc):
    logger.warning("The database is unavailable: %s", type(exc).__name__, exc_info=exc)


def exception_handler(exc, context):
    """DRF's handler, after mapping database integrity errors to client errors."""
    return drf_exception_handler(to_api_exception(exc, context), context)


def to_api_exception(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(
            _("The request body is larger than %(limit)d bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    if isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        log_database_unavailable(exc)
        return DatabaseUnavailable()
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Conflict(_("It is still referenced by other records; remove those first."))
    if isinstance(exc, IntegrityError):
        return integrity_error_to_validation_error(exc, model_of(context.get("view")))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    return exc


def model_of(view):
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else None


def integrity_error_to_validation_error(exc, model):
    """Name the field whose constraint ``exc`` reports, as a serializer would."""
    message = str(exc)
    field = constraint_field(message, model)
    if field is None:
        return exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [_("This change conflicts with existing data.")]}
        )
    if "unique" in message.lower():
        return exceptions.ValidationError({field: [_("This value is already in use.")]})
    return exceptions.ValidationError({field: [_("This value is not allowed.")]})
