"""``Idempotency-Key``: one answer per user and key, also for concurrent requests."""

import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone
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
    request, ``ON CONFLICT DO NOTHING``: a concurrent request with the same
    key blocks on the unique index until this one commits, then inserts
    nothing, finds the row and replays its answer (or, if this one rolled
    back, takes the key itself). Client errors of ``perform`` (400/409) are
    answers too: they are stored and replayed. ``perform`` must roll its own
    writes back when it raises (do them in ``transaction.atomic()``).
    """
    with transaction.atomic():
        claimed = claim(user, key, request_fingerprint)
        if claimed is None:
            record = IdempotencyKey.objects.get(user=user, key=key)
            if record.fingerprint != request_fingerprint:
                raise KeyReused()
            return record.response_status, record.response_body, True
        try:
            # No savepoint here: perform() makes its writes in an atomic block of its
            # own (place_order's), which an error rolls back, leaving the key's row.
            status_code, body = perform()
        except exceptions.APIException as exc:
            if not status.is_client_error(exc.status_code) or isinstance(
                exc, exceptions.Throttled
            ):
                raise
            detail = exc.detail if isinstance(exc.detail, (dict, list)) else {"detail": exc.detail}
            status_code, body = exc.status_code, detail
        response_body = json.loads(json.dumps(body, cls=JSONEncoder))
        IdempotencyKey.objects.filter(pk=claimed).update(
            response_status=status_code, response_body=response_body
        )
        return status_code, response_body, False


def claim(user, key, request_fingerprint):
    """Insert the key's row and return its id; None when the user already has this key.

    The unique constraint decides (``INSERT ... ON CONFLICT DO NOTHING``, no
    savepoint needed to survive a lost race).
    """
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    # Only the table's name is interpolated; values are parameters.
    sql = (
        f"INSERT INTO {table} (user_id, key, fingerprint, created_at) "  # noqa: S608
        "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
    )
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, key, request_fingerprint, created_at])
        row = cursor.fetchone()
    return row[0] if row else None
