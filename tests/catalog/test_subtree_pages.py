"""Category lists: a leaf by equality, small subtrees merged per category, same rows either way."""

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_shopcore.catalog import category_filter
from django_shopcore.catalog.cache import Subtree, load_subtree
from django_shopcore.catalog.models import Product
from django_shopcore.catalog.subtree_pages import MAX_MERGED_ROWS, worth_merging
from django_shopcore.catalog.variants import save_options

from ..factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"
ORDERINGS = [None, "price", "-price", "created_at", "-created_at"]
FILTERS = [{}, {"min_price": "5", "max_price": "30"}, {"in_stock": "true"}]
START = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def tree():
    """A root with three children (one with a child, one empty), products on every
    level but the empty leaf; dates not in id order, prices with ties."""
    root = CategoryFactory()
    first, second, _empty = CategoryFactory.create_batch(3, parent=root)
    grandchild = CategoryFactory(parent=first)
    rng = random.Random(14)  # noqa: S311 (reproducible, not secret)
    for category, count in ((root, 5), (first, 12), (second, 20), (grandchild, 9)):
        for _ in range(count):
            product = ProductFactory(
                category=category,
                price=Decimal(rng.choice(["4.99", "9.99", "9.99", "25.00", "40.00"])),
                stock=rng.choice([0, 3, 8]),
                is_active=rng.random() > 0.1,
            )
            # Created in bulk: dates in any order, some of them equal.
            created_at = START + timedelta(hours=rng.randrange(30))
            Product.objects.filter(pk=product.pk).update(created_at=created_at)
    return root


@pytest.fixture(params=[False, True], ids=["walked", "merged"])
def merged(request, monkeypatch):
    """Both ways of reading a subtree's pages: the merge is forced on or off.

    On PostgreSQL a tiny test table never makes the merge worth it by itself;
    elsewhere there is no merge, and the same rows must come back.
    """
    monkeypatch.setattr(category_filter, "worth_merging", lambda subtree: request.param)
    return request.param


def expected_ids(root, ordering, params):
    rows = Product.objects.filter(category__path__startswith=root.path, is_active=True)
    if "min_price" in params:
        rows = rows.filter(price__gte=params["min_price"], price__lte=params["max_price"])
    if params.get("in_stock"):
        rows = rows.filter(stock__gt=0)
    ordering = ordering or "-created_at"
    tie_breaker = "-id" if ordering.startswith("-") else "id"
    return list(rows.order_by(ordering, tie_breaker).values_list("id", flat=True))


def walk(client, url, params, link):
    """The ids of every page from ``url`` on, following ``link`` (next or previous),
    and the last page."""
    pages = []
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.json()
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        url, params = relative(body[link]), None
    return pages, body


def relative(link):
    """A page link without its scheme and host; its query holds every parameter."""
    if link is None:
        return None
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("params", FILTERS)
def test_every_ordering_pages_through_the_subtree_in_order(
    api_client, tree, merged, settings, ordering, params
):
    # Two pages by number, then cursors: both kinds of page go through the merge.
    settings.SHOPCORE = {"MAX_PAGE_DEPTH": 14}
    query = {"category": tree.pk, "page_size": 7, **params}
    if ordering:
        query["ordering"] = ordering
    expected = expected_ids(tree, ordering, params)

    forward, last = walk(api_client, PRODUCTS, query, "next")

    assert [pk for page in forward for pk in page] == expected
    assert all(len(page) == 7 for page in forward[:-1])
    # Back from the last page along the previous links (cursors, then page numbers).
    backward, _first = walk(api_client, relative(last["previous"]), None, "previous")
    assert [pk for page in reversed(backward) for pk in page] == expected[: -len(forward[-1])]
    assert last["count"] == len(expected)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the merge is PostgreSQL's")
def test_a_merged_page_reads_each_category_in_index_order(api_client, tree, merged):
    with CaptureQueriesContext(connection) as queries:
        api_client.get(PRODUCTS, {"category": tree.pk, "ordering": "price"})

    merges = [query for query in queries.captured_queries if "CROSS JOIN LATERAL" in query["sql"]]
    assert len(merges) == merged


