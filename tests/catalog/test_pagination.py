"""Pagination: sizes from SHOPCORE, links, counts, cursors, and 400s for bad values."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from django_shopcore.catalog.models import Product
from django_shopcore.catalog.pagination import CatalogPagination
from django_shopcore.core.counting import EstimateMemo, RowCount

from ..factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


@pytest.fixture
def products():
    category = CategoryFactory()
    return ProductFactory.create_batch(5, category=category)


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_page_shape_and_links(api_client, products):
    body = api_client.get(PRODUCTS, {"page_size": 2, "page": 2, "ordering": "price"}).json()

    assert set(body) == {"count", "count_exact", "next", "previous", "results"}
    assert body["count"] == 5
    assert body["count_exact"] is True
    assert len(body["results"]) == 2
    assert body["next"].startswith("http://testserver/api/products/?")
    assert query(body["next"]) == {"page": "3", "page_size": "2", "ordering": "price"}
    assert query(body["previous"]) == {"page_size": "2", "ordering": "price"}


def test_last_page_has_no_next_link(api_client, products):
    body = api_client.get(PRODUCTS, {"page_size": 2, "page": 3}).json()

    assert len(body["results"]) == 1
    assert body["next"] is None
    assert api_client.get(PRODUCTS, {"page_size": 2, "page": "last"}).json() == body


def test_single_page_has_no_links(api_client, products):
    body = api_client.get(PRODUCTS).json()

    assert body["next"] is None
    assert body["previous"] is None


def test_default_and_maximum_sizes_come_from_settings(api_client, products, settings):
    settings.SHOPCORE = {"PAGE_SIZE": 3, "MAX_PAGE_SIZE": 4}

    default = api_client.get(PRODUCTS)
    largest = api_client.get(PRODUCTS, {"page_size": 4})
    too_large = api_client.get(PRODUCTS, {"page_size": 5})

    assert len(default.json()["results"]) == 3
    assert len(largest.json()["results"]) == 4
    assert too_large.status_code == 400
    assert "4" in too_large.json()["page_size"][0]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "101", " 5", "٣", "\x00", "1e2"])
def test_invalid_page_size_is_400(api_client, products, value):
    response = api_client.get(PRODUCTS, {"page_size": value})

    assert response.status_code == 400
    assert "page_size" in response.json()
    assert "100" in response.json()["page_size"][0]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "\x00", "٣", "9" * 19])
def test_invalid_page_is_400(api_client, products, value):
    response = api_client.get(PRODUCTS, {"page": value})

    assert response.status_code == 400
    assert "page" in response.json()


def test_page_past_the_end_is_404(api_client, products):
    response = api_client.get(PRODUCTS, {"page": 2})

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("value", ["501", "99999999"])
def test_page_beyond_the_depth_is_400_pointing_to_the_cursor(api_client, products, value):
    response = api_client.get(PRODUCTS, {"page": value})

    assert response.status_code == 400
    assert "cursor" in response.json()["page"][0]


def test_empty_list_has_a_first_page(api_client):
    body = api_client.get(PRODUCTS).json()

    assert body == {
        "count": 0,
        "count_exact": True,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_categories_are_paginated_the_same_way(api_client):
    CategoryFactory.create_batch(3)

    body = api_client.get("/api/categories/", {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert api_client.get("/api/categories/", {"page": 0}).status_code == 400


# --- Counts ------------------------------------------------------------------


def analyze_products():
    """Current planner statistics, as autovacuum keeps them on a real table.

    PostgreSQL's estimate decides whether a count is needed at all; stale
    statistics left by earlier tests could make it skip one.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE shopcore_product")


def test_count_is_exact_up_to_the_threshold(api_client, products, settings):
    settings.SHOPCORE = {"EXACT_COUNT_THRESHOLD": 5}
    analyze_products()

    body = api_client.get(PRODUCTS, {"page_size": 2}).json()

    assert (body["count"], body["count_exact"]) == (5, True)


def test_count_beyond_the_threshold_is_flagged_as_not_exact(api_client, products, settings):
    settings.SHOPCORE = {"EXACT_COUNT_THRESHOLD": 3}

    body = api_client.get(PRODUCTS, {"page_size": 2}).json()
    last_page = api_client.get(PRODUCTS, {"page_size": 2, "page": 3}).json()

    assert body["count_exact"] is False
    assert body["count"] >= 4
    # The last page knows how many rows there are without counting.
    assert (last_page["count"], last_page["count_exact"]) == (5, True)


