"""Concurrent catalog writers and folds on PostgreSQL keep the facet index exact."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from django_shopcore.catalog.facet_fold import fold_deltas
from django_shopcore.catalog.facet_models import FacetCount
from django_shopcore.catalog.models import Product, ProductVariant
from django_shopcore.catalog.stock import decrement_stock, increment_stock
from django_shopcore.catalog.variants import refresh_product_totals, save_options

from ..factories import CategoryFactory, ProductFactory
from .facet_oracle import assert_index_matches_catalog
from .test_concurrency import run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locking between connections needs PostgreSQL (SQLite locks the whole file)",
    ),
]

WRITERS = 16


def test_concurrent_writes_on_the_same_keys_and_folds_keep_counts_exact():
    """Every writer changes what a product of the same category and bucket counts for,
    while folds run: the appended deltas never collide, and nothing is lost."""
    shirts, other = CategoryFactory(), CategoryFactory()
    products = [
        ProductFactory(category=shirts, price=Decimal("15.00"), stock=1) for _ in range(WRITERS)
    ]
    variants = [product.variants.get() for product in products]

    def write(index):
        variant = variants[index]
        action = index % 4
        if action == 0:
            decrement_stock(variant.pk, 1)  # out of stock
        elif action == 1:
            increment_stock(variant.pk, 5)
        elif action == 2:
            with transaction.atomic():
                ProductVariant.objects.filter(pk=variant.pk).update(
                    options={"size": "M", "colour": "red"}
                )
                variant.options = {"size": "M", "colour": "red"}
                save_options(variant)
                refresh_product_totals([variant.product_id])
        else:
            product = Product.objects.get(pk=variant.product_id)
            product.category = other
            product.save()
        # A fold now and then, racing the writers and each other.
        if index % 3 == 0:
            fold_deltas()

    _results, errors = run_concurrently(write, WRITERS)

    assert errors == [None] * WRITERS
    assert_index_matches_catalog()


def test_many_writers_of_one_product_and_concurrent_folds():
    """Writers of one product serialize on its row; its state row and counts stay exact."""
    product = ProductFactory(category=CategoryFactory(), stock=WRITERS)
    variant = product.variants.get()

    def write(index):
        if index % 2:
            decrement_stock(variant.pk, 1)
        else:
            fold_deltas()
            increment_stock(variant.pk, 1)
            decrement_stock(variant.pk, 1)

    _results, errors = run_concurrently(write, WRITERS)

    assert errors == [None] * WRITERS
    assert_index_matches_catalog()
    fold_deltas()
    assert not FacetCount.objects.filter(is_delta=True).exists()
    assert_index_matches_catalog()
