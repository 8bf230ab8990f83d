"""Scoped throttles for shopcore views, with rates from ``SHOPCORE['THROTTLE_RATES']``."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import ScopedRateThrottle

from .cache import FallbackCache
from .settings import shopcore_settings


class ShopcoreScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (the view's ``throttle_scope``), counted in the Django cache.

    The rate is read on every request, so a host changes it in ``SHOPCORE``
    without touching ``REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']``; a rate of
    None switches the scope off.
    """

    # DRF's default cache, counted per process while it fails (never a 500, never off).
    cache = FallbackCache("default", fallback_name="shopcore-throttles")

    def get_rate(self):
        try:
            return shopcore_settings.THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No rate for the throttle scope {self.scope!r} in SHOPCORE['THROTTLE_RATES']."
            ) from None
