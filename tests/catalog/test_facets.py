"""``facets=true`` on the product list: shape, disjunctive counts, sources, queries, errors."""

import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_shopcore.catalog.checks import check_facet_settings
from django_shopcore.catalog.facet_index import rebuild_facets

from ..factories import CategoryFactory, ProductFactory, VariantFactory
from .facet_oracle import PRODUCTS, counts_of, facets_by_asking

pytestmark = pytest.mark.django_db

SMALL_EDGES = ["0", "10", "20", "50"]


@pytest.fixture(autouse=True)
def small_buckets(settings):
    settings.SHOPCORE = {**settings.SHOPCORE, "FACET_PRICE_EDGES": SMALL_EDGES}


def shirt(category, name, variants, **fields):
    """A product whose variants are ``(options, price, stock[, is_active])``; no default one."""
    product = ProductFactory(category=category, name=name, description="", **fields)
    default = product.variants.get()
    for index, (options, price, stock, *active) in enumerate(variants):
        VariantFactory(
            product=product,
            sku=f"{product.slug}-{index}",
            options=options,
            price=Decimal(price),
            stock=stock,
            is_active=active[0] if active else True,
        )
    default.delete()
    from django_shopcore.catalog.variants import refresh_product_totals

    refresh_product_totals([product.pk])
    product.refresh_from_db()
    return product


@pytest.fixture
def catalog():
    """Clothes > (Shirts > Polo, Trousers), Garden; variants in sizes and colours."""
    clothes = CategoryFactory(name="Clothes", slug="clothes")
    shirts = CategoryFactory(name="Shirts", slug="shirts", parent=clothes)
    polo = CategoryFactory(name="Polo", slug="polo", parent=shirts)
    trousers = CategoryFactory(name="Trousers", slug="trousers", parent=clothes)
    garden = CategoryFactory(name="Garden", slug="garden")
    products = {
        "red tee": shirt(
            shirts,
            "red tee",
            [
                ({"size": "M", "colour": "red"}, "5.00", 3),
                ({"size": "L", "colour": "red"}, "6", 0),
            ],
        ),
        "blue polo": shirt(
            polo,
            "blue polo",
            [
                ({"size": "M", "colour": "blue"}, "15", 2),
                ({"size": "L", "colour": "red"}, "25", 1),
            ],
        ),
        "jeans": shirt(trousers, "blue jeans", [({"size": "L", "colour": "blue"}, "45", 0)]),
        "chinos": shirt(
            trousers,
            "beige chinos",
            [({"size": "S", "colour": "beige"}, "55", 4), ({"size": "M"}, "60", 1, False)],
        ),
        "spade": ProductFactory(
            category=garden, name="steel spade", description="", price=Decimal("12.00")
        ),
        "hidden": ProductFactory(
            category=garden,
            name="hidden rake",
            description="",
            price=Decimal("8.00"),
            is_active=False,
        ),
    }
    return {
        "clothes": clothes,
        "shirts": shirts,
        "polo": polo,
        "trousers": trousers,
        "garden": garden,
        **products,
    }


def facets_of(client, params=None):
    response = client.get(PRODUCTS, {**(params or {}), "facets": "true"})
    assert response.status_code == 200, response.content
    return response.json()["facets"]


def test_the_whole_catalog(api_client, catalog):
    facets = facets_of(api_client)

    assert facets["category"] == [
        {"id": catalog["clothes"].pk, "name": "Clothes", "slug": "clothes", "count": 4},
        {"id": catalog["garden"].pk, "name": "Garden", "slug": "garden", "count": 1},
    ]
    assert facets["price"] == [
        {"min": "0.00", "max": "10.00", "count": 1},
        {"min": "10.00", "max": "20.00", "count": 2},
        {"min": "20.00", "max": "50.00", "count": 1},
        {"min": "50.00", "max": None, "count": 1},
    ]
    # The inactive variant's M does not count; most products first, then by value.
    assert facets["options"] == {
        "colour": [
            {"value": "blue", "count": 2},
            {"value": "red", "count": 2},
            {"value": "beige", "count": 1},
        ],
        "size": [
            {"value": "L", "count": 3},
            {"value": "M", "count": 2},
            {"value": "S", "count": 1},
        ],
    }
    assert facets["exact"] is True


