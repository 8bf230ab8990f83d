"""Cached catalog reads: subtree ids, whole responses, and their invalidation.

``categories`` versions what depends on the category tree (category
responses, subtree ids, and product responses, which embed their category);
``products`` versions product responses only. So a product write leaves the
category list cached.
"""

from django.db import transaction
from django.db.models import Subquery
from django.db.models.signals import post_delete, post_save

from ..core.cache import (
    KEY_PREFIX,
    bump_versions,
    digest,
    get_cache,
    get_versions,
    is_shared,
    version_key,
)
from ..core.routers import replica_may_lack_writes_since
from ..core.settings import shopcore_settings
from .models import Category, Product

CATEGORIES = "categories"
PRODUCTS = "products"
# Which versions each model's writes bump.
BUMPED_BY = {Category: (CATEGORIES, PRODUCTS), Product: (PRODUCTS,)}
# Which versions a response of each model depends on.
RESPONSE_DEPENDS_ON = {Category: (CATEGORIES,), Product: (CATEGORIES, PRODUCTS)}


def invalidate(model):
    """Forget every cached read that a write to ``model`` may have changed.

    Bumped at once (so the writer's next read is fresh) and again after the
    commit, so that a read racing the transaction cannot cache the old rows
    under the new version.
    """
    names = BUMPED_BY[model]
    bump_versions(names)
    transaction.on_commit(lambda: bump_versions(names))


def invalidate_on_write(sender, **kwargs):
    invalidate(sender)


def connect_signals():
    for model in BUMPED_BY:
        post_save.connect(invalidate_on_write, sender=model, dispatch_uid=f"shopcore-{model}-save")
        post_delete.connect(
            invalidate_on_write, sender=model, dispatch_uid=f"shopcore-{model}-delete"
        )


# --- Category subtrees -------------------------------------------------------


def subtree_ids(reference_q, reference):
    """Ids of the category ``reference`` names and of its descendants; [] if it does not exist.

    About a thousand categories, rarely written: the id list is cached per
    reference with the categories version it was read under, and both come
    back in one round trip. A literal list, unlike a subquery, lets
    PostgreSQL estimate how many products match.
    """
    cache = get_cache()
    if not is_shared(cache):
        # Another worker's category write would leave this one's list stale.
        return load_subtree_ids(reference_q)
    versions_key, key = version_key(CATEGORIES), f"{KEY_PREFIX}:subtree:{digest(reference)}"
    found = cache.get_many([versions_key, key])
    version = found.get(versions_key)
    if version is not None and key in found and found[key][0] == version:
        return found[key][1]
    if version is None:
        (version,) = get_versions([CATEGORIES])
    ids = load_subtree_ids(reference_q)
    if is_current(version):
        cache.set(key, (version, ids), timeout=shopcore_settings.CACHE_TIMEOUT)
    return ids


def is_current(version):
    """Whether rows just read show every write of ``version`` (a ``time_ns()``): not so
    from a replica that may not have replayed them yet, whose rows must not be cached."""
    return not replica_may_lack_writes_since(version / 10**9)


def load_subtree_ids(reference_q):
    target_path = Category.objects.filter(reference_q).order_by().values("path")[:1]
    # The category itself is in its subtree: no rows means no such category.
    return list(
        Category.objects.filter(path__startswith=Subquery(target_path))
        .order_by("id")
        .values_list("id", flat=True)
    )


# --- Responses ---------------------------------------------------------------


def response_key(model, request):
    """The cache key of an anonymous GET, or None when the cache is off.

    The absolute URL is part of the key: the page links in the body use it.
    """
    if not shopcore_settings.CACHE_RESPONSES:
        return None, None
    names = RESPONSE_DEPENDS_ON[model]
    versions = get_versions(names)
    params = sorted(request.query_params.lists())
    url = request.build_absolute_uri(request.path)
    media_type = request.accepted_media_type
    request_digest = digest(f"{url}?{params}|{media_type}")
    key = f"{KEY_PREFIX}:response:{'.'.join(map(str, versions))}:{request_digest}"
    return key, max(versions)


def get_response(key):
    return get_cache().get(key)


def set_response(key, value, version):
    """Cache a response built under ``version`` (the newest of its versions)."""
    if is_current(version):
        get_cache().set(key, value, timeout=shopcore_settings.CACHE_TIMEOUT)
