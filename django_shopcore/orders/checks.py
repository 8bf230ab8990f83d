"""System checks of the orders app: the carts app it orders from, and the payment provider."""

from django.apps import apps
from django.core.checks import Error, register

from ..core.settings import setting_is_a_dict, shopcore_settings
from .payments import PaymentProvider


@register()
def check_orders_setup(app_configs, **kwargs):
    errors = []
    if not apps.is_installed("django_shopcore.carts"):
        errors.append(
            Error(
                "django_shopcore.orders needs django_shopcore.carts in INSTALLED_APPS.",
                id="shopcore_orders.E001",
            )
        )
    if not setting_is_a_dict():
        return errors  # shopcore.E002 says why.
    try:
        provider = shopcore_settings.PAYMENT_PROVIDER
    except ImportError:
        # shopcore.E003 reports an import string that cannot be imported.
        return errors
    if not (isinstance(provider, type) and issubclass(provider, PaymentProvider)):
        errors.append(
            Error(
                "SHOPCORE['PAYMENT_PROVIDER'] must name a subclass of "
                "django_shopcore.orders.payments.PaymentProvider.",
                id="shopcore_orders.E002",
            )
        )
    return errors
