"""The orders app: checkout from a cart, the order lifecycle, payments and idempotency keys."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "django_shopcore.orders"
    label = "shopcore_orders"
    verbose_name = "Shop orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported for its side effect: registering the system checks.
        from . import checks  # noqa: F401
