"""The facet index equals a recount of the catalog after every write path, fold, move, rebuild."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_shopcore.catalog import facet_index
from django_shopcore.catalog.facet_fold import fold_deltas
from django_shopcore.catalog.facet_index import rebuild_facets, refresh_product_facets
from django_shopcore.catalog.facet_models import FacetCount, FacetRollup, ProductFacets
from django_shopcore.catalog.models import Category, Product, ProductVariant
from django_shopcore.catalog.stock import decrement_stock, increment_stock
from django_shopcore.catalog.variants import refresh_product_totals

from ..factories import CategoryFactory, ProductFactory, VariantFactory
from .facet_oracle import (
    PRODUCTS,
    assert_index_matches_catalog,
    counts_of,
    facets_by_asking,
    maintained_counts,
    maintained_states,
)

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/categories/"


def variants_url(product, variant=None):
    return f"{PRODUCTS}{product.pk}/variants/" + (f"{variant.pk}/" if variant else "")


@pytest.fixture
def tree():
    root = CategoryFactory(name="Root")
    child = CategoryFactory(name="Child", parent=root)
    leaf = CategoryFactory(name="Leaf", parent=child)
    other = CategoryFactory(name="Other")
    return root, child, leaf, other


def test_product_writes_through_the_api(admin_client, tree):
    _root, child, leaf, other = tree
    body = {"name": "Lamp", "category": leaf.pk, "price": "9.00", "stock": 2}
    response = admin_client.post(PRODUCTS, body, format="json")
    assert response.status_code == 201
    product_url = f"{PRODUCTS}{response.json()['id']}/"
    assert_index_matches_catalog()
    for change in (
        {"category": other.pk},  # a category move of the product
        {"price": "19.00"},  # a price bucket change through its lone variant
        {"stock": 0},  # out of stock
        {"is_active": False},
        {"name": "Desk lamp", "description": "brass"},  # the sample's search text
        {"stock": 5, "is_active": True, "category": child.pk},
    ):
        assert admin_client.patch(product_url, change, format="json").status_code == 200
        assert_index_matches_catalog()
    assert admin_client.delete(product_url).status_code == 204
    assert_index_matches_catalog()
    assert not ProductFacets.objects.exists()


def test_variant_writes_through_the_api(admin_client, tree):
    product = ProductFactory(category=tree[2])
    default = product.variants.get()
    body = {
        "sku": "L-RED",
        "price": "30.00",
        "stock": 0,
        "options": {"size": "L", "colour": "red"},
    }
    response = admin_client.post(variants_url(product), body, format="json")
    assert response.status_code == 201
    variant = ProductVariant.objects.get(pk=response.json()["id"])
    assert_index_matches_catalog()
    for change in (
        {"options": {"size": "M"}},  # options only
        {"options": {"size": "M", "colour": "blue"}, "stock": 3},
        {"is_active": False},  # its options stop counting
        {"is_active": True, "price": "1.00"},
    ):
        response = admin_client.patch(variants_url(product, variant), change, format="json")
        assert response.status_code == 200, response.content
        assert_index_matches_catalog()
    assert admin_client.delete(variants_url(product, default)).status_code == 204
    assert_index_matches_catalog()


def test_stock_services_flip_in_stock(tree):
    product = ProductFactory(category=tree[2], stock=2)
    variant = product.variants.get()

    decrement_stock(variant.pk, 2)
    assert_index_matches_catalog()
    increment_stock(variant.pk, 1)
    assert_index_matches_catalog()


def test_queryset_deletes_and_new_products_by_save(tree):
    ProductFactory.create_batch(3, category=tree[1])
    VariantFactory(product=Product.objects.first(), options={"size": "S"})
    assert_index_matches_catalog()

    Product.objects.filter(category=tree[1]).delete()

    assert_index_matches_catalog()
    assert maintained_counts() == {}


def test_a_category_move_keeps_every_subtree_count(api_client, admin_client, tree):
    root, child, leaf, other = tree
    for category, size in ((leaf, "S"), (child, "M"), (other, "L")):
        VariantFactory(product=ProductFactory(category=category), options={"size": size})
    fold_deltas()  # into the rollups, which the move must carry along
    assert FacetRollup.objects.exists()

    response = admin_client.patch(f"{CATEGORIES}{child.pk}/", {"parent": other.pk}, format="json")

    assert response.status_code == 200
    assert_index_matches_catalog()
    for params in ({}, {"category": root.pk}, {"category": other.pk}, {"category": child.pk}):
        facets, asked = facets_by_asking(api_client, params)
        assert counts_of(facets) == asked


def test_a_fold_merges_each_key_and_keeps_the_sums(api_client, tree):
    for index in range(4):
        product = ProductFactory(category=tree[index % 4], price=Decimal(5 + 10 * index))
        VariantFactory(product=product, options={"size": "SM"[index % 2]})
    product.stock = 0
    product.save()
    before = maintained_counts()
    facets = api_client.get(PRODUCTS, {"facets": "true"}).json()["facets"]

    assert fold_deltas() > 0

    assert maintained_counts() == before
    assert not FacetCount.objects.filter(is_delta=True).exists()
    # One row per key, and every key's rows summed.
    keys = FacetCount.objects.values_list("category_id", "facet", "name", "value")
    assert len(keys) == len(set(keys))
    assert_index_matches_catalog()
    assert api_client.get(PRODUCTS, {"facets": "true"}).json()["facets"] == facets
    assert fold_deltas() == 0


def test_the_writer_crossing_the_mark_folds_after_its_commit(
    tree, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(facet_index, "FOLD_EVERY", 10**12)
    with django_capture_on_commit_callbacks(execute=True):
        ProductFactory(category=tree[0])
    assert FacetCount.objects.filter(is_delta=True).count() == 2  # product and price

    # Every id is a multiple of 1: each writer crosses the mark.
    monkeypatch.setattr(facet_index, "FOLD_EVERY", 1)
    with django_capture_on_commit_callbacks(execute=True):
        ProductFactory(category=tree[0])

    assert not FacetCount.objects.filter(is_delta=True).exists()
    assert_index_matches_catalog()


def test_a_failing_fold_is_logged_not_raised(tree, monkeypatch, caplog):
    from django.db import DatabaseError

    from django_shopcore.catalog import facet_fold

    def broken(using):
        raise DatabaseError("down")

    monkeypatch.setattr(facet_fold, "fold_deltas", broken)
    facet_fold.fold_after_commit("default")

    assert "fold failed" in caplog.text


def test_the_rebuild_equals_what_the_writes_maintained(admin_client, tree):
    for index in range(6):
        product = ProductFactory(
            category=tree[index % 4],
            price=Decimal(3 * index * index),
            stock=index % 3,
            is_active=index != 4,
            description="word " * index,
        )
        VariantFactory(product=product, options={"size": "SML"[index % 3], "colour": "red"})
        VariantFactory(product=product, options={"size": "XL"}, is_active=index % 2 == 0)
    states, counts = maintained_states(), maintained_counts()

    rebuild_facets()

    assert maintained_states() == states
    assert maintained_counts() == counts
    assert not FacetCount.objects.filter(is_delta=True).exists()
    assert_index_matches_catalog()
    # A refresh after the rebuild finds nothing to change.
    refresh_product_facets(Product.objects.values_list("pk", flat=True))
    assert not FacetCount.objects.filter(is_delta=True).exists()


def test_the_management_command(tree):
    ProductFactory(category=tree[2])

    call_command("shopcore_rebuild_facets", "--fold")
    call_command("shopcore_rebuild_facets")

    assert_index_matches_catalog()


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "variant",
                "options",
                "deactivate_variant",
                "price",
                "stock_out",
                "stock_in",
                "move_product",
                "toggle_active",
                "delete_variant",
                "delete",
                "fold",
                "move_category",
            ]
        ),
        st.integers(min_value=0, max_value=50),
    ),
    min_size=1,
    max_size=12,
)


def apply(operation, number, categories):
    """One catalog write picked by ``operation``; ``number`` chooses among the rows."""
    products = list(Product.objects.order_by("pk"))
    product = products[number % len(products)] if products else None
    category = categories[number % len(categories)]
    if operation == "create" or product is None:
        ProductFactory(category=category, price=Decimal(number), stock=number % 3)
        return
    variants = list(product.variants.order_by("pk"))
    variant = variants[number % len(variants)]
    if operation == "variant":
        VariantFactory(product=product, options={"size": "SMLX"[number % 4]})
    elif operation == "options":
        variant.options = {"colour": ["red", "blue", "green"][number % 3], "size": "M"}
        variant.save()
        from django_shopcore.catalog.variants import save_options

        save_options(variant)
        refresh_product_totals([product.pk])
    elif operation == "deactivate_variant":
        variant.is_active = not variant.is_active
        variant.save()
        refresh_product_totals([product.pk])
    elif operation == "price":
        ProductVariant.objects.filter(pk=variant.pk).update(price=Decimal(number * 7))
        refresh_product_totals([product.pk])
    elif operation == "stock_out" and variant.stock:
        decrement_stock(variant.pk, variant.stock)
    elif operation == "stock_in":
        increment_stock(variant.pk, number + 1)
    elif operation == "move_product":
        product.category = category
        product.save()
    elif operation == "toggle_active":
        product.is_active = not product.is_active
        product.save(update_fields=["is_active"])
    elif operation == "delete_variant" and len(variants) > 1:
        variant.delete()
        refresh_product_totals([product.pk])
    elif operation == "delete":
        product.delete()
    elif operation == "fold":
        fold_deltas()
    elif operation == "move_category":
        moved = categories[1]  # the middle of root > child > leaf
        moved.refresh_from_db()
        moved.parent = categories[3] if moved.parent_id == categories[0].pk else categories[0]
        moved.save()


def test_any_sequence_of_writes_keeps_the_index_exact(tree):
    categories = list(tree)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations=OPERATIONS)
    def check(operations):
        with transaction.atomic():
            for operation, number in operations:
                apply(operation, number, categories)
                assert_index_matches_catalog()
            transaction.set_rollback(True)
        for category in categories:
            category.refresh_from_db()

    check()


def test_categories_of_deleted_rows_leave_no_count(admin_client, tree):
    product = ProductFactory(category=tree[3])
    product.delete()
    fold_deltas()

    assert admin_client.delete(f"{CATEGORIES}{tree[3].pk}/").status_code == 204
    assert not FacetCount.objects.filter(category_id=tree[3].pk).exists()
    assert not FacetRollup.objects.filter(scope=tree[3].pk).exists()
    assert Category.objects.filter(pk=tree[3].pk).count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalog")
def test_postgresql_has_exactly_the_documented_facet_indexes_and_no_foreign_keys():
    tables = [model._meta.db_table for model in (ProductFacets, FacetCount, FacetRollup)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY("
            "SELECT oid FROM pg_class WHERE relname = ANY(%s))",
            [tables],
        )
        foreign_keys = cursor.fetchone()[0]

    assert indexes == {
        "shopcore_productfacets_pkey",
        "shopcore_facets_sample",
        "shopcore_facets_search",
        "shopcore_facets_name_trgm",
        "shopcore_facetcount_pkey",
        "shopcore_facet_key",
        "shopcore_facet_delta",
        "shopcore_facetrollup_pkey",
        "shopcore_rollup_key",
    }
    assert foreign_keys == 0


def test_a_refresh_counts_a_product_that_has_no_state_yet(tree):
    """Products bulk-loaded without the models (no signals) start counting on their next write."""
    (product,) = Product.objects.bulk_create(
        [Product(name="Bulk", slug="bulk", category=tree[0], price=Decimal("3.00"), stock=1)]
    )
    ProductVariant.objects.create(product=product, sku="bulk", price=product.price, stock=1)
    assert not ProductFacets.objects.filter(pk=product.pk).exists()
    refresh_product_facets([])  # nothing to do

    refresh_product_facets([product.pk])

    assert_index_matches_catalog()


def test_fixtures_loaded_raw_are_left_to_the_rebuild(tree):
    from django.db.models.signals import post_save

    product = Product(pk=10**6, name="Fixture", slug="fixture", category=tree[0], price=1)
    post_save.send(sender=Product, instance=product, created=True, raw=True, using="default")

    assert not ProductFacets.objects.filter(pk=product.pk).exists()


def test_a_category_deleted_with_unfolded_deltas_leaves_its_ancestors_right(admin_client, tree):
    _root, _child, leaf, other = tree
    product = ProductFactory(category=leaf)
    fold_deltas()  # leaf, child and root count it in their rollups
    product.category = other
    product.save()  # its deltas: -1 in leaf, +1 in other, not folded

    assert admin_client.delete(f"{CATEGORIES}{leaf.pk}/").status_code == 204

    assert_index_matches_catalog()
    fold_deltas()
    assert_index_matches_catalog()
