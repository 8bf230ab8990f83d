"""Prepared product lists (PostgreSQL): every page, link and count as the ORM reads them,
compiled once per shape, and the lists that are still read through the ORM."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from django_shopcore.catalog import category_filter, prepared_lists
from django_shopcore.catalog.pagination import CURSOR_SALT
from django_shopcore.catalog.views import ProductViewSet

from ..factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="lists are prepared on PostgreSQL only"
    ),
]

PRODUCTS = "/api/products/"


@pytest.fixture(autouse=True)
def no_templates_yet():
    prepared_lists.templates.clear()


ORDERINGS = ["", "price", "-price", "created_at", "-created_at", "name", "-name,price"]


@pytest.fixture
def catalog():
    """A root over two children, one with two leaves; products on every level but the
    root, prices and dates in no particular order (dates not in id order), some inactive or
    out of stock, some with equal prices."""
    root = CategoryFactory(name="Root")
    child, other = CategoryFactory(name="Child", parent=root), CategoryFactory(parent=root)
    leaves = [CategoryFactory(parent=child), CategoryFactory(parent=child)]
    now = timezone.now()
    places = [*leaves, other, leaves[0], child]
    for number in range(23):
        product = ProductFactory(
            name=f"Product {(number * 7) % 23:02d}",
            category=places[number % len(places)],
            price=Decimal(5 + (number * 13) % 40),
            stock=0 if number % 4 == 0 else 5,
            is_active=number % 9 != 0,
        )
        product.created_at = now - datetime.timedelta(hours=(number * 11) % 23)
        product.save(update_fields=["created_at"])
    VariantFactory(product=product, price="1.00")
    return {"root": root, "child": child, "leaf": leaves[0], "other": other}


def walk(client, params):
    """Every page of the list ``params`` asks for, following ``next`` to the end and then
    ``previous`` back to the start: (status, body) of each."""
    seen = []
    response = client.get(PRODUCTS, params)
    seen.append((response.status_code, response.json()))
    while response.status_code == 200 and response.json()["next"] and len(seen) < 40:
        response = client.get(response.json()["next"])
        seen.append((response.status_code, response.json()))
    while response.status_code == 200 and response.json()["previous"] and len(seen) < 80:
        response = client.get(response.json()["previous"])
        seen.append((response.status_code, response.json()))
    return seen


def both_ways(settings, client, params):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 4, "PREPARED_QUERIES": True}
    prepared = walk(client, params)
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 4, "PREPARED_QUERIES": False}
    return readable(prepared), readable(walk(client, params))


def readable(pages):
    """The pages with each link's cursor decoded: a cursor signs the time it was made."""
    for _status, body in pages:
        for link in ("next", "previous"):
            url = body.get(link)
            if url and "cursor=" in url:
                query = parse_qs(urlsplit(url).query)
                cursor = signing.loads(query.pop("cursor")[0], salt=CURSOR_SALT)
                body[link] = (urlsplit(url).path, sorted(query.items()), cursor)
    return pages


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"category": "leaf"},
        {"category": "child"},
        {"category": "root", "in_stock": "true"},
        {"category": "child", "min_price": "10", "max_price": "30"},
        {"min_price": "12.5"},
        {"in_stock": "false", "max_price": "40"},
        {"category": "other", "is_active": "true"},
    ],
)
@pytest.mark.parametrize("merging", [True, False])
def test_prepared_pages_are_the_orms(
    api_client, settings, catalog, monkeypatch, ordering, filters, merging
):
    monkeypatch.setattr(category_filter, "worth_merging", lambda found: merging)
    params = {"page_size": "2", **filters}
    if "category" in params:
        params["category"] = str(catalog[params["category"]].pk)
    if ordering:
        params["ordering"] = ordering

    prepared, orm = both_ways(settings, api_client, params)

    assert prepared == orm
    assert len(prepared) > 1 or prepared[0][1]["count"] <= 2


@pytest.mark.parametrize("params", [{}, {"is_active": "false"}, {"category": "child"}])
def test_staff_get_their_own_prepared_pages(admin_client, settings, catalog, params):
    if "category" in params:
        params = {**params, "category": catalog["child"].slug}

    prepared, orm = both_ways(settings, admin_client, {"page_size": "3", **params})

    assert prepared == orm
    assert any(not row["is_active"] for _status, body in prepared for row in body["results"])


def test_the_last_page_and_errors_are_the_orms(api_client, settings, catalog):
    for params in (
        {"page": "last", "page_size": "4", "category": str(catalog["child"].pk)},
        {"page": "99"},
        {"category": "no-such-category"},
        {"min_price": "abc", "in_stock": "maybe"},
        {"cursor": "forged"},
    ):
        assert (
            both_ways(settings, api_client, params)[0]
            == both_ways(settings, api_client, params)[1]
        )


@pytest.fixture
def compilations(monkeypatch):
    """How many queries Django has compiled."""
    count = [0]
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        count[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return count


def test_a_shape_is_compiled_once_whatever_its_values(api_client, catalog, compilations):
    # No category: with a cache that is not shared, each request reads its subtree.
    api_client.get(PRODUCTS, {"min_price": "10", "ordering": "price", "page_size": "1"})
    compilations[0] = 0

    response = api_client.get(PRODUCTS, {"min_price": "44", "ordering": "price", "page_size": "1"})

    assert response.status_code == 200
    assert compilations[0] == 0
    assert [row["price"] for row in response.json()["results"]] == ["44.00"]


@pytest.mark.parametrize(
    "params",
    [
        {"search": "product"},
        {"option": "edition:e1"},
        {"facets": "true"},
        {"slug": "product-1"},
        {"ordering": "relevance"},
    ],
)
def test_other_lists_are_read_through_the_orm(api_client, catalog, compilations, params):
    api_client.get(PRODUCTS, params)
    compilations[0] = 0

    assert api_client.get(PRODUCTS, params).status_code == 200
    assert compilations[0] > 0


def test_a_hosts_viewset_reads_through_the_orm(rf, catalog):
    class HostProducts(ProductViewSet):
        def get_queryset(self):
            return super().get_queryset().filter(price__lt=30)

    view = HostProducts()
    view.action_map = {"get": "list"}
    view.request = view.initialize_request(rf.get(PRODUCTS))
    view.action = "list"

    assert prepared_lists.prepared_pages(view, view.request) is None


def test_a_settings_change_forgets_the_templates(api_client, settings, catalog):
    api_client.get(PRODUCTS, {"in_stock": "true"})
    assert prepared_lists.templates

    settings.SHOPCORE = {"PAGE_SIZE": 5}

    assert not prepared_lists.templates


def test_any_number_of_pages_keeps_a_bounded_number_of_queries(api_client, catalog):
    for size in range(1, 3 * prepared_lists.MAX_PAGES_PER_TEMPLATE):
        assert api_client.get(PRODUCTS, {"page_size": str(size)}).status_code == 200

    (template,) = prepared_lists.templates.values()
    assert 0 < len(template.page_rows) <= prepared_lists.MAX_PAGES_PER_TEMPLATE