def test_the_category_facet_lists_the_children_with_their_subtrees(api_client, catalog):
    facets = facets_of(api_client, {"category": "clothes"})

    assert [(row["slug"], row["count"]) for row in facets["category"]] == [
        ("shirts", 2),  # one in Shirts, one in Polo below it
        ("trousers", 2),
    ]
    assert sum(row["count"] for row in facets["price"]) == 4
    # A leaf has no children; an empty children list is still a list.
    assert facets_of(api_client, {"category": catalog["polo"].pk})["category"] == []


def test_an_option_filter_does_not_narrow_its_own_name(api_client, catalog):
    facets = facets_of(api_client, {"option": "size:M"})

    # Every size still shows: choosing L would give 3 products.
    assert counts_of(facets)["options"]["size"] == [3, 2, 1]
    # A colour counts products with a variant in size M *and* that colour.
    assert facets["options"]["colour"] == [
        {"value": "blue", "count": 1},
        {"value": "red", "count": 1},
    ]
    assert sum(row["count"] for row in facets["category"]) == 2


def test_a_price_range_does_not_narrow_the_price_buckets(api_client, catalog):
    everything = facets_of(api_client)
    ranged = facets_of(api_client, {"min_price": "10", "max_price": "30"})

    assert ranged["price"] == everything["price"]
    assert [row["count"] for row in ranged["category"]] == [1, 1]
    assert ranged["options"]["size"] == [
        {"value": "L", "count": 1},
        {"value": "M", "count": 1},
    ]


def test_in_stock_and_search_narrow_every_facet(api_client, catalog):
    facets = facets_of(api_client, {"in_stock": "true", "search": "blue"})

    # blue jeans has no stock: only the polo is left.
    assert [row["count"] for row in facets["category"]] == [1, 0]
    assert sum(row["count"] for row in facets["price"]) == 1
    assert facets["options"]["colour"] == [
        {"value": "blue", "count": 1},
        {"value": "red", "count": 1},
    ]


def test_a_search_counts_what_the_option_filter_leaves(api_client, catalog):
    """The option filter runs before the search, which counts the matches it leaves."""
    catalog["blue polo"].description = "with red stitches"
    catalog["blue polo"].save()

    body = api_client.get(PRODUCTS, {"search": "red", "option": "colour:blue"}).json()

    assert [row["name"] for row in body["results"]] == ["blue polo"]
    assert body["count"] == 1


def test_inactive_products_count_for_admins_only(api_client, admin_client, catalog):
    assert facets_of(api_client)["category"][1]["count"] == 1
    assert facets_of(admin_client)["category"][1]["count"] == 2
    assert facets_of(admin_client, {"is_active": "false"})["category"][1]["count"] == 1
    assert facets_of(admin_client, {"is_active": "false"})["category"][0]["count"] == 0
    # For others is_active=false can only match nothing.
    assert [row["count"] for row in facets_of(api_client, {"is_active": "false"})["category"]] == [
        0,
        0,
    ]


FILTERS = {
    "category": st.sampled_from(["clothes", "shirts", "trousers", "garden", "polo"]),
    "min_price": st.sampled_from(["5", "10", "15.00"]),
    "max_price": st.sampled_from(["20", "45.00", "60"]),
    "in_stock": st.sampled_from(["true", "false"]),
    "search": st.sampled_from(["blue", "red", "steel", "tee blue"]),
    "option": st.lists(
        st.sampled_from(["size:M", "size:L", "size:S", "colour:red", "colour:blue"]),
        min_size=1,
        max_size=3,
    ),
}


@st.composite
def request_filters(draw):
    chosen = draw(st.sets(st.sampled_from(sorted(FILTERS)), max_size=4))
    return {name: draw(FILTERS[name]) for name in sorted(chosen)}


