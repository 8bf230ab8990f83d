"""The category tree's materialized path, slugs, and the database constraints."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, Q
from django.test.utils import CaptureQueriesContext

from django_shopcore.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    VariantOption,
)
from django_shopcore.core import models as core_models
from django_shopcore.core.models import DERIVED_SLUG_ATTEMPTS, unique_slug

from ..factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def paths():
    return dict(Category.objects.values_list("name", "path"))


def test_path_and_depth_follow_the_parents():
    root = CategoryFactory(name="root")
    child = CategoryFactory(name="child", parent=root)
    grandchild = CategoryFactory(name="grandchild", parent=child)

    assert root.path == f"/{root.pk}/"
    assert grandchild.path == f"/{root.pk}/{child.pk}/{grandchild.pk}/"
    assert [root.depth, child.depth, grandchild.depth] == [0, 1, 2]
    assert paths()["grandchild"] == grandchild.path


def test_subtree_is_one_query(django_assert_num_queries):
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    grandchild = CategoryFactory(parent=child)
    CategoryFactory()

    with django_assert_num_queries(1):
        subtree = set(Category.objects.subtree_of(root))

    assert subtree == {root, child, grandchild}


def test_a_subtree_named_by_a_q_uses_the_stored_path():
    root, other_root = CategoryFactory(), CategoryFactory()
    child = CategoryFactory(parent=root)
    stale = Category.objects.get(pk=child.pk)
    child.parent = other_root
    child.save()

    assert set(Category.objects.subtree_of(Q(pk=stale.pk))) == {child}
    assert set(Category.objects.subtree_of(Q(slug=other_root.slug))) == {other_root, child}
    assert set(Category.objects.subtree_of(Q(slug="no-such-category"))) == set()
    # The in-memory path is taken as it is.
    assert set(Category.objects.subtree_of(root)) == {root}


def test_moving_a_subtree_rewrites_descendants_in_one_update(django_assert_num_queries):
    a, b = CategoryFactory(name="a"), CategoryFactory(name="b")
    a1 = CategoryFactory(name="a1", parent=a)
    a11 = CategoryFactory(name="a11", parent=a1)
    a111 = CategoryFactory(name="a111", parent=a11)

    a1.parent = b
    # savepoint, the tree lock (PostgreSQL only), both paths locked in id order,
    # own row, all descendants, the facet rollups of the scopes left and entered
    # (deleted, added up again), release
    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 7):
        a1.save()

    a111.refresh_from_db()
    assert a111.path == f"/{b.pk}/{a1.pk}/{a11.pk}/{a111.pk}/"
    assert a111.depth == 3
    assert paths()["a"] == f"/{a.pk}/"


def test_moving_to_the_root_and_back_keeps_depths():
    a = CategoryFactory(name="a")
    a1 = CategoryFactory(name="a1", parent=a)
    a11 = CategoryFactory(name="a11", parent=a1)

    a1.parent = None
    a1.save()
    a11.refresh_from_db()
    assert (a11.path, a11.depth) == (f"/{a1.pk}/{a11.pk}/", 1)

    a1.parent = a
    a1.save()
    a11.refresh_from_db()
    assert (a11.path, a11.depth) == (f"/{a.pk}/{a1.pk}/{a11.pk}/", 2)


def test_moving_with_a_stale_instance_uses_the_stored_paths():
    a, b = CategoryFactory(name="a"), CategoryFactory(name="b")
    a1 = CategoryFactory(name="a1", parent=a)
    stale_a11 = CategoryFactory(name="a11", parent=a1)
    a111 = CategoryFactory(name="a111", parent=stale_a11)
    a1.parent = b
    a1.save()  # stale_a11 still believes its path starts with a

    stale_a11.parent = Category.objects.get(pk=a1.pk)
    stale_a11.name = "a11 renamed"
    stale_a11.save()

    a111.refresh_from_db()
    assert a111.path == f"/{b.pk}/{a1.pk}/{stale_a11.pk}/{a111.pk}/"


def test_a_cycle_is_refused_by_clean_and_save():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)

    root.parent = child
    with pytest.raises(ValidationError):
        root.full_clean()
    with pytest.raises(ValidationError):
        root.save()
    root.refresh_from_db()
    assert root.parent_id is None


def test_would_make_cycle():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    other = CategoryFactory()

    assert root.would_make_cycle(root)
    assert root.would_make_cycle(child)
    assert not root.would_make_cycle(other)
    assert not child.would_make_cycle(root)
    assert not root.would_make_cycle(None)


def test_saving_other_fields_leaves_the_path_alone():
    category = CategoryFactory(name="old")

    category.name = "new"
    category.save(update_fields=["name"])

    category.refresh_from_db()
    assert (category.name, category.path) == ("new", f"/{category.pk}/")


def test_slugs_are_generated_unique_and_kept():
    first = CategoryFactory(name="Hello World")
    second = CategoryFactory(name="Hello-World")
    unicode = CategoryFactory(name="Ελληνικά Βιβλία")

    assert (first.slug, second.slug) == ("hello-world", "hello-world-2")
    assert unicode.slug == "ελληνικά-βιβλία"
    first.name = "Goodbye"
    first.save()
    assert first.slug == "hello-world"


def test_unique_slug_skips_taken_suffixes_and_survives_empty_names():
    CategoryFactory(name="a", slug="x")
    CategoryFactory(name="b", slug="x-2")

    assert unique_slug(Category, "x") == "x-3"
    assert unique_slug(Category, "!!!") == "item"
    assert len(unique_slug(Category, "y" * 500)) <= 200


def test_product_slug_defaults_to_the_name():
    product = ProductFactory(name="Blue Mug", slug="")

    assert product.slug == "blue-mug"
    assert ProductFactory(name="Blue Mug", slug="").slug == "blue-mug-2"


@pytest.mark.parametrize(("field", "value"), [("price", Decimal("-0.01")), ("stock", -1)])
def test_check_constraints_reject_negative_values(field, value):
    product = ProductFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(**{field: value})


def test_unique_constraints():
    CategoryFactory(name="Same", slug="same")

    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="Same", slug="other")
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="Other", slug="same")


def test_protect_keeps_categories_in_use():
    product = ProductFactory()
    child = CategoryFactory(parent=product.category)

    with pytest.raises(ProtectedError):
        product.category.delete()
    with pytest.raises(ProtectedError):
        Category.objects.filter(pk=child.parent_id).delete()


def test_active_and_in_category_tree():
    root = CategoryFactory()
    leaf = CategoryFactory(parent=root)
    visible = ProductFactory(category=leaf)
    ProductFactory(category=leaf, is_active=False)
    ProductFactory()

    assert list(Product.objects.active().in_category_tree(root)) == [visible]


def test_string_representations():
    product = ProductFactory(name="Mug", category=CategoryFactory(name="Kitchen"))

    assert (str(product), str(product.category)) == ("Mug", "Kitchen")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_postgresql_has_exactly_the_documented_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN (%s, %s, %s, %s, %s)",
            [
                Category._meta.db_table,
                Product._meta.db_table,
                ProductVariant._meta.db_table,
                VariantOption._meta.db_table,
                ProductImage._meta.db_table,
            ],
        )
        names = {row[0] for row in cursor.fetchall()}

    # No slug_like or second slug index: see docs/database.md.
    assert {name for name in names if not name.startswith("shopcore_category_parent_id")} == {
        "shopcore_category_pkey",
        "shopcore_category_name_uniq",
        "shopcore_category_slug_uniq",
        "shopcore_category_path",
        "shopcore_product_pkey",
        "shopcore_product_slug_uniq",
        "shopcore_product_created",
        "shopcore_product_price",
        "shopcore_product_name",
        "shopcore_product_cat_created",
        "shopcore_product_cat_price",
        "shopcore_product_cat_count",
        "shopcore_product_search_name",
        "shopcore_productvariant_pkey",
        "shopcore_productvariant_sku_uniq",
        "shopcore_variant_product",
        "shopcore_variantoption_pkey",
        "shopcore_variantoption_variant_name_uniq",
        "shopcore_option_lookup",
        "shopcore_productimage_pkey",
        "shopcore_image_product",
    }


def test_a_move_locks_itself_and_the_new_parent_in_id_order():
    first, second = CategoryFactory(), CategoryFactory()
    second.parent = first

    with CaptureQueriesContext(connection) as queries:
        second.save()

    lock = next(q["sql"] for q in queries if "path" in q["sql"] and "IN" in q["sql"])
    assert "ORDER BY" in lock
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in lock


def picks_taken_slugs_first(monkeypatch, taken, times):
    """unique_slug() as in a race: it returns ``taken`` (committed by a concurrent
    writer after the pick) ``times`` times before the real pick."""
    calls = []

    def racing_unique_slug(*args, **kwargs):
        calls.append(args)
        return taken if len(calls) <= times else unique_slug(*args, **kwargs)

    monkeypatch.setattr(core_models, "unique_slug", racing_unique_slug)
    return calls


@pytest.mark.parametrize("factory", [ProductFactory, CategoryFactory])
def test_a_derived_slug_taken_meanwhile_is_retried_with_the_next_one(monkeypatch, factory):
    existing = factory(name="first", slug="same")
    # A product's category comes first: its slug is not derived.
    category = {"category": existing.category} if factory is ProductFactory else {}
    calls = picks_taken_slugs_first(monkeypatch, "same", times=2)
    instance = factory(name="Same", slug="", **category)
    assert instance.slug == "same-2"
    assert len(calls) == 3


def test_a_derived_slug_gives_up_after_its_attempts(monkeypatch):
    existing = ProductFactory(slug="same")
    picks_taken_slugs_first(monkeypatch, "same", times=DERIVED_SLUG_ATTEMPTS)
    with pytest.raises(IntegrityError):
        ProductFactory(name="Same", slug="", category=existing.category)


def test_a_derived_slug_does_not_retry_other_constraints(monkeypatch):
    CategoryFactory(name="taken")
    calls = picks_taken_slugs_first(monkeypatch, "unused", times=0)
    with pytest.raises(IntegrityError):
        CategoryFactory(name="taken", slug="")
    assert len(calls) == 1