def test_last_page_needs_an_exact_count(api_client, products, settings):
    settings.SHOPCORE = {"EXACT_COUNT_THRESHOLD": 3}

    response = api_client.get(PRODUCTS, {"page": "last"})

    assert response.status_code == 400
    assert "page" in response.json()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimates")
@pytest.mark.parametrize(("timeout", "queries"), [(60, 1), (0, 2)])
def test_large_estimates_are_reused(
    api_client, settings, django_assert_num_queries, timeout, queries
):
    ProductFactory.create_batch(30, category=CategoryFactory())
    settings.SHOPCORE = {"EXACT_COUNT_THRESHOLD": 2, "COUNT_ESTIMATE_TIMEOUT": timeout}
    analyze_products()
    first = api_client.get(PRODUCTS, {"page_size": 2}).json()

    with django_assert_num_queries(queries):  # the page, and the estimate unless reused
        again = api_client.get(PRODUCTS, {"page_size": 2}).json()

    assert (again["count"], again["count_exact"]) == (first["count"], False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimates")
@pytest.mark.parametrize(("timeout", "queries"), [(60, 1), (0, 2)])
def test_counts_past_the_cap_are_reused_as_estimates(
    api_client, settings, django_assert_num_queries, timeout, queries
):
    ProductFactory.create_batch(30, category=CategoryFactory())
    settings.SHOPCORE = {"EXACT_COUNT_THRESHOLD": 10, "COUNT_ESTIMATE_TIMEOUT": timeout}
    analyze_products()  # an estimate of 30, small enough to count (up to 11)
    first = api_client.get(PRODUCTS, {"page_size": 2}).json()

    with django_assert_num_queries(queries):  # the page, and the count unless reused
        again = api_client.get(PRODUCTS, {"page_size": 2}).json()

    assert first["count_exact"] is False
    assert (again["count"], again["count_exact"]) == (first["count"], False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimates")
def test_exact_counts_are_never_reused(api_client, products, django_assert_num_queries):
    analyze_products()
    api_client.get(PRODUCTS, {"page_size": 2})
    ProductFactory()

    with django_assert_num_queries(2):
        body = api_client.get(PRODUCTS, {"page_size": 2}).json()

    assert (body["count"], body["count_exact"]) == (6, True)


def test_remembered_estimates_expire_and_stay_bounded(monkeypatch):
    memo = EstimateMemo()
    now = [100.0]
    monkeypatch.setattr("django_shopcore.core.counting.time.monotonic", lambda: now[0])
    memo.set("a", 5000, timeout=60)
    memo.set("b", 7000, timeout=0)

    assert (memo.get("a"), memo.get("b")) == (5000, None)
    now[0] += 61
    assert memo.get("a") is None

    for key in range(memo.max_entries + 1):
        memo.set(key, key, timeout=60)
    assert len(memo.entries) <= memo.max_entries


# --- Cursors -----------------------------------------------------------------


def walk(client, url, params=None, direction="next"):
    """Every page from ``url`` following ``direction`` links: [(ids, body), ...]."""
    pages = []
    body = client.get(url, params).json()
    while True:
        pages.append(([row["id"] for row in body["results"]], body))
        if body[direction] is None:
            return pages
        body = client.get(body[direction]).json()


@pytest.fixture
def many_products():
    category = CategoryFactory()
    # Equal prices and creation times in runs, so the id tie-breaker matters.
    products = ProductFactory.create_batch(23, category=category)
    for index, product in enumerate(products):
        product.price = Decimal(index // 4)
        product.save(update_fields=["price"])
    return products


@pytest.mark.parametrize("ordering", [None, "price", "-price", "created_at", "name", "-name"])
def test_deep_pages_switch_to_a_cursor_and_keep_the_order(
    api_client, many_products, settings, ordering
):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 6}
    params = {"page_size": 3, **({"ordering": ordering} if ordering else {})}
    expected = [
        row["id"]
        for row in api_client.get(PRODUCTS, {**params, "page_size": 100}).json()["results"]
    ]

    pages = walk(api_client, PRODUCTS, params)

    assert [row_id for ids, _body in pages for row_id in ids] == expected
    assert query(pages[0][1]["next"])["page"] == "2"
    # Page 2 ends at the depth: its next link carries a cursor, not a page number.
    cursor_link = query(pages[1][1]["next"])
    assert "page" not in cursor_link
    assert cursor_link["cursor"]
    assert all(body["count"] == 23 for _ids, body in pages)


def test_previous_links_of_cursor_pages_walk_back(api_client, many_products, settings):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 3}
    forward = walk(api_client, PRODUCTS, {"page_size": 3, "ordering": "-price"})

    backward = walk(api_client, forward[-1][1]["previous"], direction="previous")

    # Back to the first page, with the same page boundaries.
    assert [ids for ids, _body in reversed(backward)] == [ids for ids, _body in forward[:-1]]


def test_cursor_pages_are_stable_when_rows_are_added_before(api_client, many_products, settings):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 3}
    first = api_client.get(PRODUCTS, {"page_size": 3, "ordering": "-price"}).json()
    second = api_client.get(first["next"]).json()
    ProductFactory(category=many_products[0].category, price=Decimal("100"))

    again = api_client.get(first["next"]).json()

    assert again["results"] == second["results"]


