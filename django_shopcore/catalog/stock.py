"""Stock changes that stay correct when many requests write the same product at once."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from ..core.ids import MAX_INT32
from .cache import invalidate
from .models import Product

# The largest value the ``stock`` column (a 32-bit integer) can hold.
MAX_STOCK = MAX_INT32


class StockConflict(exceptions.APIException):
    """The stock change would break an integrity rule (409 Conflict)."""

    status_code = 409
    default_detail = _("This stock change conflicts with the current stock.")
    default_code = "stock_conflict"


class InsufficientStock(StockConflict):
    default_detail = _("Not enough stock.")
    default_code = "insufficient_stock"


class StockLimitExceeded(StockConflict):
    # Lazy, so that it is translated per request rather than once at import.
    default_detail = format_lazy(
        _("The stock would exceed its maximum of {max_stock}."), max_stock=MAX_STOCK
    )
    default_code = "stock_limit_exceeded"


def decrement_stock(product_id, quantity):
    """Take ``quantity`` units out of stock; returns the new stock.

    One conditional ``UPDATE ... SET stock = stock - n WHERE stock >= n``: the
    database checks and writes atomically, so concurrent callers can neither
    lose an update nor drive the stock negative. Raises ``InsufficientStock``
    (409) when fewer than ``quantity`` units are left, ``NotFound`` (404) for
    an unknown product.
    """
    quantity = validate_quantity(quantity)
    return _change_stock(product_id, -quantity, {"stock__gte": quantity}, InsufficientStock)


def increment_stock(product_id, quantity):
    """Put ``quantity`` units back into stock (a cancelled order, a delivery); returns it."""
    quantity = validate_quantity(quantity)
    return _change_stock(
        product_id, quantity, {"stock__lte": MAX_STOCK - quantity}, StockLimitExceeded
    )


def validate_quantity(quantity):
    """A whole number of units from 1 to ``MAX_STOCK``, or a 400 naming ``quantity``."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise exceptions.ValidationError({"quantity": [_("A whole number is required.")]})
    if not 1 <= quantity <= MAX_STOCK:
        raise exceptions.ValidationError(
            {"quantity": [_("Must be between 1 and {max}.").format(max=MAX_STOCK)]}
        )
    return quantity


def _change_stock(product_id, delta, condition, conflict):
    with transaction.atomic():
        changed = Product.objects.filter(pk=product_id, **condition).update(
            stock=F("stock") + delta, updated_at=timezone.now()
        )
        # Our UPDATE holds the row lock until commit, so this read sees our write only.
        stock = Product.objects.filter(pk=product_id).values_list("stock", flat=True).first()
        if changed:
            # update() sends no post_save: cached catalog responses must go too.
            invalidate(Product)
    if stock is None:
        raise exceptions.NotFound(_("No such product."))
    if not changed:
        raise conflict()
    return stock
