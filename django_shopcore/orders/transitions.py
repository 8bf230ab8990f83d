"""Order status transitions: each a conditional UPDATE, so racing transitions cannot both win."""

from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from ..core.exceptions import ConflictWithData
from .models import Order, OrderStatus, OrderStatusChange
from .restock import return_units
from .signals import order_cancelled, order_expired, order_fulfilled, order_paid

# A status read just before another writer changed it is re-read this many times.
ATTEMPTS = 3


@dataclass(frozen=True)
class Transition:
    to_status: str
    # The statuses it may leave (a caller may narrow them, e.g. the owner's cancel).
    from_statuses: tuple
    # Whether the order's units go back to stock.
    restock: bool
    signal: Signal


PENDING, PAID = OrderStatus.PENDING_PAYMENT, OrderStatus.PAID
# The casts: mypy (with django-stubs) types a TextChoices member as its (value, label)
# tuple; at run time it is the str member.
CANCEL = Transition(cast(str, OrderStatus.CANCELLED), (PENDING, PAID), True, order_cancelled)
EXPIRE = Transition(cast(str, OrderStatus.EXPIRED), (PENDING,), True, order_expired)
MARK_PAID = Transition(cast(str, OrderStatus.PAID), (PENDING,), False, order_paid)
FULFIL = Transition(cast(str, OrderStatus.FULFILLED), (PAID,), False, order_fulfilled)


class TransitionNotAllowed(ConflictWithData):
    default_code = "transition_not_allowed"


def apply(order, transition, by=None, from_statuses=None):
    """Move ``order`` along ``transition``, or raise a 409 naming its current status.

    ``UPDATE ... WHERE id = %s AND status = <from>``: of concurrent callers one
    updates the row; the others, after waiting for its row lock, match no
    row. Only the winner writes the history and returns the units, in its
    own transaction, so stock comes back exactly once.
    """
    allowed = from_statuses or transition.from_statuses
    current = order.status
    with transaction.atomic():
        for _attempt in range(ATTEMPTS):
            if current not in allowed:
                break
            won = Order.objects.filter(pk=order.pk, status=current).update(
                status=transition.to_status, updated_at=timezone.now()
            )
            if won:
                record(order, current, transition, by)
                return order
            current = Order.objects.filter(pk=order.pk).values_list("status", flat=True).get()
    raise TransitionNotAllowed(
        {
            "detail": _("This is not allowed while the order is {status}.").format(status=current),
            "status": current,
        }
    )


def record(order, from_status, transition, by):
    OrderStatusChange.objects.create(
        order=order, from_status=from_status, to_status=transition.to_status, changed_by=by
    )
    if transition.restock:
        lines = list(order.lines.values_list("variant_id", "quantity", "variant__product_id"))
        quantities = {variant_id: quantity for variant_id, quantity, _product in lines}
        return_units(quantities, {product for _variant, _quantity, product in lines})
    order.status = transition.to_status
    # robust: a failing receiver is logged; the transition stands (a lambda: Django
    # logs the callback's __qualname__, which a partial lacks).
    transaction.on_commit(lambda: transition.signal.send(sender=Order, order=order), robust=True)
