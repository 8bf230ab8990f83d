"""Settings for django-shopcore, read from the host's ``SHOPCORE`` dict.

Modelled on ``rest_framework.settings``: values are resolved lazily on first
access, import strings become classes, and the whole object is reloaded in
place when ``SHOPCORE`` changes (``override_settings`` in tests)::

    from django_shopcore.core.settings import shopcore_settings
    shopcore_settings.PAGE_SIZE
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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
    # Whether the catalog's common list and detail queries are compiled once per
    # process and run again with each request's values (PostgreSQL).
    "PREPARED_QUERIES": True,
    # Page numbers reach this many rows deep; beyond, use the `next` cursor links.
    "MAX_PAGE_DEPTH": 10000,
    # A search first collects up to this many matches from the search indexes,
    # then orders them; with more matches it filters the ordered scan instead.
    "SEARCH_CANDIDATES": 2000,
    # The edges of the `facets` price buckets: [edge, next edge), the last one
    # unbounded; increasing decimals (as strings or numbers) from 0. After a
    # change, run `manage.py shopcore_rebuild_facets` (until then the counts
    # come from the slower paths).
    "FACET_PRICE_EDGES": ["0", "10", "20", "50", "100", "200", "500", "1000"],
    # A facet estimate (`facets.exact` false: a list whose count is an estimate,
    # filtered by more than category and stock) reads at most this many products
    # of the sample; enough to hold about a fifth as many matches when it can.
    "FACET_SAMPLE_ROWS": 10000,
    # The Django cache for subtree ids and (when CACHE_RESPONSES) anonymous
    # catalog responses; it must be shared by all processes (e.g. django-redis).
    "CACHE_ALIAS": "default",
    "CACHE_RESPONSES": False,
    # Seconds a cached entry lives; writes invalidate earlier through versions.
    "CACHE_TIMEOUT": 300,
    # The shop's one currency (an ISO 4217 code): every price is in it.
    "CURRENCY": "USD",
    # Product images: the largest upload in bytes (more is a 413) and in
    # pixels, width x height (more is a 400: decompression bombs stay closed).
    "IMAGE_MAX_BYTES": 10 * 1024 * 1024,
    "IMAGE_MAX_PIXELS": 40_000_000,
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
        # Writes to auth/me/ per user: each may check the password.
        "profile": "10/min",
        # Password reset requests and confirmations, per client address.
        "password_reset": "10/hour",
        # Failed logins per username, from any address: only failures count.
        "login_username": "10/hour",
    },
    # The frontend page a password reset e-mail links to, holding "{uid}" and
    # "{token}", e.g. "https://shop.example.com/reset/{uid}/{token}/". None:
    # the e-mail gives the two values as text (system check shopcore.W011).
    "PASSWORD_RESET_URL": None,
    # Seconds after a rotation during which the rotated refresh token still
    # gets a successor (two tabs refreshing at once) instead of revoking its
    # family as a replay; 0 revokes at once.
    "REFRESH_REUSE_GRACE_SECONDS": 10,
    # How many proxies in front of the server append to X-Forwarded-For; 0 (no
    # proxy): throttles key on REMOTE_ADDR. With N, on the Nth address from the right.
    "TRUSTED_PROXIES": 0,
    # Streaming replicas (core/routers.py ReplicaRouter, in DATABASE_ROUTERS):
    # the DATABASES aliases it may read from; empty, every query goes to "default".
    "DATABASE_REPLICAS": [],
    # App labels whose reads may go to a replica; other apps always read the primary.
    "REPLICA_APPS": ["shopcore_catalog"],
    # Seconds a user's reads stay on the primary after a successful write, on every
    # host (kept in CACHE_ALIAS). At least REPLICA_MAX_LAG_SECONDS +
    # REPLICA_CHECK_INTERVAL, so that the user always sees their own writes.
    "READ_YOUR_WRITES_SECONDS": 15,
    # A replica whose replay is further behind than this is skipped.
    "REPLICA_MAX_LAG_SECONDS": 10,
    # Seconds a process trusts a replica's last health check (up, lag) before asking again.
    "REPLICA_CHECK_INTERVAL": 5,
    # Carts: the most units of one variant a line may hold, the most lines a
    # cart may hold, and the seconds an untouched cart lives before
    # `shopcore_clear_expired_carts` deletes it.
    "CART_MAX_QUANTITY": 1000,
    "CART_MAX_LINES": 100,
    "CART_TTL": 7 * 24 * 3600,
    # Whether a cart write's commit waits for PostgreSQL's WAL flush. Off: a
    # crash of the database server may lose the last fraction of a second of
    # cart writes (never an order or stock), and a write costs a flush less.
    "CART_SYNCHRONOUS_COMMIT": False,
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


def setting_is_a_dict():
    """Whether ``SHOPCORE`` is a dict (or unset); the checks that read it need one."""
    return isinstance(getattr(settings, SETTING_NAME, None) or {}, dict)


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
            if not setting_is_a_dict():
                value = getattr(settings, SETTING_NAME)
                raise ImproperlyConfigured(
                    f"{SETTING_NAME} must be a dict, not {type(value).__name__} (shopcore.E002)."
                )
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
