"""A deterministic, streaming generator of large demo catalogs (``shopcore_seed``).

The same seed and shape always yield the same vocabulary, category tree,
products, variants and image rows, with the same ids. Products are generated
one at a time with their variants and written in batches (``COPY`` on
PostgreSQL, bulk.py), so memory stays flat whatever the catalog size.
"""

import random

from django.db import connections, transaction
from django.utils.text import slugify

from django_shopcore.catalog.cache import invalidate
from django_shopcore.catalog.facet_index import rebuild_facets
from django_shopcore.catalog.models import (
    PATH_SEPARATOR,
    Category,
    Product,
    ProductImage,
    ProductVariant,
    VariantOption,
)

from .bulk import copy_catalog, empty_catalog, insert_catalog, reset_sequences
from .placeholders import ensure_placeholders
from .products import generate_products
from .shapes import DEFAULT_SHAPE, SHAPES
from .vocabulary import Vocabulary


def seed_catalog(
    *,
    products,
    categories,
    seed,
    now,
    shape=DEFAULT_SHAPE,
    images=False,
    clear=False,
    batch_size=10_000,
    using="default",
    progress=None,
):
    """Generate and write a whole catalog in one transaction; return the category ids.

    The catalog must be empty unless ``clear``, which empties it first, in
    the same transaction (a failed run leaves the old catalog). With
    ``images``, most products get 1-3 image rows sharing a few stored
    placeholder files.
    """
    progress = progress or (lambda rows: None)
    connection = connections[using]
    catalog_shape = SHAPES[shape]
    vocabulary = Vocabulary(seed)
    rng = random.Random(seed)  # noqa: S311 (reproducible, not secret)
    placeholders = ensure_placeholders() if images else ()
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(using=using):
        if clear or postgresql:
            # On PostgreSQL always, even when empty: COPY FREEZE needs the
            # tables truncated in its own transaction.
            empty_catalog(connection)
        specs = catalog_shape.category_specs(vocabulary, rng, categories)
        category_ids = create_categories(specs, using)
        weights = catalog_shape.category_weights(rng, [spec.parent_index for spec in specs])
        generated = generate_products(
            vocabulary,
            rng,
            catalog_shape,
            products,
            list(zip(category_ids, weights, strict=True)),
            now,
            placeholders,
        )
        if postgresql:
            copy_catalog(generated, connection, batch_size, progress, freeze=True)
        else:
            insert_catalog(generated, connection, batch_size, progress)
        reset_sequences(connection)
        analyze(connection)
    rebuild_facets(using)  # Bulk writes bypass the facet index's maintenance.
    # Bulk writes send no signals: cached reads of the old catalog must go.
    invalidate(Category)
    return category_ids


def create_categories(specs, using):
    """Create the categories level by level; return their ids in ``specs`` order.

    Paths are computed as Category.save() computes them: ``/<root id>/.../<id>/``.
    """
    categories = [
        Category(name=spec.name, slug=slugify(spec.name), description=spec.description)
        for spec in specs
    ]
    for category, spec in zip(categories, specs, strict=True):
        if spec.parent_index is not None:
            category.parent = categories[spec.parent_index]
    bulk_inserts_return_ids = connections[using].features.can_return_rows_from_bulk_insert
    for depth in range(3):
        level = [category for category in categories if _depth(category) == depth]
        if not bulk_inserts_return_ids:
            for category in level:
                category.save(using=using)
            continue
        Category.objects.using(using).bulk_create(level)
        for category in level:
            parent_path = category.parent.path if category.parent else PATH_SEPARATOR
            category.path = f"{parent_path}{category.pk}{PATH_SEPARATOR}"
            category.depth = depth
        Category.objects.using(using).bulk_update(level, ["path", "depth"])
    return [category.pk for category in categories]


def _depth(category):
    return 0 if category.parent is None else 1 + _depth(category.parent)


def analyze(connection):
    """Fresh planner statistics, in the load's transaction (PostgreSQL).

    Rows written by COPY FREEZE are already marked all-visible, so index-only
    scans need no VACUUM first.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Category, Product, ProductVariant, VariantOption, ProductImage):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
