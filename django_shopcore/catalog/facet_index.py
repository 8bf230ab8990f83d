"""Keeping the facet index in step with the catalog: refreshes, deletes, rebuilds.

Every write that can change what a product counts for (its category,
activity, stock, price bucket or options) ends, in its own transaction and
while it holds the product's row lock, with ``refresh_product_facets()``:
the product's stored state (ProductFacets) is compared with the product as
it is now, and the difference is appended to FacetCount as delta rows.
Writers only ever insert count rows, so no two of them wait for each other
there, and there is no lock order to get wrong; a fold now and then merges
the deltas (facet_fold.py). ``rebuild_facets()`` recomputes everything.
"""

from functools import partial

from django.db import connections, transaction
from django.db.models.signals import post_save, pre_delete

from . import facet_rebuild, product_rows
from .facet_fold import BATCH_SIZE, FOLD_EVERY, fold_after_commit, fold_before_category_delete
from .facet_keys import (
    FacetState,
    count_deltas,
    price_buckets,
    sample_key,
    state_of,
)
from .facet_models import FacetCount, FacetRollup, ProductFacets
from .models import Category, Product, ProductVariant, lock_tree

# The stored state, in FacetState's order.
STATE_FIELDS = FacetState._fields


def refresh_product_facets(product_ids, using="default", texts_changed=False):
    """Bring these products' facet states up to date and append the count changes.

    In the caller's transaction, which holds the products' row locks (every
    product write takes them): they also guard the products' state rows.
    ``texts_changed``: the name or description may have changed, so the
    state rows are written even when the counts stay the same (the
    searchable sample rows carry the text), and the number of queries does
    not depend on which product is in the sample.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    pairs = product_rows.active_option_pairs(ids, using)
    changes: list[tuple[FacetState | None, FacetState]] = []
    created, updated = [], []
    for product_id, columns, old in product_rows.products_with_states(ids, using):
        new = state_of(product_id, *columns, pairs=pairs.get(product_id, ()))
        if old is None:
            created.append(state_row(product_id, new))
            changes.append((None, new))
            continue
        if old.counted() != new.counted():
            changes.append((old, new))
        if old != new or texts_changed:
            updated.append(state_row(product_id, new))
    states = ProductFacets.objects.using(using)
    if created:
        states.bulk_create(created, batch_size=BATCH_SIZE)
    if updated:
        states.bulk_update(updated, STATE_FIELDS, batch_size=BATCH_SIZE)
    append_deltas(changes, using)


def state_row(product_id, state):
    return ProductFacets(
        product_id=product_id,
        sample_key=sample_key(product_id),
        **{**state._asdict(), "options": list(state.options)},
    )


def add_new_product_facets(product, using):
    """A product just created (with its default variant, which has no options) starts counting."""
    state = state_of(
        product.pk,
        product.category_id,
        product.is_active,
        product.stock,
        product.price,
        product.name,
        product.description,
        (),
    )
    ProductFacets.objects.using(using).bulk_create([state_row(product.pk, state)])
    append_deltas([(None, state)], using)


def forget_product_facets(product, using):
    """A product about to be deleted stops counting (its state row goes with it, CASCADE).

    Locks its variants, then the product (the order of every product write),
    so that its state cannot change between this read and the delete.
    """
    variants = ProductVariant.objects.using(using).filter(product_id=product.pk)
    list(variants.select_for_update().order_by("pk").values_list("pk", flat=True))
    products = Product.objects.using(using).filter(pk=product.pk)
    list(products.select_for_update().values_list("pk", flat=True))
    # No row: a concurrent delete of the product came first.
    for _product_id, _columns, old in product_rows.products_with_states([product.pk], using):
        if old is not None:
            append_deltas([(old, None)], using)


def append_deltas(changes, using):
    """Insert the count rows of ``changes`` ((old, new) states); schedule a fold now and then."""
    deltas = count_deltas(changes, price_buckets())
    if not deltas:
        return
    rows = FacetCount.objects.using(using).bulk_create(
        [
            FacetCount(category_id=key[0], facet=key[1], name=key[2], value=key[3], **counts)
            for key, counts in sorted(deltas.items())
        ]
    )
    ids = [row.pk for row in rows if row.pk is not None]
    # Databases that return no ids leave the folds to shopcore_rebuild_facets --fold.
    if ids and max(ids) // FOLD_EVERY > (min(ids) - 1) // FOLD_EVERY:
        transaction.on_commit(partial(fold_after_commit, using), using=using)


def rebuild_facets(using="default"):
    """Recompute every product's state and every count from the catalog, in one transaction.

    On PostgreSQL the product table is locked in SHARE mode meanwhile: reads
    go on, product writes wait until the rebuild commits (a write counted
    against the old index would be lost in the new one).
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        lock_tree(using)  # No fold or category move meanwhile.
        if connection.vendor == "postgresql":
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(Product._meta.db_table)} IN SHARE MODE"
            )
        for model in (FacetRollup, FacetCount, ProductFacets):
            model.objects.using(using).all().delete()
        for sql, params in facet_rebuild.statements(connection.vendor, price_buckets()):
            cursor.execute(sql, params)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (ProductFacets, FacetCount, FacetRollup):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def refresh_saved_product(sender, instance, created, using, raw=False, **kwargs):
    if raw:  # loaddata: the rebuild counts fixtures.
        return
    if created:
        add_new_product_facets(instance, using)
    else:
        refresh_product_facets([instance.pk], using, texts_changed=True)


def forget_deleted_product(sender, instance, using, **kwargs):
    forget_product_facets(instance, using)


def connect_signals():
    post_save.connect(refresh_saved_product, sender=Product, dispatch_uid="shopcore-facets-save")
    pre_delete.connect(
        forget_deleted_product, sender=Product, dispatch_uid="shopcore-facets-delete"
    )
    pre_delete.connect(
        fold_before_category_delete, sender=Category, dispatch_uid="shopcore-facets-category"
    )
