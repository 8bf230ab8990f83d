"""Placing an order from a cart: one transaction, all lines' units or none."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
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
from .restock import lock_variants, take_units
from .signals import order_placed


def place_order(user, cart_id, shipping_address, expected_total=None):
    """Turn the cart into an order, or raise (400/409) with nothing changed.

    Row locks, in the order every writer takes them: the cart (so it is ordered
    once), its variants by ascending id, their products. The payment provider
    and the ``order_placed`` receivers run after commit, holding no lock.
    """
    with transaction.atomic():
        cart = lock_cart(user, cart_id)
        quantities = requested_quantities(cart)
        variants = lock_variants(list(quantities))
        lines = [snapshot(variant, quantities[variant.pk]) for variant in variants]
        subtotal = sum((line.line_total for line in lines), 0)
        check_expected_total(expected_total, subtotal)
        if not all_sellable(variants, quantities) or not take_units(quantities):
            raise InsufficientStock(shortages(quantities, variants))
        refresh_product_totals({variant.product_id for variant in variants})
        order = Order.objects.create(
            number=new_number(),
            user=user,
            email=getattr(user, "email", "") or "",
            cart_id=cart.pk,
            shipping_address=shipping_address,
            subtotal=subtotal,
            total=subtotal,
            currency=shopcore_settings.CURRENCY,
            payment_due_by=timezone.now()
            + timedelta(seconds=shopcore_settings.ORDER_PAYMENT_WINDOW),
        )
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        OrderStatusChange.objects.create(order=order, to_status=OrderStatus.PENDING_PAYMENT)
        # The cart is consumed (its items cascade); Order.cart_id remembers it was ordered.
        Cart.objects.filter(pk=cart.pk).delete()
        # robust: a failing provider or receiver is logged; the order stands and the answer
        # is 201. A lambda, not a partial: Django logs the callback's __qualname__.
        transaction.on_commit(lambda: after_placement(order), robust=True)
    return order


class InsufficientStock(ConflictWithData):
    # Lazy: a class attribute is made at import, before any request picks a language.
    default_detail = gettext_lazy("Some lines lack stock.")
    default_code = "insufficient_stock"


def lock_cart(user, cart_id):
    cart = (
        Cart.objects.accessible_to(user)
        .select_for_update(of=("self",))
        .filter(pk=cart_id)
        .order_by()
        .first()
    )
    if cart is not None:
        return cart
    # A concurrent checkout of this cart waited on the lock above and finds it gone.
    if Order.objects.filter(cart_id=cart_id, user=user).exists():
        raise Conflict({"cart": [_("This cart has already been ordered.")]})
    raise exceptions.ValidationError({"cart": [_("No such cart.")]})


def requested_quantities(cart):
    """``{variant_id: units}`` of the cart, summed per variant."""
    rows = (
        CartItem.objects.filter(cart=cart)
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .order_by("variant_id")
    )
    quantities = {row["variant_id"]: row["units"] for row in rows}
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


def snapshot(variant, quantity):
    return OrderLine(
        variant=variant,
        product_name=variant.product.name,
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


def all_sellable(variants, quantities):
    """Every line's variant exists and its product is on sale (the UPDATE checks the rest)."""
    return len(variants) == len(quantities) and all(
        variant.product.is_active for variant in variants
    )


def shortages(quantities, variants):
    """The lines lacking stock, as read under the row locks (inactive or gone: 0 available)."""
    available = {
        variant.pk: variant.stock if variant.is_active and variant.product.is_active else 0
        for variant in variants
    }
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
