"""Variant writes that keep the derived data in step: option rows, product totals, facets."""

from django.db import connections, transaction
from django.utils import timezone

from . import product_rows
from .cache import invalidate
from .facet_index import refresh_product_facets
from .models import Product, ProductVariant, VariantOption


def refresh_product_totals(product_ids, using="default"):
    """Set each product's ``price`` (lowest active variant's) and ``stock`` (their total),
    and refresh what they count for in the facets.

    One UPDATE with correlated subqueries (product_rows.update_totals), in
    the caller's transaction, after locking the product rows in id order: an
    UPDATE that waits for a row lock still computes its subqueries from the
    snapshot it started with, so two writers of sibling variants would each
    miss the other's change. Locked first, the UPDATE starts after the other
    writer committed (READ COMMITTED takes a snapshot per statement).
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    # No savepoint of its own: an error here fails the caller's transaction anyway.
    with transaction.atomic(using=using, savepoint=False):
        product_rows.lock_products(ids, using)
        product_rows.update_totals(ids, timezone.now(), using)
        # What the products count for in the facets follows, under the same locks.
        refresh_product_facets(ids, using)
    # update() sends no post_save: cached product responses must go too.
    invalidate(Product)


def save_options(variant):
    """Rewrite the VariantOption rows of ``variant`` from its ``options``."""
    rows = VariantOption.objects.using(variant._state.db)
    rows.filter(variant=variant).delete()
    rows.bulk_create(
        VariantOption(variant=variant, name=name, value=value)
        for name, value in variant.options.items()
    )


def create_default_variants(using="default"):
    """Give every product without a variant its default one, in one ``INSERT ... SELECT``.

    For bulk loads (the demo seeder), which write products without save().
    The SKU is the slug, price and stock are the product's.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    variants, products = ProductVariant._meta.db_table, Product._meta.db_table
    with connection.cursor() as cursor:
        # Identifiers only are interpolated; there are no values.
        cursor.execute(
            f"INSERT INTO {quote(variants)} "  # noqa: S608
            "(product_id, sku, options, price, stock, is_active, created_at, updated_at) "
            "SELECT id, slug, '{}', price, stock, TRUE, created_at, updated_at "
            f"FROM {quote(products)} AS product "
            f"WHERE NOT EXISTS (SELECT 1 FROM {quote(variants)} AS variant "
            "WHERE variant.product_id = product.id)"
        )
