"""``manage.py shopcore_expire_orders``: expire unpaid orders past due, old idempotency keys."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from ....core.settings import shopcore_settings
from ...models import IdempotencyKey, Order, OrderStatus
from ...transitions import EXPIRE, TransitionNotAllowed, apply


class Command(BaseCommand):
    help = (
        "Expire orders unpaid at their payment_due_by (their units go back to stock) and "
        "delete Idempotency-Keys older than SHOPCORE['IDEMPOTENCY_KEY_TTL'] (run from cron)."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        due = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, payment_due_by__lt=now)
        expired = 0
        for order in due.order_by("payment_due_by").iterator():
            try:
                apply(order, EXPIRE)
            except TransitionNotAllowed:
                # Paid or cancelled since the query: nothing to expire.
                continue
            expired += 1
        cutoff = now - timedelta(seconds=shopcore_settings.IDEMPOTENCY_KEY_TTL)
        keys, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Expired {expired} order(s); deleted {keys} idempotency key(s).")
