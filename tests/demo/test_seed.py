"""The ``shopcore_seed`` command and the catalog generator behind it."""

import random
import statistics
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Min

from django_shopcore.catalog.models import Category, Product, ProductVariant
from django_shopcore.contrib.demo.products import generate_products
from django_shopcore.contrib.demo.shapes import CREATION_SPAN, SHAPES
from django_shopcore.contrib.demo.vocabulary import NO_HIT_WORD, Vocabulary

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def seed(**options):
    options = {"products": 500, "categories": 30, "seed": 7, "verbosity": 0, **options}
    call_command("shopcore_seed", **options)


def catalog_snapshot():
    """Every product and variant, ids included (they are written explicitly)."""
    products = Product.objects.order_by("id").values_list(
        "id", "name", "slug", "category__name", "price", "description", "stock", "is_active"
    )
    variants = ProductVariant.objects.order_by("id").values_list(
        "id", "product_id", "sku", "options", "price", "stock", "is_active"
    )
    return list(products), list(variants)


def generated(count, seed=1, categories=(1, 2, 3), shape="grown", placeholders=()):
    """``count`` GeneratedProducts over Zipf-weighted ``categories``, without a database."""
    rng = random.Random(seed)  # noqa: S311 (reproducible, not secret)
    weighted = [(category, 1 / rank) for rank, category in enumerate(categories, start=1)]
    return list(
        generate_products(Vocabulary(seed), rng, SHAPES[shape], count, weighted, NOW, placeholders)
    )


def product_rows(count, **options):
    return [item.product for item in generated(count, **options)]


@pytest.mark.django_db
def test_creates_exactly_the_requested_counts():
    seed()
    assert Product.objects.count() == 500
    assert Category.objects.count() == 30


@pytest.mark.django_db
def test_same_seed_gives_the_same_catalog():
    seed()
    first = catalog_snapshot()
    seed(clear=True)
    assert catalog_snapshot() == first
    seed(clear=True, seed=8)
    assert catalog_snapshot() != first


@pytest.mark.django_db
def test_categories_form_a_three_level_tree_with_consistent_paths():
    seed()
    categories = {category.pk: category for category in Category.objects.all()}
    assert {category.depth for category in categories.values()} == {0, 1, 2}
    for category in categories.values():
        if category.parent_id is None:
            assert category.path == f"/{category.pk}/"
            assert category.depth == 0
        else:
            parent = categories[category.parent_id]
            assert category.path == f"{parent.path}{category.pk}/"
            assert category.depth == parent.depth + 1
    names = [category.name for category in categories.values()]
    slugs = [category.slug for category in categories.values()]
    assert len(set(names)) == len(set(slugs)) == 30


@pytest.mark.django_db
def test_products_respect_the_constraints_and_the_time_span():
    seed()
    bounds = Product.objects.aggregate(
        min_price=Min("price"),
        max_price=Max("price"),
        min_stock=Min("stock"),
        first=Min("created_at"),
        last=Max("created_at"),
    )
    assert bounds["min_price"] >= Decimal("0.50")
    assert bounds["max_price"] <= Decimal("2000.00")
    assert bounds["min_stock"] >= 0
    assert bounds["last"] - bounds["first"] > CREATION_SPAN * 0.9
    assert Product.objects.values("slug").distinct().count() == 500
    for created_at, updated_at in Product.objects.values_list("created_at", "updated_at"):
        assert created_at <= updated_at


@pytest.mark.django_db
def test_refuses_a_non_empty_catalog_without_clear():
    seed()
    with pytest.raises(CommandError, match="--clear"):
        seed()


@pytest.mark.django_db
def test_clear_replaces_the_whole_catalog():
    seed()
    seed(products=120, categories=8, clear=True)
    assert Product.objects.count() == 120
    assert Category.objects.count() == 8
    # Every product points into the new tree.
    assert not Product.objects.exclude(category__in=Category.objects.all()).exists()


@pytest.mark.django_db
def test_seeding_invalidates_cached_catalog_reads(api_client):
    seed()
    root = Category.objects.filter(parent=None).order_by("id").first()
    before = api_client.get("/api/products/", {"category": root.pk, "page_size": 100}).json()
    seed(products=120, categories=8, seed=8, clear=True)
    root = Category.objects.filter(parent=None).order_by("id").first()

    after = api_client.get("/api/products/", {"category": root.pk, "page_size": 100}).json()

    subtree = Product.objects.filter(category__path__startswith=root.path, is_active=True)
    assert after["count"] == subtree.count() != before["count"]


@pytest.mark.django_db
def test_rejects_zero_categories():
    with pytest.raises(CommandError, match="--categories"):
        seed(categories=0)


@pytest.mark.django_db
def test_draws_a_progress_bar_on_stderr():
    stderr = StringIO()
    seed(verbosity=1, stderr=stderr, stdout=StringIO(), batch_size=200)
    assert "500/500" in stderr.getvalue()
    assert "200/500" in stderr.getvalue()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path only")
