"""Settings for django-shopcore, read from the host's ``SHOPCORE`` dict.

Modelled on ``rest_framework.settings``: values are resolved lazily on first
access, import strings become classes, and the whole object is reloaded in
place when ``SHOPCORE`` changes (``override_settings`` in tests)::

    from django_shopcore.core.settings import shopcore_settings
    shopcore_settings.PAGE_SIZE
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

SETTING_NAME = "SHOPCORE"

DEFAULTS = {
    # How every shopcore view authenticates requests. None: the accounts app's
    # Bearer JWT when it is installed, else REST_FRAMEWORK's defaults.
    "AUTHENTICATION_CLASSES": None,
    # Catalog: who may write, and how lists are paged.
    "CATALOG_PERMISSION_CLASSES": ["django_shopcore.catalog.permissions.IsAdminOrReadOnly"],
    "CATEGORY_SERIALIZER": "django_shopcore.catalog.serializers.CategorySerializer",
    "PRODUCT_SERIALIZER": "django_shopcore.catalog.serializers.ProductSerializer",
    # The product detail's serializer: the list's fields plus the variants.
    "PRODUCT_DETAIL_SERIALIZER": "django_shopcore.catalog.serializers.ProductDetailSerializer",
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    # Longest accepted `search` query, in characters.
    "SEARCH_MAX_LENGTH": 200,
    # Lists count their rows exactly up to this many; beyond, `count` is an
    # estimate (PostgreSQL's planner) or this bound, and `count_exact` is false.
    "EXACT_COUNT_THRESHOLD": 1000,
    # Seconds a process reuses an estimate too large to count (it only changes
    # when PostgreSQL analyzes the table); 0 asks the planner every time.
    "COUNT_ESTIMATE_TIMEOUT": 60,
    # Page numbers reach this many rows deep; beyond, use the `next` cursor links.
    "MAX_PAGE_DEPTH": 10000,
    # A search first collects up to this many matches from the search indexes,
    # then orders them; with more matches it filters the ordered scan instead.
    "SEARCH_CANDIDATES": 2000,
    # The Django cache for subtree ids and (when CACHE_RESPONSES) anonymous
    # catalog responses; it must be shared by all processes (e.g. django-redis).
    "CACHE_ALIAS": "default",
    "CACHE_RESPONSES": False,
    # Seconds a cached entry lives; writes invalidate earlier through versions.
    "CACHE_TIMEOUT": 300,
    # The shop's one currency (an ISO 4217 code): every price is in it.
    "CURRENCY": "USD",
    # Accounts: serializers, who manages users, and the auth throttles.
    "REGISTER_SERIALIZER": "django_shopcore.accounts.serializers.RegisterSerializer",
    "USER_SERIALIZER": "django_shopcore.accounts.serializers.UserSerializer",
    "ADMIN_USER_SERIALIZER": "django_shopcore.accounts.serializers.AdminUserSerializer",
    "USER_ADMIN_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    # Passwords longer than this are rejected before hashing, bounding its cost.
    "PASSWORD_MAX_LENGTH": 128,
    "THROTTLE_RATES": {
        "login": "20/min",
        "register": "20/min",
        "refresh": "60/min",
        "password": "10/min",
    },
    # Carts: the most units of one variant a line may hold, the most lines a
    # cart may hold, and the seconds an untouched cart lives before
    # `shopcore_clear_expired_carts` deletes it.
    "CART_MAX_QUANTITY": 1000,
    "CART_MAX_LINES": 100,
    "CART_TTL": 7 * 24 * 3600,
    # Orders: seconds a new order may stay unpaid before `shopcore_expire_orders`
    # expires it (its units go back to stock).
    "ORDER_PAYMENT_WINDOW": 3600,
    # Seconds an Idempotency-Key (and its stored answer) is kept before
    # `shopcore_expire_orders` deletes it and the key may be used anew.
    "IDEMPOTENCY_KEY_TTL": 24 * 3600,
    # The payment provider class (orders.payments.PaymentProvider): the manual
    # one waits for an admin to mark orders paid.
    "PAYMENT_PROVIDER": "django_shopcore.orders.payments.ManualPaymentProvider",
}

# Settings that hold import strings (or lists of them) to resolve to objects.
IMPORT_STRINGS = {
    "AUTHENTICATION_CLASSES",
    "CATALOG_PERMISSION_CLASSES",
    "CATEGORY_SERIALIZER",
    "PRODUCT_SERIALIZER",
    "PRODUCT_DETAIL_SERIALIZER",
    "REGISTER_SERIALIZER",
    "USER_SERIALIZER",
    "ADMIN_USER_SERIALIZER",
    "USER_ADMIN_PERMISSION_CLASSES",
    "PAYMENT_PROVIDER",
}


def perform_import(value, setting_name):
    """Resolve an import string, or a list of them, to the objects they name."""
    if isinstance(value, str):
        return import_from_string(value, setting_name)
    if isinstance(value, (list, tuple)):
        return [import_from_string(item, setting_name) for item in value]
    return value


def import_from_string(value, setting_name):
    try:
        return import_string(value)
    except ImportError as exc:
        raise ImportError(
            f"Could not import {value!r} for {SETTING_NAME}[{setting_name!r}]: {exc}"
        ) from exc


class ShopcoreSettings:
    """Attribute access to ``SHOPCORE`` with defaults, cached per attribute."""

    def __init__(self, defaults=None, import_strings=None):
        self.defaults = defaults or DEFAULTS
        self.import_strings = import_strings or IMPORT_STRINGS
        self._cached_attrs = set()
        self._user_settings = None

    @property
    def user_settings(self):
        if self._user_settings is None:
            self._user_settings = getattr(settings, SETTING_NAME, None) or {}
        return self._user_settings

    def __getattr__(self, attr):
        if attr not in self.defaults:
            raise AttributeError(f"Invalid {SETTING_NAME} setting: {attr!r}")
        default = self.defaults[attr]
        value = self.user_settings.get(attr, default)
        if isinstance(default, dict) and isinstance(value, dict):
            # Dicts merge key by key, so a host can change one throttle rate.
            value = {**default, **value}
        if attr in self.import_strings:
            value = perform_import(value, attr)
        self._cached_attrs.add(attr)
        setattr(self, attr, value)
        return value

    def reload(self):
        """Forget cached values so the next access reads ``SHOPCORE`` again."""
        for attr in self._cached_attrs:
            delattr(self, attr)
        self._cached_attrs.clear()
        self._user_settings = None


shopcore_settings = ShopcoreSettings(DEFAULTS, IMPORT_STRINGS)


def reload_shopcore_settings(*, setting, **kwargs):
    if setting == SETTING_NAME:
        shopcore_settings.reload()


setting_changed.connect(reload_shopcore_settings)
