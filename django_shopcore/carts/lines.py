"""Writing cart lines: the locked cart with its lines, limits, and the stock a line may ask for.

Lines are the dicts of ``rows.lines_of``; every statement is one plain SQL
round trip (see rows.py for why not the ORM's).
"""

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from ..core.exceptions import ConflictWithData
from ..core.settings import shopcore_settings
from .models import Cart, CartItem
from .rows import as_datetime, fetch_one, owner_condition, stored, stored_cart_id, table


def lock_and_touch(cart_id, user):
    """The cart (a dict, as ``rows.cart_of``; None if the caller may not use it), row-locked
    and its expiry postponed.

    One ``UPDATE ... RETURNING``: the UPDATE takes the row lock a
    ``SELECT ... FOR UPDATE`` would, so a cart's writes queue, and every
    item write is activity. A write that fails rolls the touch back with it.
    On PostgreSQL the write's commit does not wait for the WAL flush (see
    ``without_flush_wait``).
    """
    now = timezone.now()
    params = [stored(Cart, "updated_at", now), stored_cart_id(cart_id)]
    owner = owner_condition(user, params)
    # Only identifiers are interpolated; values are parameters.
    sql = (
        f"UPDATE {table(Cart)} SET updated_at = %s WHERE id = %s AND {owner} "  # noqa: S608
        f"RETURNING created_at{without_flush_wait()}"
    )
    row = fetch_one(sql, params)
    if row is None:
        return None
    return {"id": cart_id, "created_at": as_datetime(row[0]), "updated_at": now}


def without_flush_wait():
    """What turns PostgreSQL's ``synchronous_commit`` off for this transaction only, unless
    ``CART_SYNCHRONOUS_COMMIT``: a column for the cart's ``UPDATE ... RETURNING``.

    ``set_config(..., true)`` is ``SET LOCAL`` as a function, so the lock's
    statement carries it: no round trip of its own. The flush wait is most of a
    cart write's time. Carts are disposable and reserve nothing: a server crash
    may lose the last fraction of a second of cart writes (whole transactions,
    never part of one), not an order's.
    """
    if connection.vendor == "postgresql" and not shopcore_settings.CART_SYNCHRONOUS_COMMIT:
        return ", set_config('synchronous_commit', 'off', true)"
    return ""


def add_item(cart, lines, variant, quantity):
    """Add ``quantity`` of ``variant`` (``rows.active_variant``'s) to ``lines`` (the locked
    cart's), to its line if any.

    Updates ``lines`` in place to what the cart holds afterwards.
    """
    line = next((line for line in lines if line["variant_id"] == variant["id"]), None)
    if line is None:
        if len(lines) >= shopcore_settings.CART_MAX_LINES:
            raise exceptions.ValidationError(
                {
                    "items": [
                        _("A cart holds at most {maximum} lines.").format(
                            maximum=shopcore_settings.CART_MAX_LINES
                        )
                    ]
                }
            )
        check_quantity(variant["stock"], quantity)
        created_at = stored(CartItem, "created_at", timezone.now())
        line_id = execute(
            f"INSERT INTO {table(CartItem)} (cart_id, variant_id, quantity, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) RETURNING id",
            [stored_cart_id(cart["id"]), variant["id"], quantity, created_at],
        )
        line = {"id": line_id, "variant_id": variant["id"], "quantity": quantity}
        lines.append({**line, **variant_of(variant)})
    else:
        check_quantity(variant["stock"], line["quantity"] + quantity)
        # The cart's lock keeps the line as read: the sum is what is written.
        line["quantity"] += quantity
        set_quantity(line)


def variant_of(variant):
    """A line's copy of its variant's columns."""
    return {name: value for name, value in variant.items() if name != "id"}


def change_item(lines, line, quantity):
    check_quantity(line["stock"], quantity)
    line["quantity"] = quantity
    set_quantity(line)


def remove_item(lines, line):
    execute(f"DELETE FROM {table(CartItem)} WHERE id = %s", [line["id"]])  # noqa: S608
    lines.remove(line)


def set_quantity(line):
    execute(
        f"UPDATE {table(CartItem)} SET quantity = %s WHERE id = %s",  # noqa: S608
        [line["quantity"], line["id"]],
    )


def execute(sql, params):
    """Run one statement; the first column of its first row, if it returns one."""
    row = fetch_one(sql, params)
    return None if row is None else row[0]


def check_quantity(stock, quantity):
    """A line's total: at most ``CART_MAX_QUANTITY`` (400) and the ``stock`` on hand (409)."""
    maximum = shopcore_settings.CART_MAX_QUANTITY
    if quantity > maximum:
        raise exceptions.ValidationError(
            {"quantity": [_("A line holds at most {maximum} units.").format(maximum=maximum)]}
        )
    if quantity > stock:
        # Stock is not reserved by carts: checkout takes it, all or none.
        raise ConflictWithData(
            {
                "quantity": [_("Only {available} in stock.").format(available=stock)],
                "available": stock,
            }
        )
