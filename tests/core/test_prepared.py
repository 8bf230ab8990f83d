"""PreparedRows: a ``.values()`` queryset's SQL compiled once and run with other values."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from django_shopcore.catalog.images import FirstImageName
from django_shopcore.catalog.models import Product, ProductImage, ProductVariant
from django_shopcore.catalog.search import ColumnInArray
from django_shopcore.core.prepared import Placeholders, PreparedRows

from ..factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared rows are read on PostgreSQL only"
)

VARIANT_COLUMNS = ("id", "product_id", "sku", "options", "price", "is_active", "created_at")


def variants_by_product():
    placeholder = Placeholders()
    ids = placeholder.array("ids")
    rows = ProductVariant.objects.order_by("id").values(*VARIANT_COLUMNS)
    return rows, PreparedRows(rows.filter(ColumnInArray("product_id", ids)), **placeholder)


@on_postgresql
def test_rows_are_what_values_gives_for_other_values():
    products = ProductFactory.create_batch(3)
    for product in products:
        VariantFactory(product=product, options={"size": "M", "color": "red"}, price="3.50")
    rows, prepared = variants_by_product()

    for ids in ([products[0].pk], [products[1].pk, products[2].pk], [0]):
        assert prepared.rows(ids=ids) == list(rows.filter(product_id__in=ids))


@on_postgresql
def test_relations_and_annotations_convert_as_values_does():
    product = ProductFactory(price=Decimal("7.10"))
    ProductImage.objects.create(product=product, image="shopcore/a.png", width=1, height=1)
    placeholder = Placeholders("pk")
    rows = Product.objects.annotate(first_image=FirstImageName()).values(
        "id", "category__id", "category__name", "category_id", "price", "first_image", "updated_at"
    )
    prepared = PreparedRows(rows.filter(**placeholder), **placeholder)

    assert prepared.rows(pk=product.pk) == list(rows.filter(pk=product.pk))
    assert prepared.rows(pk=product.pk + 1000) == []


@on_postgresql
def test_each_read_asks_the_router_for_its_database(monkeypatch):
    ProductFactory()
    rows, prepared = variants_by_product()
    asked = []
    original = type(rows).db

    def routed(queryset):
        asked.append(queryset.model)
        return original.fget(queryset)

    monkeypatch.setattr(type(rows), "db", property(routed))
    prepared.rows(ids=[1])
    prepared.rows(ids=[2])

    assert asked.count(ProductVariant) == 2


def test_a_placeholder_missing_from_the_query_is_an_error():
    placeholder = Placeholders("pk", "other")
    prepared = PreparedRows(
        Product.objects.filter(pk=placeholder["pk"]).values("id"), **placeholder
    )

    with pytest.raises(ValueError, match="placeholder"):
        prepared.compile("default")


def test_placeholders_are_distinct_and_no_row_has_them():
    values = list(Placeholders("a", "b", "c").values())

    assert len(set(values)) == 3
    assert all(-(2**31) <= value < 0 for value in values)


@on_postgresql
def test_placeholders_of_every_type_survive_the_orms_preparation():
    placeholder = Placeholders()
    price = placeholder.of(Decimal, "price")
    name = placeholder.of(str, "name")
    since = placeholder.of(datetime.datetime, "since")
    ids = placeholder.array("ids")
    rows = Product.objects.filter(
        ColumnInArray("id", ids), price__gte=price, name__gt=name, created_at__gte=since
    ).values("id")
    prepared = PreparedRows(rows, **placeholder)
    product = ProductFactory(name="b", price=Decimal("3.00"))
    values = {
        "price": Decimal("2.50"),
        "name": "a",
        "since": product.created_at,
        "ids": [product.pk, 0, -1],
    }

    assert prepared.rows(**values) == [{"id": product.pk}]
    assert prepared.rows(**{**values, "price": Decimal("3.01")}) == []


def test_only_postgresql_reads_prepared_rows():
    assert PreparedRows.supported(Product.objects.all()) is (connection.vendor == "postgresql")
