"""``shopcore_seed``'s variants, options, images and catalog shapes."""

import random
import statistics
from collections import Counter
from datetime import datetime, timezone

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.db.models import Count, Min, Q, Sum
from PIL import Image

from django_shopcore.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    VariantOption,
)
from django_shopcore.contrib.demo import seeding
from django_shopcore.contrib.demo.options import COLORS, MAX_VARIANTS, SIZES
from django_shopcore.contrib.demo.placeholders import PLACEHOLDER_COUNT, image_storage
from django_shopcore.contrib.demo.shapes import SHAPES
from django_shopcore.contrib.demo.vocabulary import Vocabulary

from ..factories import ProductFactory
from .test_seed import generated, seed

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def variant_counts(items):
    return Counter(len(item.variants) for item in items)


# --- Variants and options, generated without a database ----------------------------


def test_about_three_variants_per_product_half_of_them_alone():
    items = generated(20_000, categories=range(1, 201))
    counts = variant_counts(items)

    assert 2.7 < sum(count * n for count, n in counts.items()) / len(items) < 3.3
    assert 0.4 < counts[1] / len(items) < 0.6
    assert max(counts) == MAX_VARIANTS
    assert set(counts) <= set(range(1, MAX_VARIANTS + 1))


def test_option_values_are_realistic():
    items = generated(20_000, categories=range(1, 201))
    variants = [variant for item in items for variant in item.variants]
    options = [dict(variant.options) for variant in variants]
    colors = Counter(option["color"] for option in options if "color" in option)
    sizes = Counter(option["size"] for option in options if "size" in option)

    # Zipf-skewed colours: black leads, the tail is rare.
    assert colors.most_common(1)[0][0] == "black"
    assert colors["black"] > 5 * colors[COLORS[-1].pair[1]]
    assert {size.pair[1] for size in SIZES} <= set(sizes)
    # Apparel-like products are size x colour grids; others one option or none.
    names = Counter(tuple(name for name, _value in variant.options) for variant in variants)
    assert {(), ("size", "color"), ("color",), ("material",), ("color", "storage")} <= set(names)


def test_a_product_holds_its_active_variants_lowest_price_and_total_stock():
    for item in generated(5_000):
        active = [variant for variant in item.variants if variant.is_active]
        assert item.variants[0].is_active
        assert float(item.product.price) == min(float(variant.price) for variant in active)
        assert item.product.stock == sum(variant.stock for variant in active)


def test_skus_are_unique_and_a_default_variant_takes_the_slug():
    items = generated(5_000)
    skus = [variant.sku for item in items for variant in item.variants]

    assert len(skus) == len(set(skus))
    for item in items:
        if len(item.variants) == 1:
            assert item.variants[0].sku == item.product.slug
            assert item.variants[0].options == ()


def test_the_same_options_never_repeat_within_a_product():
    for item in generated(5_000):
        options = [variant.options for variant in item.variants]
        assert len(options) == len(set(options))


# --- Shapes ------------------------------------------------------------------------


def test_the_imported_shape_puts_products_on_leaves_only():
    rng = random.Random(3)  # noqa: S311 (reproducible, not secret)
    specs = SHAPES["imported"].category_specs(Vocabulary(3), rng, 1000)
    parents = [spec.parent_index for spec in specs]
    weights = SHAPES["imported"].category_weights(rng, parents)
    inner = {parent for parent in parents if parent is not None}
    depth = {}
    for index, parent in enumerate(parents):
        depth[index] = 0 if parent is None else depth[parent] + 1

    assert all(weights[index] == 0 for index in inner)
    assert all(weights[index] > 0 and depth[index] == 2 for index in set(depth) - inner)
    leaves_per_group = Counter(
        parent for parent in parents if parent is not None and depth[parent] == 1
    )
    assert 10 < statistics.mean(leaves_per_group.values()) < 14
    # Skewed: the largest leaves hold several times the typical one.
    leaf_weights = sorted(weight for weight in weights if weight)
    assert leaf_weights[-10] > 4 * statistics.median(leaf_weights)


def test_imported_dates_are_not_in_id_order_and_grown_ones_are():
    def inversions(shape):
        """Of products 100 ids apart (two months of a grown catalog), how many are older."""
        dates = [item.product.created_at for item in generated(2_000, shape=shape)]
        return (
            sum(earlier > later for earlier, later in zip(dates[:-100], dates[100:], strict=True))
            / 1900
        )

    assert 0.4 < inversions("imported") < 0.6
    assert inversions("grown") == 0


@pytest.mark.django_db
def test_an_imported_catalog_in_the_database(api_client):
    seed(products=800, categories=60, shape="imported")

    with_products = Category.objects.annotate(products_count=Count("products")).filter(
        products_count__gt=0
    )
    assert not with_products.filter(children__isnull=False).exists()
    assert set(with_products.values_list("depth", flat=True)) == {2}
    # A second-level category's list holds its leaves' products, newest first.
    group = Category.objects.filter(depth=1).annotate(leaves=Count("children")).latest("leaves")
    body = api_client.get("/api/products/", {"category": group.pk, "page_size": 100}).json()
    expected = Product.objects.filter(category__parent=group, is_active=True)
    assert body["count"] == expected.count()
    dates = [row["created_at"] for row in body["results"]]
    assert dates == sorted(dates, reverse=True)


