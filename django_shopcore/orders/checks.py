"""System checks of the orders app: the carts app it orders from, and the payment provider."""

import sqlite3

from django.apps import apps
from django.core.checks import Error, register
from django.db import connections

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
    errors += check_sqlite_returning()
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


# Cart writes and checkout use UPDATE/DELETE ... RETURNING (and UPDATE ... FROM).
SQLITE_RETURNING = (3, 35)


def check_sqlite_returning(version=None):
    """The default database, if SQLite, must know ``RETURNING`` (3.35, March 2021)."""
    version = version or sqlite3.sqlite_version_info
    if connections["default"].vendor != "sqlite" or version >= SQLITE_RETURNING:
        return []
    return [
        Error(
            "django_shopcore.carts and .orders need SQLite 3.35 or newer "
            f"(RETURNING); this Python has SQLite {'.'.join(map(str, version))}.",
            hint="Use PostgreSQL, or a Python linked against a newer SQLite.",
            id="shopcore_orders.E003",
        )
    ]