def test_deep_page_numbers_are_not_merged(api_client, tree, settings, monkeypatch):
    settings.SHOPCORE = {"MAX_PAGE_SIZE": 2000, "MAX_PAGE_DEPTH": 10_000}
    monkeypatch.setattr(category_filter, "worth_merging", lambda subtree: True)
    expected = expected_ids(tree, None, {})

    with CaptureQueriesContext(connection) as queries:
        body = api_client.get(PRODUCTS, {"category": tree.pk, "page_size": MAX_MERGED_ROWS}).json()

    assert [row["id"] for row in body["results"]] == expected
    assert not any("LATERAL" in query["sql"] for query in queries.captured_queries)


def test_a_leaf_is_filtered_by_equality(api_client, tree):
    leaf = CategoryFactory(parent=tree)
    product = ProductFactory(category=leaf)
    api_client.get(PRODUCTS, {"category": leaf.pk})  # the subtree is now cached

    with CaptureQueriesContext(connection) as queries:
        body = api_client.get(PRODUCTS, {"category": leaf.pk}).json()

    assert [row["id"] for row in body["results"]] == [product.pk]
    (page,) = queries.captured_queries
    assert f'"category_id" = {leaf.pk}' in page["sql"] or '"category_id" = %s' in page["sql"]
    assert "ANY" not in page["sql"] and " IN (" not in page["sql"]


@pytest.mark.parametrize("page_size", [1, 50])
@pytest.mark.parametrize("params", [{}, {"ordering": "-price", "in_stock": "true"}])
def test_a_merged_subtree_list_runs_a_constant_number_of_queries(
    api_client, tree, django_assert_num_queries, monkeypatch, page_size, params
):
    monkeypatch.setattr(category_filter, "worth_merging", lambda subtree: True)
    api_client.get(PRODUCTS, {"category": tree.pk})  # the subtree is now cached
    rows = len(expected_ids(tree, params.get("ordering"), params))

    # The page, then a count unless the page holds every row.
    with django_assert_num_queries(1 if page_size >= rows else 2):
        body = api_client.get(PRODUCTS, {"category": tree.pk, "page_size": page_size, **params})

    assert len(body.json()["results"]) == min(page_size, rows)


@pytest.mark.parametrize("params", [{"search": "copper"}, {"option": "size:M"}])
def test_a_search_or_an_option_in_a_subtree_is_never_merged(api_client, tree, monkeypatch, params):
    monkeypatch.setattr(category_filter, "worth_merging", lambda subtree: True)
    product = ProductFactory(category=tree, name="Copper kettle")
    product.variants.update(options={"size": "M"})
    save_options(product.variants.get())

    with CaptureQueriesContext(connection) as queries:
        body = api_client.get(PRODUCTS, {"category": tree.pk, **params}).json()

    assert [row["name"] for row in body["results"]] == ["Copper kettle"]
    assert not any("LATERAL" in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize(
    ("categories", "share", "merge"),
    [
        (12, 0.011, True),  # a second-level category of an imported catalog
        (90, 0.1, False),  # a root: the global index finds a page sooner
        (30, 0.02, False),
        (1, 0.001, False),  # a leaf: an equality, no merge needed
        (12, None, False),  # no estimate: not PostgreSQL
    ],
)
def test_small_subtrees_are_worth_merging(categories, share, merge):
    assert worth_merging(Subtree(list(range(1, categories + 1)), share)) is merge


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
def test_a_subtree_knows_its_share_of_the_products(tree):
    other = CategoryFactory()
    ProductFactory.create_batch(46, category=other)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Product._meta.db_table}")

    found = load_subtree(category_filter.category_reference(str(tree.pk)))

    # 46 of the 92 products are in the tree.
    assert len(found.ids) == 5
    assert 0.3 < found.share < 0.7
