"""Scoped throttles for shopcore views, with rates from ``SHOPCORE['THROTTLE_RATES']``."""

from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from .cache import FallbackCache
from .settings import shopcore_settings

# Type checkers see the throttle attributes the mixin uses; at run time it is a plain mixin.
if TYPE_CHECKING:
    _ThrottleBase = SimpleRateThrottle
else:
    _ThrottleBase = object


def client_address(request):
    """The client's address as the server, or its trusted proxies, saw it.

    With ``SHOPCORE['TRUSTED_PROXIES'] = N`` the Nth address from the right of
    X-Forwarded-For is the one the outermost trusted proxy saw; everything left
    of it was written by the client. Without trusted proxies (the default), or
    when the header holds fewer addresses, REMOTE_ADDR: never a header the
    client chooses.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = shopcore_settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote_addr
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if len(forwarded) < proxies:
        return remote_addr
    return forwarded[-proxies]


class ShopcoreRateMixin(_ThrottleBase):
    """Rates from ``SHOPCORE['THROTTLE_RATES']`` and clients keyed by :func:`client_address`."""

    # DRF's default cache, counted per process while it fails (never a 500, never off).
    # Duck-typed, not a BaseCache: DRF's throttles call only its get() and set().
    cache = FallbackCache("default", fallback_name="shopcore-throttles")  # type: ignore[assignment]

    def get_rate(self):
        try:
            return shopcore_settings.THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No rate for the throttle scope {self.scope!r} in SHOPCORE['THROTTLE_RATES']."
            ) from None

    def get_ident(self, request):
        # DRF's get_ident takes the whole X-Forwarded-For header unless
        # NUM_PROXIES is set: a client would get a fresh budget per request.
        return client_address(request)


class ShopcoreScopedRateThrottle(ShopcoreRateMixin, ScopedRateThrottle):
    """DRF's scoped throttle (the view's ``throttle_scope``), counted in the Django cache.

    The rate is read on every request, so a host changes it in ``SHOPCORE``
    without touching ``REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']``; a rate of
    None switches the scope off. Anonymous clients are told apart by
    :func:`client_address`.
    """


class ShopcoreFixedScopeThrottle(ShopcoreRateMixin, SimpleRateThrottle):
    """A throttle of one fixed ``scope``, whatever the view's ``throttle_scope``."""
