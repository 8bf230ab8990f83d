"""Versioned cache entries in the cache named by ``SHOPCORE['CACHE_ALIAS']``.

Every cache key embeds a version number kept in the cache itself. A write
does not delete keys; it bumps the version, so the old entries are never read
again and expire on their own.
"""

import hashlib
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from .settings import shopcore_settings

KEY_PREFIX = "shopcore"


def get_cache():
    return caches[shopcore_settings.CACHE_ALIAS]


def is_shared(cache):
    """False for a per-process cache, which never sees other processes' invalidations."""
    return not isinstance(cache, LocMemCache)


def version_key(name):
    return f"{KEY_PREFIX}:version:{name}"


def new_version():
    # A timestamp, so that a version lost with an evicted key is never reused,
    # and so that the newest one doubles as a Last-Modified time.
    return time.time_ns()


def get_versions(names):
    """The current version of each name, creating the missing ones (one round trip when set)."""
    cache = get_cache()
    keys = [version_key(name) for name in names]
    found = cache.get_many(keys)
    versions = []
    for key in keys:
        if key not in found:
            cache.add(key, new_version(), timeout=None)
            found[key] = cache.get(key)
        versions.append(found[key])
    return versions


def bump_versions(names):
    cache = get_cache()
    cache.set_many({version_key(name): new_version() for name in names}, timeout=None)


def digest(data):
    """A short hex digest of text or bytes."""
    if isinstance(data, str):
        data = data.encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()
