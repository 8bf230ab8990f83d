"""Cached catalog reads: subtree ids, whole responses, and their invalidation.

``categories`` versions what depends on the category tree (category
responses, subtree ids, and product responses, which embed their category);
``products`` versions product responses only. So a product write leaves the
category list cached.
"""

from contextlib import suppress
from typing import NamedTuple

from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save

from ..core.cache import (
    KEY_PREFIX,
    CacheUnavailable,
    apply_pending_bumps,
    bump_versions,
    digest,
    get_cache,
    get_versions,
    is_shared,
    shared_cache,
    version_key,
)
from ..core.routers import replica_may_lack_writes_since
from ..core.settings import shopcore_settings
from .models import Category, Product, ProductImage, ProductVariant

CATEGORIES = "categories"
PRODUCTS = "products"
# Which versions each model's writes bump.
BUMPED_BY = {
    Category: (CATEGORIES, PRODUCTS),
    Product: (PRODUCTS,),
    # Variants are part of the product detail, and make its price and stock.
    ProductVariant: (PRODUCTS,),
    ProductImage: (PRODUCTS,),
}
# Which versions a response of each model depends on.
RESPONSE_DEPENDS_ON = {
    Category: (CATEGORIES,),
    Product: (CATEGORIES, PRODUCTS),
    ProductVariant: (PRODUCTS,),
    ProductImage: (PRODUCTS,),
}


def invalidate(model):
    """Forget every cached read that a write to ``model`` may have changed.

    Bumped at once (so the writer's next read is fresh) and again after the
    commit, so that a read racing the transaction cannot cache the old rows
    under the new version. With the cache down the write still succeeds:
    bump_versions() retries once the cache is back.
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


class Subtree(NamedTuple):
    """The categories of a subtree and their share of the products."""

    # The category and its descendants, in id order; [] when it does not exist.
    ids: list[int]
    # The planner's estimate of the share of all products that are in these
    # categories (PostgreSQL), None elsewhere.
    share: float | None


def subtree(reference_q, reference):
    """The Subtree of the category ``reference`` names.

    About a thousand categories, rarely written: the subtree is cached per
    reference with the categories version it was read under, and both come
    back in one round trip. A literal id list, unlike a subquery, lets
    PostgreSQL estimate how many products match.
    """
    if not is_shared(get_cache()):
        # Another worker's category write would leave this one's list stale.
        return load_subtree(reference_q)
    # Not the ``subtree:`` keys of releases that cached the ids alone.
    key = f"{KEY_PREFIX}:category-subtree:{digest(reference)}"
    version, found = cached_subtree(key)
    if found is not None:
        return found
    found = load_subtree(reference_q)
    if version is not None and is_current(version):
        # Logged when it fails; the next request then reads the database again.
        with suppress(CacheUnavailable):
            shared_cache.set(key, (version, found), timeout=shopcore_settings.CACHE_TIMEOUT)
    return found


def is_current(version):
    """Whether rows just read show every write of ``version`` (a ``time_ns()``): not so
    from a replica that may not have replayed them yet, whose rows must not be cached."""
    return not replica_may_lack_writes_since(version / 10**9)


def cached_subtree(key):
    """(the categories version, the Subtree cached under it or None); (None, None) when the
    cache cannot be used."""
    if not apply_pending_bumps():
        return None, None
    versions_key = version_key(CATEGORIES)
    try:
        found = shared_cache.get_many([versions_key, key])
    except CacheUnavailable:
        return None, None
    version = found.get(versions_key)
    if version is not None and key in found and found[key][0] == version:
        return version, found[key][1]
    if version is None:
        versions = get_versions([CATEGORIES])
        version = versions[0] if versions else None
    return version, None


def load_subtree(reference_q):
    # The category itself is in its subtree: no rows means no such category.
    ids = Category.objects.subtree_of(reference_q).order_by("id").values_list("id", flat=True)
    if connections[ids.db].vendor != "postgresql":
        return Subtree(list(ids), None)
    sql, params = ids.query.sql_with_params()
    products = connections[ids.db].ops.quote_name(Product._meta.db_table)
    with connections[ids.db].cursor() as cursor:
        # One round trip: the ids, and the planner's estimate of their products
        # (shopcore_count_estimate, migration 0002) over the table's row count.
        # Only SQL that Django compiled and quoted names are interpolated.
        cursor.execute(
            "SELECT subtree.ids, shopcore_count_estimate(format("  # noqa: S608
            f"'SELECT 1 FROM {products} WHERE category_id = ANY(%%L::bigint[])', subtree.ids"
            ")) / GREATEST(pg_class.reltuples, 1) "
            f"FROM (SELECT array_agg(id ORDER BY id) AS ids FROM ({sql}) AS found) AS subtree, "
            f"pg_class WHERE pg_class.oid = '{products}'::regclass",
            params,
        )
        ids_found, share = cursor.fetchone()
    return Subtree(ids_found or [], share)


# --- Responses ---------------------------------------------------------------


def response_key(model, request):
    """``(key, last_modified)`` for an anonymous GET; ``(None, None)`` when the cache is
    off or failing.

    ``last_modified`` is the newest of the versions the response depends on
    (they are write times, in nanoseconds). The absolute URL is part of the
    key: the page links in the body use it.
    """
    if not shopcore_settings.CACHE_RESPONSES:
        return None, None
    names = RESPONSE_DEPENDS_ON[model]
    versions = get_versions(names)
    if versions is None:  # The cache fails: the response is read and not stored.
        return None, None
    params = sorted(request.query_params.lists())
    url = request.build_absolute_uri(request.path)
    media_type = request.accepted_media_type
    request_digest = digest(f"{url}?{params}|{media_type}")
    key = f"{KEY_PREFIX}:response:{'.'.join(map(str, versions))}:{request_digest}"
    return key, max(versions)


def get_response(key):
    try:
        return shared_cache.get(key)
    except CacheUnavailable:
        return None


def set_response(key, value, version):
    """Cache a response built under ``version`` (the newest of its versions)."""
    if not is_current(version):
        return
    # Logged when it fails; the response is then simply not cached.
    with suppress(CacheUnavailable):
        shared_cache.set(key, value, timeout=shopcore_settings.CACHE_TIMEOUT)
