"""Log records as one JSON line each, carrying the request id (see middleware.py).

Configured by the host's ``LOGGING``; docs/installation.md shows the setup.
"""

import json
import logging
from contextvars import ContextVar
from datetime import datetime, timezone

# The id of the request this thread or task is serving; set by RequestIdMiddleware.
request_id_var: ContextVar[str | None] = ContextVar("shopcore_request_id", default=None)


def current_request_id():
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` attribute (None outside a request), for text formats.

    E.g. ``"format": "%(levelname)s %(request_id)s %(message)s"``.
    """

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message, and the
    traceback as ``exc``, so that one event stays one line for log collectors."""

    def format(self, record):
        created = datetime.fromtimestamp(record.created, timezone.utc)
        event = {
            "time": created.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "message": record.getMessage(),
        }
        status_code = getattr(record, "status_code", None)
        if status_code is not None:
            event["status_code"] = status_code
        if record.exc_info:
            event["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            event["stack"] = self.formatStack(record.stack_info)
        return json.dumps(event, ensure_ascii=False, default=str)
