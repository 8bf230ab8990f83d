"""Order signals, each sent with ``order`` once the transaction that made the change commits."""

from django.dispatch import Signal

order_placed = Signal()
order_paid = Signal()
order_cancelled = Signal()
order_expired = Signal()
order_fulfilled = Signal()
