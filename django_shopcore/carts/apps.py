"""The carts app: anonymous or owned carts of product variants."""

from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "django_shopcore.carts"
    label = "shopcore_carts"
    verbose_name = "Shop carts"
    default_auto_field = "django.db.models.BigAutoField"
