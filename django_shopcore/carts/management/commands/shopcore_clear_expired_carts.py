"""``manage.py shopcore_clear_expired_carts``: delete carts untouched for ``CART_TTL`` seconds."""

from django.core.management.base import BaseCommand

from ...models import Cart


class Command(BaseCommand):
    help = "Delete carts untouched for longer than SHOPCORE['CART_TTL'] seconds (run from cron)."

    def handle(self, *args, **options):
        _deleted, by_model = Cart.objects.expired().delete()
        carts = by_model.get(Cart._meta.label, 0)
        self.stdout.write(f"Deleted {carts} expired cart(s).")
