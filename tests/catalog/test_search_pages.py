"""A search's few matches, collected in the list's order: each page reads its own rows only,
and the pages are those of the list sorted as usual."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request

from django_shopcore.catalog.keysets import KnownOrder
from django_shopcore.catalog.models import Product
from django_shopcore.catalog.pagination import CatalogPagination

from ..factories import CategoryFactory, ProductFactory
from .test_filters import PRODUCTS, ids, make
from .test_pagination import analyze_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamps():
    """Matches with ties on every sort key, and products the search leaves out."""
    rows = [("Desk Lamp", "10.00", 3), ("Floor Lamp", "5.00", 1), ("Desk Lamp", "10.00", 2)]
    rows += [("Lamp Shade", "7.50", 5), ("Wall Lamp", "5.00", 4), ("Clock Lamp", "20.00", 1)]
    found = [make(name=name, price=price, age=age) for name, price, age in rows]
    make(name="Chair")
    make(name="Desk", price="10.00")
    return found


@pytest.mark.parametrize("ordering", [None, "price", "-price", "name", "-name,price"])
def test_every_page_is_the_sorted_lists(api_client, lamps, ordering):
    params = {"search": "lamp", "page_size": 2}
    if ordering:
        params["ordering"] = ordering
    whole = ids(api_client.get(PRODUCTS, {**params, "page_size": 50}))
    pages = []
    for number in (1, 2, 3):
        pages += ids(api_client.get(PRODUCTS, {**params, "page": number}))

    assert pages == whole
    assert len(whole) == len(lamps)
    assert api_client.get(PRODUCTS, {**params, "page": 4}).status_code == 404
    assert ids(api_client.get(PRODUCTS, {**params, "page": "last"})) == whole[4:]
    sorted_by_database = Product.objects.filter(pk__in=whole)
    if ordering:
        tie_breaker = "-id" if ordering.split(",")[-1].startswith("-") else "id"
        sorted_by_database = sorted_by_database.order_by(*ordering.split(","), tie_breaker)
    else:
        sorted_by_database = sorted_by_database.order_by("-created_at", "-id")
    assert whole == list(sorted_by_database.values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL arrays")
def test_a_page_reads_its_own_rows_by_key(api_client, lamps, django_assert_num_queries):
    with CaptureQueriesContext(connection) as queries:
        found = ids(
            api_client.get(
                PRODUCTS, {"search": "lamp", "ordering": "price", "page": 2, "page_size": 2}
            )
        )

    collect, page = (query["sql"] for query in queries.captured_queries)
    # The matches come sorted; the page asks for its two rows and the next one's.
    assert "ORDER BY capped.k1 ASC, capped.pk ASC" in collect
    keys = page.split('"id" IN (')[1].split(")")[0].split(", ")
    assert len(keys) == 3
    assert "OFFSET" not in page
    assert [int(key) for key in keys[:2]] == found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimates")
def test_matches_are_collected_though_the_planner_expects_more_than_the_candidates(
    api_client, settings, django_assert_num_queries
):
    lamps = [make(name="Lamp", price=f"{index}.00") for index in range(16)]
    make(name="Chair")
    analyze_products()
    # The statistics still expect 16 lamps, more than the candidates (under twice as many).
    Product.objects.filter(pk__in=[lamp.pk for lamp in lamps[4:]]).delete()
    settings.SHOPCORE = {"SEARCH_CANDIDATES": 10}

    with django_assert_num_queries(2):  # the matches collected, then the page by key
        response = api_client.get(PRODUCTS, {"search": "lamp", "ordering": "price"})

    body = response.json()
    assert (body["count"], body["count_exact"]) == (4, True)
    assert ids(response) == [lamp.pk for lamp in lamps[:4]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimates")
@pytest.mark.parametrize(("timeout", "queries"), [(60, 1), (0, 2)])
def test_matches_past_the_candidates_are_not_collected_again(
    api_client, settings, django_assert_num_queries, timeout, queries
):
    category = CategoryFactory()
    ProductFactory.create_batch(60, name="Chair", category=category)
    ProductFactory.create_batch(3, name="Lamp", category=category)
    analyze_products()
    # The statistics expect 3 lamps, under the candidates; there are 30.
    ProductFactory.create_batch(27, name="Lamp", category=category)
    settings.SHOPCORE = {"SEARCH_CANDIDATES": 10, "COUNT_ESTIMATE_TIMEOUT": timeout}
    first = api_client.get(PRODUCTS, {"search": "lamp"}).json()

    with django_assert_num_queries(queries):  # the page, and the collecting unless remembered
        again = api_client.get(PRODUCTS, {"search": "lamp"}).json()

    assert first["count_exact"] is False
    assert first["count"] >= 11
    assert (again["count"], again["count_exact"]) == (first["count"], False)
    assert len(again["results"]) == 20


def paginate(queryset, known_order, query="page=2&page_size=2"):
    paginator = CatalogPagination()
    request = Request(RequestFactory().get(f"{PRODUCTS}?{query}"))
    return paginator.paginate_queryset(queryset, request, known_order=known_order)


def test_known_keys_serve_only_the_queryset_they_were_found_for(lamps):
    rows = Product.objects.order_by("price", "id")
    listed = rows.filter(pk__in=[product.pk for product in lamps])
    keys = list(listed.values_list("pk", flat=True))
    known = KnownOrder(["price", "id"], keys, rows, listed)

    assert [row.pk for row in paginate(listed, known)] == keys[2:4]
    # A filter added after the search's: its rows are not the known keys' queryset.
    narrowed = listed.exclude(pk=keys[2])
    assert [row.pk for row in paginate(narrowed, known)] == keys[3:5]
    # Another ordering than the keys': sorted as usual.
    other = listed.order_by("-price", "id")
    assert [row.pk for row in paginate(other, known._replace(listed=other))] == list(
        other.values_list("pk", flat=True)
    )[2:4]
