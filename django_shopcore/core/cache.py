"""Versioned cache entries in the cache named by ``SHOPCORE['CACHE_ALIAS']``, and outages.

Every cache key embeds a version number kept in the cache itself. A write
does not delete keys; it bumps the version, so the old entries are never read
again and expire on their own.

The cache may fail (Redis down or unreachable): every failure is logged once,
as a WARNING with the exception, and the caller reads the database instead.
A bump that fails is remembered: until it succeeds, this process trusts no
versioned entry, so it never serves an entry from before a write it made
during the outage. Other processes did not see that write; the entries they
read once the cache is back expire ``CACHE_TIMEOUT`` after they were stored.
"""

import hashlib
import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from .settings import shopcore_settings

KEY_PREFIX = "shopcore"

logger = logging.getLogger(__name__)


def get_cache():
    return caches[shopcore_settings.CACHE_ALIAS]


def is_shared(cache):
    """False for a per-process cache, which never sees other processes' invalidations."""
    return not isinstance(cache, LocMemCache)


class CacheUnavailable(Exception):
    """The cache failed an operation; the failure is logged already."""


class GuardedCache:
    """A Django cache whose failures are logged and raised as CacheUnavailable.

    Any exception from the backend's I/O counts (django-redis raises
    ConnectionInterrupted, redis-py ConnectionError or TimeoutError, other
    backends their own), but not a misconfigured alias, which fails loudly.
    """

    def __init__(self, alias=None):
        # None: SHOPCORE['CACHE_ALIAS'], read on each use.
        self.alias = alias

    def backend(self):
        return caches[self.alias or shopcore_settings.CACHE_ALIAS]

    def call(self, operation, *args, **kwargs):
        method = getattr(self.backend(), operation)
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            logger.warning(
                "The cache %r failed a %s (%s); answering without it.",
                self.alias or shopcore_settings.CACHE_ALIAS,
                operation,
                type(exc).__name__,
                exc_info=True,
            )
            raise CacheUnavailable from exc

    def get(self, key, default=None):
        return self.call("get", key, default)

    def get_many(self, keys):
        return self.call("get_many", keys)

    def set(self, key, value, timeout=None):
        return self.call("set", key, value, timeout)

    def set_many(self, mapping, timeout=None):
        return self.call("set_many", mapping, timeout)

    def add(self, key, value, timeout=None):
        return self.call("add", key, value, timeout)


class FallbackCache(GuardedCache):
    """A GuardedCache that answers from a per-process local-memory cache while it fails.

    For throttle counters: during an outage each process counts alone at the
    same rate, which is weaker than one shared count but never switches the
    throttle off.
    """

    def __init__(self, alias=None, fallback_name="shopcore-fallback"):
        super().__init__(alias)
        self.fallback = LocMemCache(fallback_name, {})

    def call(self, operation, *args, **kwargs):
        try:
            return super().call(operation, *args, **kwargs)
        except CacheUnavailable:
            return getattr(self.fallback, operation)(*args, **kwargs)


shared_cache = GuardedCache()

# The names whose bump failed: their stored versions may predate a write.
pending_bumps: set[str] = set()
pending_bumps_lock = threading.Lock()


def version_key(name):
    return f"{KEY_PREFIX}:version:{name}"


def new_version():
    # A timestamp, so that a version lost with an evicted key is never reused,
    # and so that the newest one doubles as a Last-Modified time.
    return time.time_ns()


def get_versions(names):
    """The current version of each name, creating the missing ones (one round trip when set).

    None when the cache fails or still misses a bump: no versioned entry may be used then.
    """
    if not apply_pending_bumps():
        return None
    keys = [version_key(name) for name in names]
    try:
        found = shared_cache.get_many(keys)
        versions = []
        for key in keys:
            if key not in found:
                shared_cache.add(key, new_version(), timeout=None)
                found[key] = shared_cache.get(key)
            versions.append(found[key])
    except CacheUnavailable:
        return None
    return versions


def bump_versions(names):
    """Bump the versions of ``names``; if the cache fails, bump them once it works again."""
    with pending_bumps_lock:
        pending_bumps.update(names)
    apply_pending_bumps()


def apply_pending_bumps():
    """Bump the versions whose bump failed; False while the cache still fails."""
    if not pending_bumps:
        return True
    # Held during the round trip, so that a bump added meanwhile is not cleared unapplied.
    with pending_bumps_lock:
        if not pending_bumps:
            return True
        try:
            # Some backends (memcached) report the keys they could not set.
            not_set = shared_cache.set_many(
                {version_key(name): new_version() for name in pending_bumps}, timeout=None
            )
        except CacheUnavailable:
            return False
        if not_set:
            return False
        pending_bumps.clear()
    return True


def digest(data):
    """A short hex digest of text or bytes."""
    if isinstance(data, str):
        data = data.encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()
