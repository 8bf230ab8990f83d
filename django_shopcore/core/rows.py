"""Plain SQL's rows made what the ORM gives: decimals, date-times, JSON, booleans.

Compiling an ORM query costs about 0.5 ms of CPU, more than a short
statement's round trip; statements that never change are written once as SQL
(identifiers quoted, values as parameters), and their values converted here,
as the fields' converters would: SQLite returns floats, integers for booleans
and text for date-times and JSON.
"""

import datetime
import json
from decimal import Decimal

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def exponent_of(field):
    """The exponent of a DecimalField's values as the ORM gives them (0.01 for 2 places)."""
    return Decimal(1).scaleb(-field.decimal_places)


def as_decimal(value, exponent):
    """A decimal as the ORM gives it: PostgreSQL's Decimal as is, SQLite's number made one."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(exponent)


def as_datetime(value):
    """A date-time as the ORM gives it: SQLite's text parsed, its naive UTC made aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.timezone.utc)
    return value


def as_json(value):
    """A JSONField's value: the text that Django's connections return decoded (None stays)."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def as_bool(value):
    """A BooleanField's value: SQLite's 0 or 1 made False or True (None stays)."""
    return value if value is None else bool(value)


def table(model, using="default"):
    """The model's table name, quoted for the connection ``using``."""
    return connections[using].ops.quote_name(model._meta.db_table)


def placeholders(count):
    """``%s, %s, ...``: ``count`` parameters, for ``IN (...)`` or ``VALUES (...)``."""
    return ", ".join(["%s"] * count)


def fetch_one(sql, params, using="default"):
    """The first row of one statement, or None (also for a statement returning no rows)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def fetch_all(sql, params, using="default"):
    """Every row of one statement (none for a statement returning no rows)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