# --- In the database ---------------------------------------------------------------


@pytest.mark.django_db
def test_maintained_totals_and_option_rows_match_the_variants():
    seed(products=400)

    totals = Product.objects.annotate(
        lowest=Min("variants__price", filter=Q(variants__is_active=True)),
        total=Sum("variants__stock", filter=Q(variants__is_active=True)),
    )
    assert all(
        (product.price, product.stock) == (product.lowest, product.total) for product in totals
    )
    assert ProductVariant.objects.count() > 2 * Product.objects.count()
    assert (
        ProductVariant.objects.values("sku").distinct().count() == ProductVariant.objects.count()
    )
    rows = {(row.variant_id, row.name, row.value) for row in VariantOption.objects.all()}
    derived = {
        (variant.pk, name, value)
        for variant in ProductVariant.objects.all()
        for name, value in variant.options.items()
    }
    assert rows == derived


@pytest.mark.django_db
def test_the_option_filter_finds_seeded_variants(api_client):
    seed(products=400)
    black_m = ProductVariant.objects.filter(
        is_active=True, product__is_active=True, options__size="M", options__color="black"
    )

    body = api_client.get(
        "/api/products/", {"option": ["size:M", "color:black"], "page_size": 100}
    ).json()

    assert body["count"] == black_m.values("product").distinct().count() > 0


@pytest.mark.django_db
def test_ids_continue_after_the_seeded_ones():
    seed(products=50)

    product = ProductFactory()

    assert product.pk > 50
    assert product.variants.get().pk > ProductVariant.objects.exclude(product=product).count()


@pytest.mark.django_db
def test_a_failed_seed_leaves_the_old_catalog(monkeypatch):
    seed(products=30, categories=5)
    before = Product.objects.count(), ProductVariant.objects.count()

    def failing(*args, **kwargs):
        yield from ()
        raise RuntimeError("generator failed")

    monkeypatch.setattr(seeding, "generate_products", failing)
    # PostgreSQL's driver reports the generator's error as a cancelled COPY.
    with pytest.raises(Exception, match="generator failed"):
        seed(products=30, categories=5, clear=True)

    assert (Product.objects.count(), ProductVariant.objects.count()) == before


@pytest.mark.django_db
def test_images_are_placeholder_files_shared_by_rows(media_root):
    seed(products=300, images=True)

    images = ProductImage.objects.all()
    names = set(images.values_list("image", flat=True))
    assert images.count() > 300
    assert len(names) == PLACEHOLDER_COUNT
    storage = image_storage()
    for name in names:
        with storage.open(name) as file, Image.open(file) as picture:
            stored = images.filter(image=name).order_by().values_list("width", "height").distinct()
            assert list(stored) == [picture.size]
    positions = images.values("product").annotate(first=Min("position"), n=Count("id"))
    assert {row["first"] for row in positions} == {0}
    assert Product.objects.exclude(images__isnull=False).exists()  # some have none

    # Seeding again reuses the stored files.
    files = sorted(path.name for path in media_root.rglob("*.png"))
    seed(products=300, images=True, clear=True)
    assert sorted(path.name for path in media_root.rglob("*.png")) == files


@pytest.mark.django_db
def test_without_images_no_image_rows_and_no_files(media_root):
    seed(products=100)

    assert not ProductImage.objects.exists()
    assert not list(media_root.rglob("*"))


@pytest.mark.django_db
def test_the_detail_of_a_seeded_product_shows_its_variants_and_images(api_client, media_root):
    seed(products=200, images=True)
    product = (
        Product.objects.filter(is_active=True)
        .annotate(
            variants_count=Count("variants", distinct=True),
            images_count=Count("images", distinct=True),
        )
        .filter(images_count__gt=0)
        .latest("variants_count")
    )

    body = api_client.get(f"/api/products/{product.pk}/").json()

    assert len(body["images"]) == product.images_count
    assert len(body["variants"]) == product.variants.filter(is_active=True).count() > 1
    assert body["images"][0]["url"].endswith(".png")


def test_the_command_parses_the_shape_and_images_options():
    command = load_command_class("django_shopcore.contrib.demo", "shopcore_seed")
    options = command.create_parser("manage.py", "shopcore_seed").parse_args(
        ["--shape", "imported", "--images"]
    )

    assert (options.shape, options.images) == ("imported", True)
    with pytest.raises(CommandError):
        call_command("shopcore_seed", "--shape", "round")


def test_an_unreadable_placeholder_file_is_drawn_again(media_root):
    from django.core.files.base import ContentFile

    from django_shopcore.contrib.demo.placeholders import ensure_placeholders, placeholder_name

    image_storage().save(placeholder_name(1), ContentFile(b"not a picture"))

    first = ensure_placeholders()[0]

    with image_storage().open(first.name) as file, Image.open(file) as picture:
        assert picture.size == (first.width, first.height)