def test_every_count_is_what_choosing_it_would_list(api_client, admin_client, catalog):
    """Disjunctive semantics on any filter combination: each count equals the count of the
    list that picks that category, bucket or value instead (admins see inactive rows too)."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(params=request_filters(), admin=st.booleans())
    def check(params, admin):
        client = admin_client if admin else api_client
        facets, asked = facets_by_asking(client, params)
        assert counts_of(facets) == asked
        assert facets["exact"] is True

    check()


def test_without_facets_true_the_page_has_no_facets_and_no_extra_query(
    api_client, catalog, django_assert_num_queries
):
    api_client.get(PRODUCTS, {"category": "clothes"})  # the subtree's ids are now cached
    for value in (None, "", "false"):
        params = (
            {"category": "clothes"} if value is None else {"category": "clothes", "facets": value}
        )
        with django_assert_num_queries(1):  # the page holds every row: no count
            body = api_client.get(PRODUCTS, params).json()
        assert "facets" not in body


@pytest.mark.parametrize("value", ["yes", "1", "TRUE", "true "])
def test_a_bad_facets_value_is_a_400_naming_it(api_client, value, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get(PRODUCTS, {"facets": value})
    assert response.status_code == 400
    assert list(response.json()) == ["facets"]


def test_facets_given_twice_is_a_400(api_client):
    response = api_client.get(f"{PRODUCTS}?facets=true&facets=true")
    assert response.status_code == 400
    assert list(response.json()) == ["facets"]


def products_in(category, count):
    for index in range(count):
        shirt(
            category,
            f"shirt {index}",
            [({"size": "S", "colour": ["red", "blue"][index % 2]}, f"{5 + index}.00", index % 2)],
        )


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # The page, the count (unless the page holds every row); the maintained
        # counts, the category's children.
        ({}, 4),
        ({"in_stock": "true"}, 4),
        # The same, after the subtree's ids (cached by the list's own filter).
        ({"category": "cat"}, 4),
        # An exact count: the page, the count; the states' categories and
        # buckets, the other option values per variant; the sizes without the
        # size filter (maintained counts); the children.
        ({"option": "size:S"}, 6),
        # The states' categories and options; the buckets without the range
        # (maintained counts); the children.
        ({"min_price": "1"}, 5),
    ],
)
def test_facet_query_counts_do_not_grow_with_the_page(
    api_client, django_assert_num_queries, rows, params, queries
):
    category = CategoryFactory(slug="cat")
    products_in(category, rows)
    params = {**params, "facets": "true", "page_size": 10}
    api_client.get(PRODUCTS, params)  # caches the subtree ids
    expected = queries - (rows <= 10)  # a page holding every row needs no count

    with django_assert_num_queries(expected):
        response = api_client.get(PRODUCTS, params)

    assert response.status_code == 200
    assert response.json()["facets"]["exact"] is True


@pytest.mark.parametrize("rows", [1, 30])
def test_facets_of_a_search_count_over_its_matches(api_client, django_assert_num_queries, rows):
    products_in(CategoryFactory(), rows)
    params = {"search": "shirt", "option": "size:S", "facets": "true", "page_size": 10}

    # The search's matches (counted on the way), the page; the matches'
    # states, their other options per variant; the matches without the size
    # filter, their states' sizes; the children.
    with django_assert_num_queries(7):
        facets = api_client.get(PRODUCTS, params).json()["facets"]

    assert facets["category"][0]["count"] == rows
    assert facets["exact"] is True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sample is PostgreSQL's")
def test_beyond_the_exact_threshold_facets_are_estimated_and_say_so(api_client, settings):
    settings.SHOPCORE = {**settings.SHOPCORE, "EXACT_COUNT_THRESHOLD": 5}
    category = CategoryFactory(slug="cat")
    products_in(category, 40)

    facets = facets_of(api_client, {"min_price": "10"})

    assert facets["exact"] is False
    # Estimates are whole numbers; the price buckets ignore the range and stay exact.
    assert all(isinstance(row["count"], int) for row in facets["category"])
    assert [row["count"] for row in facets["price"]] == [5, 10, 25, 0]


def test_on_other_databases_large_sets_are_counted_exactly(api_client, settings):
    settings.SHOPCORE = {**settings.SHOPCORE, "EXACT_COUNT_THRESHOLD": 5}
    category = CategoryFactory(slug="cat")
    products_in(category, 12)

    facets = facets_of(api_client, {"min_price": "10"})

    if connection.vendor != "postgresql":
        assert facets["exact"] is True
        assert facets["category"][0]["count"] == 7


def test_counts_made_with_other_price_edges_are_not_used(api_client, catalog, settings, caplog):
    settings.SHOPCORE = {**settings.SHOPCORE, "FACET_PRICE_EDGES": ["0", "30"]}

    with caplog.at_level(logging.WARNING, logger="django_shopcore.catalog.facets"):
        facets = facets_of(api_client)

    assert [row["count"] for row in facets["price"]] == [3, 2]
    assert "shopcore_rebuild_facets" in caplog.text
    rebuild_facets()
    caplog.clear()
    assert [row["count"] for row in facets_of(api_client)["price"]] == [3, 2]
    assert not caplog.text


@pytest.mark.parametrize(
    "edges", [["0", "10"], [0, 5, 10.5], ("0", "0.01", "99999999.99"), ["0.00"], SMALL_EDGES]
)
def test_price_edges_from_zero_up_pass_the_check(settings, edges):
    settings.SHOPCORE = {"FACET_PRICE_EDGES": edges}
    assert check_facet_settings(None) == []


@pytest.mark.parametrize(
    "edges",
    [
        [],
        ["10", "20"],
        ["0", "20", "10"],
        ["0", "0"],
        ["0", "1.001"],
        ["0", "abc"],
        "0,10",
        ["0", True],
        ["0", "NaN"],
        ["0", "100000000"],
        None,
    ],
)
def test_e001_bad_price_edges_are_named(settings, edges):
    settings.SHOPCORE = {"FACET_PRICE_EDGES": edges}
    (error,) = check_facet_settings(None)
    assert error.id == "shopcore_catalog.E001"
    assert repr(edges) in error.msg


@pytest.mark.parametrize("rows", [0, -1, "100", 1.5, True, None])
def test_e002_a_bad_sample_size_is_named(settings, rows):
    settings.SHOPCORE = {"FACET_SAMPLE_ROWS": rows}
    (error,) = check_facet_settings(None)
    assert error.id == "shopcore_catalog.E002"


def test_the_default_facet_settings_pass(settings):
    settings.SHOPCORE = {}
    assert check_facet_settings(None) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sample is PostgreSQL's")
@pytest.mark.parametrize(
    "params",
    [
        {"search": "shirt"},
        {"search": "shirt", "option": "size:S", "min_price": "10"},
        {"option": ["size:S", "colour:red"], "max_price": "30", "in_stock": "true"},
    ],
)
def test_estimates_apply_every_filter_to_the_sample(api_client, settings, params):
    settings.SHOPCORE = {
        **settings.SHOPCORE,
        "EXACT_COUNT_THRESHOLD": 5,
        "SEARCH_CANDIDATES": 5,
    }
    products_in(CategoryFactory(slug="cat"), 40)

    facets = facets_of(api_client, params)

    assert facets["exact"] is False
    assert set(facets) == {"category", "price", "options", "exact"}
    assert all(row["count"] >= 0 for row in facets["price"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sample is PostgreSQL's")
def test_a_search_filters_the_sample_scan_itself(api_client, settings):
    # No facet drops the search: it filters the scan (where the states' search
    # indexes serve it) instead of being a column every facet's count tests.
    settings.SHOPCORE = {**settings.SHOPCORE, "EXACT_COUNT_THRESHOLD": 5, "SEARCH_CANDIDATES": 5}
    products_in(CategoryFactory(slug="cat"), 40)

    with CaptureQueriesContext(connection) as queries:
        facets = facets_of(api_client, {"search": "shirt", "min_price": "10"})

    (scan,) = [query["sql"] for query in queries.captured_queries if "sample_key" in query["sql"]]
    assert "f_search" not in scan
    assert "f_price" in scan
    assert "search_vector @@" in scan.split(" FROM ", 1)[1]
    assert facets["exact"] is False
