"""Placing an order from a cart: one transaction, all lines' units or none."""

import secrets
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions

from ..carts.models import Cart, CartItem
from ..catalog.variants import refresh_product_totals
from ..core.exceptions import Conflict, ConflictWithData
from ..core.settings import shopcore_settings
from .models import Order, OrderLine, OrderStatus, OrderStatusChange
from .payments import payment_provider
from .restock import take_units, unsold_variants
from .signals import order_placed


def place_order(user, cart_id, shipping_address, expected_total=None):
    """Turn the cart into an order, or raise (400/409) with nothing changed.

    Row locks, in the order every writer takes them: the cart (so it is ordered
    once), its variants by ascending id, their products. The payment provider
    and the ``order_placed`` receivers run after commit, holding no lock. The
    order carries its lines as ``placed_lines`` (the answer needs no reading).
    """
    with transaction.atomic():
        quantities = take_cart(user, cart_id)
        variants = take_units(quantities)
        if len(variants) < len(quantities):
            variants += unsold_variants(quantities, variants)
        lines = [snapshot(variant, quantities[variant.pk]) for variant in variants]
        subtotal = sum((line.line_total for line in lines), 0)
        check_expected_total(expected_total, subtotal)
        if len(lines) < len(quantities) or any(not variant.sold for variant in variants):
            raise InsufficientStock(shortages(quantities, variants))
        refresh_product_totals({variant.product_id for variant in variants})
        order = Order.objects.create(
            number=new_number(),
            user=user,
            email=getattr(user, "email", "") or "",
            cart_id=cart_id,
            shipping_address=shipping_address,
            subtotal=subtotal,
            total=subtotal,
            currency=shopcore_settings.CURRENCY,
            payment_due_by=timezone.now()
            + timedelta(seconds=shopcore_settings.ORDER_PAYMENT_WINDOW),
        )
        for line in lines:
            line.order = order
        order.placed_lines = sorted(OrderLine.objects.bulk_create(lines), key=line_order)
        OrderStatusChange.objects.create(order=order, to_status=OrderStatus.PENDING_PAYMENT)
        # robust: a failing provider or receiver is logged; the order stands and the answer
        # is 201. A lambda, not a partial: Django logs the callback's __qualname__.
        transaction.on_commit(lambda: after_placement(order), robust=True)
    return order


def line_order(line):
    # As the order's lines are read (by id); by variant where no ids came back.
    return (line.pk or 0, line.variant_id)


class InsufficientStock(ConflictWithData):
    # Lazy: a class attribute is made at import, before any request picks a language.
    default_detail = gettext_lazy("Some lines lack stock.")
    default_code = "insufficient_stock"


def take_cart(user, cart_id):
    """Delete the cart and its items, returning ``{variant_id: units}`` (ascending ids).

    The cart's DELETE takes its row lock first, so its writes and a concurrent
    checkout queue behind it; the items are then read by their own DELETE,
    after the lock (the foreign key is checked at commit). A failing checkout
    rolls both back.
    """
    quote = connection.ops.quote_name
    stored_id = Cart._meta.pk.get_db_prep_value(cart_id, connection)
    owner, params = "owner_id IS NULL", [stored_id]
    if user is not None and user.is_authenticated:
        owner = "(owner_id IS NULL OR owner_id = %s)"
        params.append(user.pk)
    with connection.cursor() as cursor:
        # Only identifiers are interpolated; values are parameters.
        cursor.execute(
            f"DELETE FROM {quote(Cart._meta.db_table)} "  # noqa: S608
            f"WHERE id = %s AND {owner} RETURNING id",
            params,
        )
        if cursor.fetchone() is None:
            no_such_cart(user, cart_id)
        cursor.execute(
            f"DELETE FROM {quote(CartItem._meta.db_table)} "  # noqa: S608
            "WHERE cart_id = %s RETURNING variant_id, quantity",
            [stored_id],
        )
        quantities = dict(sorted(cursor.fetchall()))
    if not quantities:
        raise exceptions.ValidationError({"cart": [_("The cart is empty.")]})
    if len(quantities) > shopcore_settings.CART_MAX_LINES:
        raise exceptions.ValidationError(
            {
                "cart": [
                    _("A cart holds at most {maximum} lines.").format(
                        maximum=shopcore_settings.CART_MAX_LINES
                    )
                ]
            }
        )
    return quantities


def no_such_cart(user, cart_id):
    # A concurrent checkout of this cart held the lock and deleted it.
    if Order.objects.filter(cart_id=cart_id, user=user).exists():
        raise Conflict({"cart": [_("This cart has already been ordered.")]})
    raise exceptions.ValidationError({"cart": [_("No such cart.")]})


def snapshot(variant, quantity):
    return OrderLine(
        variant_id=variant.pk,
        product_name=variant.product_name,
        sku=variant.sku,
        options=variant.options,
        unit_price=variant.price,
        quantity=quantity,
        line_total=variant.price * quantity,
    )


def check_expected_total(expected_total, total):
    if expected_total is not None and expected_total != total:
        raise ConflictWithData(
            {
                "expected_total": [
                    _("The prices changed: the total is now {total}.").format(total=f"{total:.2f}")
                ],
                "total": f"{total:.2f}",
            }
        )


def shortages(quantities, variants):
    """The lines lacking stock, as read under the row locks (inactive or gone: 0 available)."""
    available = {variant.pk: variant.available for variant in variants}
    return {
        "detail": _("Not enough stock for some lines; nothing was ordered."),
        "lines": [
            {"variant": variant_id, "requested": units, "available": available.get(variant_id, 0)}
            for variant_id, units in quantities.items()
            if units > available.get(variant_id, 0)
        ],
    }


def new_number():
    """A short, unguessable order number (the unique constraint backs it)."""
    return f"{timezone.now():%y%m%d}-{secrets.token_hex(5).upper()}"


def after_placement(order):
    payment_provider().start_payment(order)
    order_placed.send(sender=Order, order=order)
