"""Variants: their endpoints, the product's maintained price and stock, and the option filter."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_shopcore.catalog.models import Product, ProductVariant, VariantOption
from django_shopcore.catalog.variants import refresh_product_totals
from django_shopcore.core.ids import MAX_INT32

from ..factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


def variants_url(product, variant=None):
    base = f"{PRODUCTS}{product.pk}/variants/"
    return base if variant is None else f"{base}{variant.pk}/"


def totals(product):
    product.refresh_from_db()
    return product.price, product.stock


# --- Default variants ---------------------------------------------------------


def test_creating_a_product_with_price_and_stock_creates_its_default_variant(admin_client):
    category = CategoryFactory()
    body = {"name": "Mug", "category": category.pk, "price": "9.50", "stock": 4}

    response = admin_client.post(PRODUCTS, body, format="json")

    assert response.status_code == 201
    (variant,) = ProductVariant.objects.filter(product_id=response.json()["id"])
    assert (variant.sku, variant.options, variant.price, variant.stock, variant.is_active) == (
        "mug",
        {},
        Decimal("9.50"),
        4,
        True,
    )


def test_a_default_sku_taken_by_another_variant_gets_the_product_id():
    VariantFactory(sku="mug")
    product = ProductFactory(name="Mug", slug="mug")

    assert product.variants.get().sku == f"mug-{product.pk}"


def test_writing_price_and_stock_on_a_lone_variant_product_writes_the_variant(admin_client):
    product = ProductFactory(price=Decimal("5.00"), stock=1)

    response = admin_client.patch(
        f"{PRODUCTS}{product.pk}/", {"price": "7.25", "stock": 9}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["price"], response.json()["stock"]) == ("7.25", 9)
    variant = product.variants.get()
    assert (variant.price, variant.stock) == (Decimal("7.25"), 9)
    assert totals(product) == (Decimal("7.25"), 9)


@pytest.mark.parametrize("field, value", [("price", "1.00"), ("stock", 5)])
def test_writing_price_or_stock_on_a_product_of_several_variants_is_a_400(
    admin_client, field, value
):
    product = ProductFactory(price=Decimal("5.00"), stock=1)
    VariantFactory(product=product, price=Decimal("8.00"), stock=2)

    response = admin_client.patch(
        f"{PRODUCTS}{product.pk}/", {field: value, "name": "Renamed"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    product.refresh_from_db()
    assert product.name != "Renamed"  # nothing of the request was written
    assert totals(product) == (Decimal("5.00"), 3)


def test_a_put_echoing_the_totals_of_several_variants_is_accepted(admin_client):
    product = ProductFactory(price=Decimal("5.00"), stock=1)
    VariantFactory(product=product, price=Decimal("8.00"), stock=2)
    body = admin_client.get(f"{PRODUCTS}{product.pk}/").json()
    body = {**body, "category": body["category"]["id"], "name": "Renamed"}

    response = admin_client.put(f"{PRODUCTS}{product.pk}/", body, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"


def test_a_put_may_leave_the_price_out(admin_client):
    product = ProductFactory(price=Decimal("5.00"))
    VariantFactory(product=product, price=Decimal("8.00"))
    body = {"name": "Renamed", "category": product.category_id}

    response = admin_client.put(f"{PRODUCTS}{product.pk}/", body, format="json")

    assert response.status_code == 200
    assert totals(product)[0] == Decimal("5.00")


def test_deleting_a_product_deletes_its_variants_and_their_options(admin_client):
    product = ProductFactory()
    VariantFactory(product=product, options={"size": "M"})

    assert admin_client.delete(f"{PRODUCTS}{product.pk}/").status_code == 204

    assert not ProductVariant.objects.exists()
    assert not VariantOption.objects.exists()


# --- Variant endpoints ----------------------------------------------------------


def test_anyone_lists_the_active_variants_of_an_active_product(api_client):
    product = ProductFactory()
    shown = VariantFactory(product=product, options={"size": "M"})
    VariantFactory(product=product, is_active=False)

    response = api_client.get(variants_url(product))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [product.variants.first().pk, shown.pk]
    assert set(results[1]) == {
        "id",
        "product",
        "sku",
        "options",
        "price",
        "stock",
        "is_active",
        "created_at",
        "updated_at",
    }
    assert results[1]["options"] == {"size": "M"}
    assert results[1]["price"] == "19.99"


def test_admins_see_inactive_variants_and_products(admin_client, api_client):
    product = ProductFactory(is_active=False)
    hidden = VariantFactory(product=product, is_active=False)

    assert api_client.get(variants_url(product)).status_code == 404
    assert api_client.get(variants_url(product, hidden)).status_code == 404
    assert admin_client.get(variants_url(product)).json()["count"] == 2
    assert admin_client.get(variants_url(product, hidden)).status_code == 200


def test_unknown_product_is_a_404(api_client):
    assert api_client.get(f"{PRODUCTS}987654321/variants/").status_code == 404


def test_a_variant_of_another_product_is_a_404(api_client):
    variant = VariantFactory()

    assert api_client.get(variants_url(ProductFactory(), variant)).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_admins_write_variants(api_client, user_client, method):
    variant = VariantFactory()
    url = (
        variants_url(variant.product)
        if method == "post"
        else variants_url(variant.product, variant)
    )

    assert getattr(api_client, method)(url, {}, format="json").status_code == 401
    assert getattr(user_client, method)(url, {}, format="json").status_code == 403


def test_creating_a_variant_maintains_the_product_totals(admin_client):
    product = ProductFactory(price=Decimal("5.00"), stock=1)
    body = {"sku": "MUG-L", "options": {"size": "L"}, "price": "3.50", "stock": 6}

    response = admin_client.post(variants_url(product), body, format="json")

    assert response.status_code == 201
    assert response.json()["product"] == product.pk
    assert totals(product) == (Decimal("3.50"), 7)
    assert list(VariantOption.objects.values_list("name", "value")) == [("size", "L")]


def test_updating_a_variant_maintains_totals_and_option_rows(admin_client):
    product = ProductFactory(price=Decimal("5.00"), stock=1)
    variant = VariantFactory(product=product, options={"size": "L"}, price=Decimal("9.00"))

    response = admin_client.patch(
        variants_url(product, variant),
        {"options": {"size": "S", "color": "red"}, "price": "2.00", "stock": 0},
        format="json",
    )

    assert response.status_code == 200
    assert totals(product) == (Decimal("2.00"), 1)
    assert set(VariantOption.objects.values_list("name", "value")) == {
        ("size", "S"),
        ("color", "red"),
    }


def test_deactivating_a_variant_takes_it_out_of_the_totals(admin_client):
    product = ProductFactory(price=Decimal("5.00"), stock=1)
    variant = VariantFactory(product=product, price=Decimal("2.00"), stock=8)

    admin_client.patch(variants_url(product, variant), {"is_active": False}, format="json")

    assert totals(product) == (Decimal("5.00"), 1)


def test_deleting_a_variant_maintains_the_totals(admin_client):
    product = ProductFactory(price=Decimal("5.00"), stock=1)
    variant = VariantFactory(product=product, price=Decimal("2.00"), stock=8)

    assert admin_client.delete(variants_url(product, variant)).status_code == 204

    assert totals(product) == (Decimal("5.00"), 1)


def test_a_total_stock_beyond_the_column_is_capped():
    product = ProductFactory(price=Decimal("5.00"), stock=MAX_INT32)
    VariantFactory(product=product, price=Decimal("6.00"), stock=MAX_INT32)

    assert totals(product) == (Decimal("5.00"), MAX_INT32)


def test_a_product_without_active_variants_keeps_its_price_and_has_no_stock():
    product = ProductFactory(price=Decimal("5.00"), stock=4)
    ProductVariant.objects.filter(product=product).update(is_active=False)

    refresh_product_totals([product.pk])

    assert totals(product) == (Decimal("5.00"), 0)


def test_deleting_the_last_variant_is_a_409(admin_client):
    product = ProductFactory()

    response = admin_client.delete(variants_url(product, product.variants.get()))

    assert response.status_code == 409
    assert "last variant" in response.json()["detail"]
    assert product.variants.count() == 1


def test_a_duplicate_sku_is_a_400_naming_sku(admin_client):
    VariantFactory(sku="TAKEN")
    product = ProductFactory()

    response = admin_client.post(
        variants_url(product), {"sku": "TAKEN", "price": "1.00"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["sku"]


@pytest.mark.parametrize(
    "body",
    [
        {"price": "-1.00"},
        {"stock": -1},
        {"stock": 2**31},
        {"options": ["size", "M"]},
        {"options": {"size": 1}},
        {"options": {"": "M"}},
        {"options": {"si:ze": "M"}},
        {"options": {"size": ""}},
        {"options": {"size": "M" * 101}},
        {"options": {f"o{i}": "v" for i in range(21)}},
    ],
)
def test_invalid_variant_fields_are_400_naming_them(admin_client, body):
    variant = VariantFactory()

    response = admin_client.patch(variants_url(variant.product, variant), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == list(body)


def test_variant_list_and_detail_query_counts_do_not_grow(api_client, django_assert_num_queries):
    product = ProductFactory()
    VariantFactory.create_batch(12, product=product)
    variant = product.variants.first()

    # The product check, the count, the page.
    with django_assert_num_queries(3):
        assert len(api_client.get(variants_url(product)).json()["results"]) == 13
    with django_assert_num_queries(1):
        assert api_client.get(variants_url(product, variant)).status_code == 200


def test_variant_write_query_counts(admin_client, django_assert_num_queries):
    product = ProductFactory()
    variant = VariantFactory(product=product)
    body = {"sku": "NEW", "price": "1.00", "options": {"size": "M", "color": "red"}}

    # Each: the caller, the writes in savepoints, the option rows, the totals
    # (lock + UPDATE, in the write's savepoint), the facet index (the active
    # options, the product and its stored state; the state written and the
    # count deltas appended, as each of these writes changes what the product
    # counts for).
    with django_assert_num_queries(14):
        assert admin_client.post(variants_url(product), body, format="json").status_code == 201
    with django_assert_num_queries(12):  # no option rows to insert
        response = admin_client.patch(
            variants_url(product, variant), {"price": "2.00", "options": {}}, format="json"
        )
        assert response.status_code == 200
    # A delete also asks for the cart items it takes along and the order lines that
    # protect it; NEW stays the cheapest: the facet index reads, nothing to write.
    with django_assert_num_queries(13):
        assert admin_client.delete(variants_url(product, variant)).status_code == 204


def test_product_write_query_counts(admin_client, django_assert_num_queries):
    product = ProductFactory()
    body = {"name": "New", "category": product.category_id, "price": "3.00"}

    # The product (its derived slug in a savepoint) and its facet state and
    # count deltas, then its default variant.
    with django_assert_num_queries(14):
        assert admin_client.post(PRODUCTS, body, format="json").status_code == 201
    # The lone variant (locked, written), the totals, the facet index (reads,
    # the state, the deltas of its new price bucket), the new totals read back.
    with django_assert_num_queries(13):
        response = admin_client.patch(f"{PRODUCTS}{product.pk}/", {"price": "3.00"}, format="json")
        assert response.status_code == 200


def test_variant_update_query_count(admin_client):
    product = ProductFactory()
    variant = VariantFactory(product=product)
    url = variants_url(product, variant)
    body = {"price": "1.00", "options": {"size": "M", "color": "red"}}

    with CaptureQueriesContext(connection) as one:
        admin_client.patch(url, body, format="json")
    body["options"] = {f"o{i}": "v" for i in range(12)}
    with CaptureQueriesContext(connection) as twelve:
        admin_client.patch(url, body, format="json")

    # The option rows are written in one statement however many there are.
    assert len(one) == len(twelve)


# --- The option filter ------------------------------------------------------------


@pytest.fixture
def shirts():
    """Three shirts: red M + blue L; red L; green M (inactive variant)."""
    first, second, third = ProductFactory(), ProductFactory(), ProductFactory()
    VariantFactory(product=first, options={"size": "M", "color": "red"})
    VariantFactory(product=first, options={"size": "L", "color": "blue"})
    VariantFactory(product=second, options={"size": "L", "color": "red"})
    VariantFactory(product=third, options={"size": "M", "color": "green"}, is_active=False)
    return first, second, third


def listed_ids(client, query):
    response = client.get(PRODUCTS, query)
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["results"]}


def test_option_filter_keeps_products_with_an_active_matching_variant(api_client, shirts):
    first, second, _ = shirts

    assert listed_ids(api_client, {"option": "size:M"}) == {first.pk}
    assert listed_ids(api_client, {"option": "color:red"}) == {first.pk, second.pk}


def test_values_of_one_name_are_alternatives(api_client, shirts):
    first, second, _ = shirts

    assert listed_ids(api_client, {"option": ["size:M", "size:L"]}) == {first.pk, second.pk}


def test_different_names_must_all_match_on_one_variant(api_client, shirts):
    _, second, _ = shirts

    assert listed_ids(api_client, {"option": ["size:L", "color:red"]}) == {second.pk}
    # The first shirt has an L and a red one, but no red L.
    assert listed_ids(api_client, {"option": ["size:M", "color:blue"]}) == set()


def test_option_values_may_hold_colons(api_client):
    product = ProductFactory()
    VariantFactory(product=product, options={"ratio": "16:9"})

    assert listed_ids(api_client, {"option": "ratio:16:9"}) == {product.pk}


def test_option_filter_combines_with_other_filters(api_client, shirts):
    first, second, _ = shirts
    Product.objects.filter(pk=first.pk).update(stock=0)

    assert listed_ids(api_client, {"option": "color:red", "in_stock": "true"}) == {second.pk}


@pytest.mark.parametrize(
    "value",
    ["size", ":M", "size:", "n" * 51 + ":M", "size:" + "v" * 101, ["size:M"] * 21],
)
def test_invalid_option_parameter_is_a_400_naming_option(api_client, value):
    response = api_client.get(PRODUCTS, {"option": value})

    assert response.status_code == 400
    assert list(response.json()) == ["option"]


def test_option_filtered_list_query_count_is_constant(
    api_client, shirts, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the page holds every match: no count query
        api_client.get(PRODUCTS, {"option": ["size:M", "size:L", "color:red"]})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_option_lookup_uses_its_index(shirts):
    from django_shopcore.catalog.filters import ProductFilterSet

    queryset = ProductFilterSet({"option": "size:M"}, queryset=Product.objects.all()).qs
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "shopcore_option_lookup" in plan


# --- Currency ---------------------------------------------------------------------


def test_every_product_shows_the_shop_currency(api_client, settings):
    settings.SHOPCORE = {"CURRENCY": "EUR"}
    product = ProductFactory()

    assert api_client.get(PRODUCTS).json()["results"][0]["currency"] == "EUR"
    assert api_client.get(f"{PRODUCTS}{product.pk}/").json()["currency"] == "EUR"


def test_currency_is_read_only(admin_client):
    product = ProductFactory()

    response = admin_client.patch(f"{PRODUCTS}{product.pk}/", {"currency": "EUR"}, format="json")

    assert response.status_code == 200
    assert response.json()["currency"] == "USD"
