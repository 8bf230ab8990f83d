"""Writing cart lines: the locked cart with its lines, limits, and the stock a line may ask for."""

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from ..core.exceptions import ConflictWithData
from ..core.settings import shopcore_settings
from .models import Cart, CartItem


def lock_and_touch(cart_id, user):
    """The cart (None if the caller may not use it), row-locked and its expiry postponed.

    One ``UPDATE ... RETURNING``: the UPDATE takes the row lock a
    ``SELECT ... FOR UPDATE`` would, so a cart's writes queue, and every
    item write is activity. A write that fails rolls the touch back with it.
    On PostgreSQL the write's commit does not wait for the WAL flush (see
    ``without_flush_wait``).
    """
    without_flush_wait()
    table = connection.ops.quote_name(Cart._meta.db_table)
    params = [timezone.now(), Cart._meta.pk.get_db_prep_value(cart_id, connection)]
    owner = "owner_id IS NULL"
    if user is not None and user.is_authenticated:
        owner = "(owner_id IS NULL OR owner_id = %s)"
        params.append(user.pk)
    # Only identifiers are interpolated; values are parameters. raw() applies the
    # model's converters (a UUID on SQLite, aware datetimes).
    sql = (
        f"UPDATE {table} SET updated_at = %s WHERE id = %s AND {owner} "  # noqa: S608
        "RETURNING id, owner_id, created_at, updated_at"
    )
    # On the connection that runs the statement, whatever a router says of reads.
    carts = list(Cart.objects.db_manager(connection.alias).raw(sql, params))
    return carts[0] if carts else None


def without_flush_wait():
    """``SET LOCAL synchronous_commit TO OFF`` on PostgreSQL, for this transaction only,
    unless ``CART_SYNCHRONOUS_COMMIT``.

    The flush wait is most of a cart write's time. Carts are disposable and
    reserve nothing: a server crash may lose the last fraction of a second
    of cart writes (whole transactions, never part of one), not an order's.
    """
    if connection.vendor == "postgresql" and not shopcore_settings.CART_SYNCHRONOUS_COMMIT:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def lines_of(cart):
    """The cart's lines with their variants and products, in id order (read under its lock)."""
    return list(
        CartItem.objects.filter(cart=cart).select_related("variant__product").order_by("id")
    )


def add_item(cart, items, variant, quantity):
    """Add ``quantity`` of ``variant`` to ``items`` (the locked cart's), to its line if any.

    Updates ``items`` in place to what the cart holds afterwards.
    """
    item = next((item for item in items if item.variant_id == variant.pk), None)
    if item is None:
        if len(items) >= shopcore_settings.CART_MAX_LINES:
            raise exceptions.ValidationError(
                {
                    "items": [
                        _("A cart holds at most {maximum} lines.").format(
                            maximum=shopcore_settings.CART_MAX_LINES
                        )
                    ]
                }
            )
        check_quantity(variant, quantity)
        items.append(CartItem.objects.create(cart=cart, variant=variant, quantity=quantity))
    else:
        check_quantity(variant, item.quantity + quantity)
        CartItem.objects.filter(pk=item.pk).update(quantity=F("quantity") + quantity)
        # The cart's lock keeps the line as read: the sum is what was written.
        item.quantity += quantity


def change_item(items, item, quantity):
    check_quantity(item.variant, quantity)
    CartItem.objects.filter(pk=item.pk).update(quantity=quantity)
    item.quantity = quantity


def remove_item(items, item):
    CartItem.objects.filter(pk=item.pk).delete()
    items.remove(item)


def check_quantity(variant, quantity):
    """A line's total: at most ``CART_MAX_QUANTITY`` (400) and the stock on hand (409)."""
    maximum = shopcore_settings.CART_MAX_QUANTITY
    if quantity > maximum:
        raise exceptions.ValidationError(
            {"quantity": [_("A line holds at most {maximum} units.").format(maximum=maximum)]}
        )
    if quantity > variant.stock:
        # Stock is not reserved by carts: checkout takes it, all or none.
        raise ConflictWithData(
            {
                "quantity": [_("Only {available} in stock.").format(available=variant.stock)],
                "available": variant.stock,
            }
        )
