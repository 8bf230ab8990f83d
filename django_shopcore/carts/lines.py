"""Writing cart lines: quantity and line-count limits, and the stock a line may ask for."""

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from ..core.exceptions import ConflictWithData
from ..core.settings import shopcore_settings
from .models import Cart, CartItem


def add_item(cart, variant, quantity):
    """Add ``quantity`` of ``variant``, to its existing line if the cart has one.

    The caller holds the cart's row lock, so two adds to one cart queue.
    """
    item = CartItem.objects.filter(cart=cart, variant=variant).first()
    if item is None:
        if CartItem.objects.filter(cart=cart).count() >= shopcore_settings.CART_MAX_LINES:
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
        CartItem.objects.create(cart=cart, variant=variant, quantity=quantity)
    else:
        check_quantity(variant, item.quantity + quantity)
        CartItem.objects.filter(pk=item.pk).update(quantity=F("quantity") + quantity)
    touch(cart)


def change_item(cart, item, quantity):
    check_quantity(item.variant, quantity)
    CartItem.objects.filter(pk=item.pk).update(quantity=quantity)
    touch(cart)


def remove_item(cart, item):
    item.delete()
    touch(cart)


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


def touch(cart):
    """Every item write is activity: it postpones the cart's expiry."""
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