def test_postgresql_load_restores_every_index_and_foreign_key():
    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
                [Product._meta.db_table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass ORDER BY 1",
                [Product._meta.db_table],
            )
            return indexes, cursor.fetchall()

    before = schema()
    seed()
    assert schema() == before


def test_generator_is_deterministic():
    assert generated(50) == generated(50)
    assert generated(50) != generated(50, seed=2)


def test_generated_shares_are_realistic():
    rows = product_rows(20_000, categories=range(1, 201))
    assert 0.13 < sum(row.stock == 0 for row in rows) / len(rows) < 0.17
    assert 0.02 < sum(not row.is_active for row in rows) / len(rows) < 0.04
    sizes = sorted(Counter(row.category_id for row in rows).values())
    # Zipf-like: the biggest category dwarfs the typical one.
    assert sizes[-1] > 10 * statistics.median(sizes)
    prices = [Decimal(row.price) for row in rows]
    assert Decimal("10") < statistics.median(prices) < Decimal("50")
    # Dates follow the row order, so date orderings are meaningful.
    assert rows[0].created_at < rows[len(rows) // 2].created_at < rows[-1].created_at


def test_no_word_dominates_names_or_descriptions():
    rows = product_rows(5_000)
    for texts in ([row.name for row in rows], [row.description for row in rows]):
        words = Counter(word.lower().strip(".") for text in texts for word in text.split())
        top_share = words.most_common(1)[0][1] / words.total()
        # Zipf's head: the commonest word is about 1/H(12000) ~ 10% of words.
        assert top_share < 0.12


def test_search_words_have_the_advertised_frequencies():
    vocabulary = Vocabulary(1)
    rows = product_rows(20_000)
    words = vocabulary.search_words()

    def share(word):
        return sum(word in f"{row.name} {row.description}".lower() for row in rows) / len(rows)

    assert share(words["none"]) == 0 == share(NO_HIT_WORD)
    assert 0.12 < share(words["common"]) < 0.35
    assert 0.003 < share(words["mid"]) < 0.03
    assert share(words["rare"]) < 0.002


@pytest.mark.django_db
def test_category_sizes_are_skewed_in_the_database():
    seed(products=2000)
    sizes = sorted(
        Category.objects.annotate(size=Count("products")).values_list("size", flat=True)
    )
    assert sizes[-1] > 5 * statistics.median(sizes)


def test_every_option_of_shopcore_seed_has_help_text():
    from django.core.management import load_command_class

    command = load_command_class("django_shopcore.contrib.demo", "shopcore_seed")
    help_text = " ".join(command.create_parser("manage.py", "shopcore_seed").format_help().split())

    for explained in [
        "--products PRODUCTS How many products to generate (default: 10000).",
        "--categories CATEGORIES How many categories, nested three deep (default: 1000).",
        "--seed SEED Random seed: the same seed gives the same catalog (default: 42).",
        "--batch-size BATCH_SIZE Products written per batch, bounding memory (default: 10000).",
        "--clear Delete every product and category first (in the same transaction).",
        "--shape {grown,imported} How the catalog is laid out (grown: products on every level",
        "imported: products on the leaves only",
        "--images Give most products 1-3 images, sharing a few generated placeholder files",
        "--database DATABASE The database to seed (default: default).",
    ]:
        assert explained in help_text


# Committed rows: PostgreSQL refuses to TRUNCATE a table with pending deferred FK checks.
@pytest.mark.django_db(transaction=True)
def test_clear_takes_cart_items_along():
    from django_shopcore.carts.models import Cart, CartItem
    from django_shopcore.catalog.models import ProductVariant

    seed(products=20, categories=3)
    cart = Cart.objects.create()
    CartItem.objects.create(cart=cart, variant=ProductVariant.objects.first(), quantity=1)
    seed(products=20, categories=3, clear=True)
    assert Product.objects.count() == 20
    assert not CartItem.objects.exists() and Cart.objects.filter(pk=cart.pk).exists()


@pytest.mark.django_db
def test_clear_refuses_while_orders_reference_the_catalog():
    from django.db.models import ProtectedError

    from django_shopcore.catalog.models import ProductVariant
    from django_shopcore.orders.models import OrderLine

    from ..factories import UserFactory
    from ..orders.helpers import cart_of
    from ..orders.test_checkout import checkout

    seed(products=20, categories=3)
    user = UserFactory()
    from ..conftest import bearer_client

    sellable = ProductVariant.objects.filter(stock__gt=0, is_active=True, product__is_active=True)
    checkout(bearer_client(user), cart_of(user, [(sellable.first(), 1)]))
    assert OrderLine.objects.exists()
    with pytest.raises(ProtectedError):
        seed(products=20, categories=3, clear=True)
    assert Product.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_seeding_rebuilds_the_facet_index():
    from tests.catalog.facet_oracle import assert_index_matches_catalog

    seed(products=200)
    assert_index_matches_catalog()

    seed(products=120, clear=True)
    assert_index_matches_catalog()
