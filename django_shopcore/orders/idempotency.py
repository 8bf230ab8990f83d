"""``Idempotency-Key``: one answer per user and key, also for concurrent requests."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.utils.encoders import JSONEncoder

from .models import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


class KeyReused(exceptions.APIException):
    """The key was used with another request body (422)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was used with a different request body.")
    default_code = "idempotency_key_reused"


def key_from(request):
    """The header's value, or None without one; 400 naming it when empty, too long or not text."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH or not is_visible_ascii(key):
        raise exceptions.ValidationError(
            {
                HEADER: [
                    _("Must be 1 to {maximum} visible ASCII characters.").format(
                        maximum=IDEMPOTENCY_KEY_MAX_LENGTH
                    )
                ]
            }
        )
    return key


def is_visible_ascii(text):
    return all("!" <= char <= "~" for char in text)


def fingerprint(data):
    """sha256 of the body as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def respond_once(user, key, request_fingerprint, perform):
    """``perform()`` -> ``(status, body)`` once per key; returns ``(status, body, replayed)``.

    The key row is inserted first in the transaction that performs the
    request: a concurrent request with the same key blocks on the unique
    index until this one commits, then finds the row and replays its answer
    (or, if this one rolled back, takes the key itself). Client errors of
    ``perform`` (400/409) are answers too: they are stored and replayed.
    """
    with transaction.atomic():
        record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None:
            try:
                with transaction.atomic():
                    claimed = IdempotencyKey.objects.create(
                        user=user, key=key, fingerprint=request_fingerprint
                    )
            except IntegrityError:
                # Another request with this key committed while we waited on the index.
                record = IdempotencyKey.objects.get(user=user, key=key)
        if record is not None:
            if record.fingerprint != request_fingerprint:
                raise KeyReused()
            return record.response_status, record.response_body, True
        try:
            with transaction.atomic():
                status_code, body = perform()
        except exceptions.APIException as exc:
            if not status.is_client_error(exc.status_code) or isinstance(
                exc, exceptions.Throttled
            ):
                raise
            detail = exc.detail if isinstance(exc.detail, (dict, list)) else {"detail": exc.detail}
            status_code, body = exc.status_code, detail
        claimed.response_status = status_code
        claimed.response_body = json.loads(json.dumps(body, cls=JSONEncoder))
        claimed.save(update_fields=["response_status", "response_body"])
        return status_code, claimed.response_body, False
