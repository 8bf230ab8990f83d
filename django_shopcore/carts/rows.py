"""Cart reads in plain SQL: the variant a line asks for, a cart, and its lines, as dicts.

Compiling an ORM query costs about 0.7 ms of CPU, more than the rest of a
cart write; these queries never change, so their SQL is written here once
(identifiers quoted, values as parameters) and their rows are plain dicts.
The driver's values are made what the ORM gives (``as_decimal``,
``as_datetime``: SQLite returns floats and naive or text date-times).
"""

from typing import cast

from django.db import connection, models

from ..catalog.models import Product, ProductVariant
from ..core import rows
from ..core.ids import MAX_BIGINT
from ..core.rows import as_datetime
from .models import Cart, CartItem

# A line: its id, variant_id and quantity, and its variant's sku, price, stock,
# product_id and product name. A variant: the same without the line's three.
VARIANT_COLUMNS = ("sku", "price", "stock", "product_id", "name")
LINE_COLUMNS = ("id", "variant_id", "quantity", *VARIANT_COLUMNS)


def model_field(model, name) -> models.Field:
    # Every name here is a concrete field's.
    return cast(models.Field, model._meta.get_field(name))


# The exponent of a price as the ORM gives it: 0.01.
PRICE_EXPONENT = rows.exponent_of(model_field(ProductVariant, "price"))


def table(model):
    return rows.table(model, connection.alias)


def stored(model, name, value):
    """``value`` as the column of ``model``'s field ``name`` holds it (SQLite: UTC text)."""
    return model_field(model, name).get_db_prep_value(value, connection)


def as_decimal(value):
    """A price as the ORM gives it: PostgreSQL's Decimal as is, SQLite's float made one."""
    return rows.as_decimal(value, PRICE_EXPONENT)


def fetch_one(sql, params):
    """The first row of one statement, or None (also for a statement returning no rows)."""
    return rows.fetch_one(sql, params, connection.alias)


def stored_cart_id(cart_id):
    """The cart's id as its column holds it (a UUID on PostgreSQL, hex text on SQLite)."""
    return Cart._meta.pk.get_db_prep_value(cart_id, connection)


def owner_condition(user, params):
    """The SQL of ``CartQuerySet.accessible_to(user)``, its parameters appended to ``params``."""
    if user is not None and user.is_authenticated:
        params.append(user.pk)
        return "(owner_id IS NULL OR owner_id = %s)"
    return "owner_id IS NULL"


def active_variant(variant_id):
    """The active variant of an active product with this id, or None (a dict: ``VARIANT_COLUMNS``
    and its ``id``)."""
    if not 1 <= variant_id <= MAX_BIGINT:
        return None  # No such id; SQLite could not even take it as a parameter.
    # Only identifiers are interpolated; values are parameters.
    sql = (
        "SELECT v.sku, v.price, v.stock, v.product_id, p.name "  # noqa: S608
        f"FROM {table(ProductVariant)} v JOIN {table(Product)} p ON p.id = v.product_id "
        "WHERE v.id = %s AND v.is_active AND p.is_active"
    )
    row = fetch_one(sql, [variant_id])
    if row is None:
        return None
    variant = dict(zip(VARIANT_COLUMNS, row, strict=True))
    variant["id"] = variant_id
    variant["price"] = as_decimal(variant["price"])
    return variant


def lines_of(cart_id):
    """The cart's lines with their variants and products, in id order (``LINE_COLUMNS``)."""
    sql = (
        "SELECT i.id, i.variant_id, i.quantity, "  # noqa: S608
        "v.sku, v.price, v.stock, v.product_id, p.name "
        f"FROM {table(CartItem)} i JOIN {table(ProductVariant)} v ON v.id = i.variant_id "
        f"JOIN {table(Product)} p ON p.id = v.product_id "
        "WHERE i.cart_id = %s ORDER BY i.id"
    )
    found = rows.fetch_all(sql, [stored_cart_id(cart_id)], connection.alias)
    lines = [dict(zip(LINE_COLUMNS, row, strict=True)) for row in found]
    for line in lines:
        line["price"] = as_decimal(line["price"])
    return lines


def cart_of(cart_id, user):
    """The cart (``id``, ``created_at``, ``updated_at``) if ``user`` may use it, else None."""
    params = [stored_cart_id(cart_id)]
    sql = (
        f"SELECT created_at, updated_at FROM {table(Cart)} "  # noqa: S608
        f"WHERE id = %s AND {owner_condition(user, params)}"
    )
    row = fetch_one(sql, params)
    if row is None:
        return None
    return {"id": cart_id, "created_at": as_datetime(row[0]), "updated_at": as_datetime(row[1])}


def cart_row(cart):
    """A Cart instance as the dict the other functions give."""
    return {"id": cart.pk, "created_at": cart.created_at, "updated_at": cart.updated_at}
