"""The payment provider interface (``SHOPCORE["PAYMENT_PROVIDER"]``) and the manual provider."""

from ..core.settings import shopcore_settings
from .models import Order, OrderStatus
from .transitions import MARK_PAID, TransitionNotAllowed, apply

# Statuses in which an order counts as paid.
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.FULFILLED)


class PaymentProvider:
    """Where a host plugs in a payment service; see docs/orders.md.

    ``start_payment`` runs after the order's transaction committed (never under
    a row lock); the service's confirmation (a webhook) calls
    ``confirm_payment``, which is idempotent: a webhook delivered twice pays once.
    """

    def start_payment(self, order):
        """Begin collecting ``order.total`` (e.g. create a payment intent); no return value."""

    def confirm_payment(self, order_id):
        """Mark the order paid; a paid (or fulfilled) order is returned unchanged.

        Raises a 409 for an order that was cancelled or expired meanwhile:
        the provider should then refund.
        """
        order = Order.objects.get(pk=order_id)
        if order.status in PAID_STATUSES:
            return order
        try:
            return apply(order, MARK_PAID)
        except TransitionNotAllowed:
            # A concurrent delivery of the same confirmation won.
            order.refresh_from_db()
            if order.status in PAID_STATUSES:
                return order
            raise


class ManualPaymentProvider(PaymentProvider):
    """No online payment: an admin marks orders paid (``POST orders/{id}/mark-paid/``)."""


def payment_provider():
    return shopcore_settings.PAYMENT_PROVIDER()