def test_cursor_page_queries(api_client, many_products, settings, django_assert_num_queries):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 3, "EXACT_COUNT_THRESHOLD": 5}
    with django_assert_num_queries(2):  # the page, the capped count
        link = api_client.get(PRODUCTS, {"page_size": 3}).json()["next"]

    # The page (an index range). The count reached the cap: PostgreSQL's count
    # query remembers it as an estimate; elsewhere the capped count runs again.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        body = api_client.get(link).json()

    assert len(body["results"]) == 3
    assert body["count_exact"] is False


@pytest.mark.parametrize("value", ["garbage", "", "a:b:c", "eyJvIjpbXX0:1abc:sig"])
def test_malformed_cursor_is_400_naming_it(api_client, many_products, value):
    response = api_client.get(PRODUCTS, {"cursor": value})

    assert response.status_code == 400
    assert "cursor" in response.json()


def test_tampered_cursor_is_400(api_client, many_products, settings):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 3}
    cursor = query(api_client.get(PRODUCTS, {"page_size": 3}).json()["next"])["cursor"]
    tampered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]

    response = api_client.get(PRODUCTS, {"cursor": tampered})

    assert response.status_code == 400
    assert "cursor" in response.json()


def test_cursor_of_another_ordering_is_400(api_client, many_products, settings):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 3}
    link = api_client.get(PRODUCTS, {"page_size": 3, "ordering": "price"}).json()["next"]
    cursor = query(link)["cursor"]

    response = api_client.get(PRODUCTS, {"cursor": cursor, "ordering": "name"})

    assert response.status_code == 400
    assert "cursor" in response.json()


def test_categories_page_by_cursor_too(api_client, settings):
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 2}
    CategoryFactory.create_batch(5)

    pages = walk(api_client, "/api/categories/", {"page_size": 2})

    names = [row["id"] for _ids, body in pages for row in body["results"]]
    assert len(names) == len(set(names)) == 5


def test_a_known_count_is_taken_instead_of_counting(products, django_assert_num_queries):
    request = Request(APIRequestFactory().get(PRODUCTS, {"page_size": 2}))
    paginator = CatalogPagination()

    with django_assert_num_queries(1):  # the page only
        rows = paginator.paginate_queryset(
            Product.objects.order_by("id"), request, known_count=RowCount(1234, False)
        )
        assert paginator.get_count() == RowCount(1234, False)

    assert len(rows) == 2


@pytest.mark.parametrize(
    ("ordering", "row_compared"),
    [(["-created_at", "-id"], True), (["price", "id"], True), (["-name", "price", "id"], False)],
)
def test_a_cursor_in_one_direction_is_one_row_comparison(ordering, row_compared):
    from django_shopcore.catalog.keysets import Keyset
    from django_shopcore.catalog.models import Product

    queryset = Product.objects.order_by(*ordering)
    keyset = Keyset.of(queryset)
    position = keyset.parse_position(
        [
            "2026-01-01T00:00:00+00:00" if name == "created_at" else "1"
            for name, _ in keyset.ordering
        ]
    )

    sql = str(queryset.filter(keyset.beyond(position)).query)

    assert (") < (" in sql or ") > (" in sql) is row_compared
