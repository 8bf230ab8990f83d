"""Middleware: request ids (``X-Request-ID``) and a 503 for an unreachable database."""

import re
import uuid

from django.http import JsonResponse

from .exceptions import DATABASE_UNAVAILABLE_ERRORS, DatabaseUnavailable, log_database_unavailable
from .logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may be: a proxy's or client's UUID or token. Anything
# else (too long, other characters) is replaced, so logs cannot be forged or flooded.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Takes a valid incoming ``X-Request-ID`` or generates a UUID; sets it on the response.

    First in ``MIDDLEWARE``, so that the id is known while any later middleware
    or view runs, including when Django logs an unhandled error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def incoming_request_id(request):
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if VALID_REQUEST_ID.fullmatch(value) else None


class DatabaseUnavailableMiddleware:
    """A JSON 503 with Retry-After, not a 500, when a view outside DRF cannot reach the
    database (shopcore's DRF views answer so on their own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return None
        log_database_unavailable(exception)
        response = JsonResponse(
            {"detail": str(DatabaseUnavailable.default_detail)},
            status=DatabaseUnavailable.status_code,
        )
        response["Retry-After"] = str(DatabaseUnavailable.wait)
        return response
