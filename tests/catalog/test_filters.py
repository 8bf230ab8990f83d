"""Product list filters and orderings, alone and combined."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import django_filters
import pytest
from django.db import connection, connections
from django.db.models import Q
from django.http import QueryDict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from django_shopcore.catalog import search_words
from django_shopcore.catalog.filters import ProductFilterSet
from django_shopcore.catalog.models import Category, Product
from django_shopcore.catalog.search import (
    SearchPlan,
    Unindexed,
    part_estimates,
    search_condition,
    search_tokens,
)
from django_shopcore.core.counting import RowCount

from ..factories import CategoryFactory, ProductFactory
from .test_pagination import analyze_products

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def make(name="Thing", price="10.00", stock=5, category=None, description="", age=0):
    """A product created ``age`` days ago."""
    product = ProductFactory(
        name=name,
        price=Decimal(price),
        stock=stock,
        category=category or CategoryFactory(),
        description=description,
    )
    created_at = timezone.now() - timedelta(days=age)
    Product.objects.filter(pk=product.pk).update(created_at=created_at)
    product.created_at = created_at
    return product


@pytest.fixture
def tree():
    """electronics > computers > laptops > gaming, and a separate garden."""
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    computers = CategoryFactory(name="Computers", slug="computers", parent=electronics)
    laptops = CategoryFactory(name="Laptops", slug="laptops", parent=computers)
    gaming = CategoryFactory(name="Gaming", slug="gaming", parent=laptops)
    garden = CategoryFactory(name="Garden", slug="garden")
    return {c.slug: c for c in (electronics, computers, laptops, gaming, garden)}


# --- category ----------------------------------------------------------------


def test_category_includes_descendants_to_depth_3(api_client, tree):
    in_root = make(category=tree["electronics"])
    in_laptops = make(category=tree["laptops"])
    in_gaming = make(category=tree["gaming"])
    make(category=tree["garden"])
    ordering = {"ordering": "created_at"}

    assert set(ids(api_client.get(PRODUCTS, {"category": "electronics", **ordering}))) == {
        in_root.pk,
        in_laptops.pk,
        in_gaming.pk,
    }
    assert set(ids(api_client.get(PRODUCTS, {"category": tree["laptops"].pk}))) == {
        in_laptops.pk,
        in_gaming.pk,
    }
    assert ids(api_client.get(PRODUCTS, {"category": "gaming"})) == [in_gaming.pk]


def test_category_follows_a_moved_subtree(api_client, tree):
    in_gaming = make(category=tree["gaming"])
    tree["laptops"].parent = tree["garden"]
    tree["laptops"].save()

    assert ids(api_client.get(PRODUCTS, {"category": "garden"})) == [in_gaming.pk]
    assert ids(api_client.get(PRODUCTS, {"category": "computers"})) == []


def test_category_subtree_cache_sees_new_subcategories(api_client, tree):
    assert ids(api_client.get(PRODUCTS, {"category": "gaming"})) == []
    newer = CategoryFactory(parent=tree["gaming"])
    in_newer = make(category=newer)

    assert ids(api_client.get(PRODUCTS, {"category": "gaming"})) == [in_newer.pk]


def test_category_prefix_does_not_leak_into_sibling_ids(api_client):
    # Paths /7/ and /70/ share a textual prefix but not a tree.
    first = CategoryFactory()
    tenfold = CategoryFactory(pk=first.pk * 10)
    mine = make(category=first)
    make(category=tenfold)

    assert ids(api_client.get(PRODUCTS, {"category": first.pk})) == [mine.pk]


def test_known_category_without_products_is_an_empty_page(api_client, tree):
    response = api_client.get(PRODUCTS, {"category": "garden"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    "value", ["missing", "999999", "99999999999999999999", "\x00", "a b", "%", "_", "/1/"]
)
def test_unknown_or_malformed_category_is_400(api_client, tree, value):
    make(category=tree["garden"])

    response = api_client.get(PRODUCTS, {"category": value})

    assert response.status_code == 400
    assert "category" in response.json()


def test_unknown_category_past_the_first_page_is_still_400(api_client):
    response = api_client.get(PRODUCTS, {"category": "missing", "page": 2})

    assert response.status_code == 400
    assert "category" in response.json()


# --- price -------------------------------------------------------------------


def test_price_bounds_are_inclusive(api_client):
    cheap, mid, dear = make(price="5.00"), make(price="10.00"), make(price="20.00")
    by_price = {"ordering": "price"}

    assert ids(api_client.get(PRODUCTS, {"min_price": "10", **by_price})) == [mid.pk, dear.pk]
    assert ids(api_client.get(PRODUCTS, {"max_price": "10.00", **by_price})) == [cheap.pk, mid.pk]
    assert ids(api_client.get(PRODUCTS, {"min_price": "10", "max_price": "10"})) == [mid.pk]
    assert ids(api_client.get(PRODUCTS, {"min_price": "20.01"})) == []
    assert ids(api_client.get(PRODUCTS, {"min_price": "15", "max_price": "6"})) == []


@pytest.mark.parametrize("field", ["min_price", "max_price"])
@pytest.mark.parametrize(
    "value", ["abc", "1e999", "NaN", "Infinity", "-Infinity", "1.234", "\x00", "1,5", "0x10"]
)
def test_invalid_price_bound_is_400_naming_it(api_client, field, value):
    response = api_client.get(PRODUCTS, {field: value})

    assert response.status_code == 400
    assert field in response.json()


# --- in_stock ----------------------------------------------------------------


def test_in_stock(api_client):
    available, sold_out = make(stock=3), make(stock=0)

    assert ids(api_client.get(PRODUCTS, {"in_stock": "true"})) == [available.pk]
    assert ids(api_client.get(PRODUCTS, {"in_stock": "false"})) == [sold_out.pk]
    assert set(ids(api_client.get(PRODUCTS, {"in_stock": ""}))) == {available.pk, sold_out.pk}


@pytest.mark.parametrize("value", ["yes", "2", "TRUE!", "\x00"])
def test_invalid_in_stock_is_400(api_client, value):
    response = api_client.get(PRODUCTS, {"in_stock": value})

    assert response.status_code == 400
    assert "in_stock" in response.json()


# --- search ------------------------------------------------------------------


def test_search_tokens_are_letters_and_digits():
    assert search_tokens("  Red-lamp, x200 & 'quotes' | !:* ") == [
        "Red",
        "lamp",
        "x200",
        "quotes",
    ]
    assert search_tokens("crème_brûlée") == ["crème", "brûlée"]


def test_search_matches_name_and_description_case_insensitively(api_client):
    lamp = make(name="Desk Lamp", description="A sturdy reading light")
    chair = make(name="Office Chair", description="Ergonomic, fits any desk")
    make(name="Kettle", description="Boils water")

    assert set(ids(api_client.get(PRODUCTS, {"search": "DESK"}))) == {lamp.pk, chair.pk}
    assert ids(api_client.get(PRODUCTS, {"search": "sturdy"})) == [lamp.pk]
    assert ids(api_client.get(PRODUCTS, {"search": "lamp"})) == [lamp.pk]


def test_search_requires_every_keyword(api_client):
    lamp = make(name="Desk Lamp", description="reading light")
    make(name="Desk Chair", description="comfortable")

    assert ids(api_client.get(PRODUCTS, {"search": "desk lamp"})) == [lamp.pk]
    assert ids(api_client.get(PRODUCTS, {"search": "desk reading"})) == [lamp.pk]
    assert ids(api_client.get(PRODUCTS, {"search": "desk kettle"})) == []


def test_search_matches_part_of_a_name(api_client):
    headphones = make(name="Headphones")

    assert ids(api_client.get(PRODUCTS, {"search": "phone"})) == [headphones.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL text search")
def test_search_matches_word_forms_on_postgresql(api_client):
    lamp = make(name="Desk", description="Two lamps for reading")

    assert ids(api_client.get(PRODUCTS, {"search": "lamp read"})) == [lamp.pk]


@pytest.mark.parametrize(
    "text", ["a & b", "lamp:*", "(desk", "!", "'", "\\", "desk | lamp", "<->", "%", "_", "ü"]
)
def test_search_syntax_is_never_an_error(api_client, text):
    make(name="Desk Lamp")

    assert api_client.get(PRODUCTS, {"search": text}).status_code == 200


@pytest.mark.parametrize("text", ["%", "_", "!!!", "  -- ", "%_%", "'\"", "--- ..."])
def test_a_search_with_no_keyword_matches_nothing(api_client, django_assert_num_queries, text):
    make(name="Desk Lamp 100% cotton_shade!!!")

    with django_assert_num_queries(0):
        body = api_client.get(PRODUCTS, {"search": text}).json()

    assert body == {
        "count": 0,
        "count_exact": True,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_search_is_no_filter(api_client, text):
    products = [make(), make()]

    assert len(ids(api_client.get(PRODUCTS, {"search": text}))) == len(products)


def test_a_search_with_no_keyword_and_relevance_ordering_matches_nothing(api_client):
    make(name="Desk Lamp")

    assert ids(api_client.get(PRODUCTS, {"search": "!!!", "ordering": "relevance"})) == []


def test_a_search_with_no_keyword_still_checks_the_other_filters(api_client):
    make(name="Desk Lamp")

    response = api_client.get(PRODUCTS, {"search": "%", "category": "no-such-slug"})

    # The other filters are still checked.
    assert response.status_code == 400
    assert "category" in response.json()


def test_search_rejects_nul_and_overlong_text(api_client, settings):
    settings.SHOPCORE = {"SEARCH_MAX_LENGTH": 10}

    nul = api_client.get(PRODUCTS, {"search": "desk\x00"})
    too_long = api_client.get(PRODUCTS, {"search": "x" * 11})
    longest = api_client.get(PRODUCTS, {"search": "x" * 10})

    assert nul.status_code == 400
    assert "search" in nul.json()
    assert too_long.status_code == 400
    assert "10" in too_long.json()["search"][0]
    assert longest.status_code == 200


@pytest.mark.parametrize("ordering", ["-created_at", "price", "-price", "name"])
def test_search_orders_the_same_with_few_or_many_matches(api_client, settings, ordering):
    matches = [
        make(name=f"Lamp {index}", price=f"{index % 3}.00", age=index % 4) for index in range(7)
    ]
    make(name="Chair")
    analyze_products()
    params = {"search": "lamp", "ordering": ordering}
    settings.SHOPCORE = {"SEARCH_CANDIDATES": 100}
    few = api_client.get(PRODUCTS, params).json()
    settings.SHOPCORE = {"SEARCH_CANDIDATES": 3}
    many = api_client.get(PRODUCTS, params).json()

    assert [row["id"] for row in few["results"]] == [row["id"] for row in many["results"]]
    assert {row["id"] for row in few["results"]} == {product.pk for product in matches}
    assert (few["count"], few["count_exact"]) == (7, True)
    # Beyond the candidates, the count is a lower bound (or PostgreSQL's estimate above it).
    assert many["count_exact"] is False
    assert many["count"] >= 4


def test_relevance_puts_name_matches_first(api_client):
    in_description = make(name="Chair", description="goes with a desk lamp", age=0)
    in_name = make(name="Desk Lamp", description="bright", age=5)
    make(name="Kettle", description="boils water")
    params = {"search": "desk lamp"}

    ranked = ids(api_client.get(PRODUCTS, {**params, "ordering": "relevance"}))
    newest = ids(api_client.get(PRODUCTS, params))

    assert ranked == [in_name.pk, in_description.pk]
    assert newest == [in_description.pk, in_name.pk]


def test_relevance_without_search_is_the_default_order(api_client):
    older, newer = make(age=2), make(age=1)

    assert ids(api_client.get(PRODUCTS, {"ordering": "relevance"})) == [newer.pk, older.pk]
    # The other keys still apply (equal prices: by id).
    assert ids(api_client.get(PRODUCTS, {"ordering": "relevance,price"})) == [older.pk, newer.pk]


def test_relevance_ranks_only_the_candidates(api_client, settings):
    settings.SHOPCORE = {"SEARCH_CANDIDATES": 2}
    for _ in range(4):
        make(name="Lamp")

    body = api_client.get(PRODUCTS, {"search": "lamp", "ordering": "relevance"}).json()

    assert body["count_exact"] is False
    assert body["count"] >= 3
    assert len(body["results"]) == 3


def test_search_without_matches_runs_one_query(api_client, django_assert_num_queries):
    make(name="Desk Lamp")

    with django_assert_num_queries(1):
        body = api_client.get(PRODUCTS, {"search": "quixotic"}).json()

    assert body == {
        "count": 0,
        "count_exact": True,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL arrays")
def test_few_matches_are_read_by_primary_key(api_client):
    matches = [make(name="Desk Lamp", age=age) for age in range(3)]
    make(name="Chair")
    analyze_products()

    with CaptureQueriesContext(connection) as queries:
        found = ids(api_client.get(PRODUCTS, {"search": "lamp"}))

    assert found == [product.pk for product in matches]
    collect, page = (query["sql"] for query in queries.captured_queries)
    assert "ARRAY(SELECT" in collect
    # The page does not search again: it reads the collected keys (its own, in order).
    assert '"id" IN (' in page
    assert "search_vector" not in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's search")
def test_a_condition_unindexed_selects_what_it_does():
    in_name = make(name="Copper Kettle")
    in_description = make(name="Kettle", description="made of coppery steel")
    make(name="Kettle", description="steel")

    def found(condition):
        return set(Product.objects.filter(condition).values_list("pk", flat=True))

    condition = search_condition("copper", "postgresql")
    assert found(Unindexed(condition)) == {in_name.pk, in_description.pk}
    assert found(Unindexed(condition)) == found(condition)


@pytest.mark.parametrize(
    ("estimates", "rechecked"),
    [
        # The table, the list's other filters, then each keyword alone.
        ([1000000, 977000, 160000, 300, 20000], ["black", "copper"]),
        ([1000000, 977000, 160000, 30000, 20000], ["black"]),
        ([1000000, 977000, 160000, 400000, 450000], []),
        ([1000000, 5000, 160000, 30000, 20000], ["black", "scale"]),
        ([1000000, 82000, 160000, 1000000, 20000], ["black", "scale"]),
        ([1000000, 82000, 160000, 10000, 20000], ["black", "copper"]),
        ([0, 0, 0, 0, 0], []),
    ],
)
def test_a_keyword_far_commoner_than_the_rarest_part_is_checked_row_by_row(estimates, rechecked):
    conditions = [search_condition(token, "postgresql") for token in ["black", "scale", "copper"]]
    plan = SearchPlan(Product.objects.all(), conditions)

    rows = plan.rows(estimates)

    sql = "" if rows is None else str(rows.query)
    assert (rows is None) == (not rechecked)
    assert sql.count("IS TRUE") == len(rechecked)


@pytest.mark.parametrize(
    ("estimates", "unindexed"),
    [
        # A root category holding 82k products, a word in 1.9k: the word's rows, checked.
        ([1000000, 82000, 1900], "category"),
        # The same category with a word in 20k: both indexes are read.
        ([1000000, 82000, 20000], None),
    ],
)
def test_the_category_can_be_checked_row_by_row_too(estimates, unindexed):
    narrowing = (Product.objects.all(), Q(category_id=7))
    conditions = [search_condition("scale", "postgresql")]
    plan = SearchPlan(Product.objects.filter(narrowing[1]), conditions, narrowing)

    rows = plan.rows(estimates)

    if unindexed is None:
        assert rows is None
    else:
        sql = str(rows.query)
        assert sql.count("IS TRUE") == 1
        assert '"category_id" = 7)) IS TRUE' in sql


@pytest.mark.parametrize(
    ("tokens", "narrowed", "planned"),
    [
        # One condition may stand for several keywords (keyword_conditions()).
        (["black"], False, False),
        (["black"], True, True),
        (["black", "copper"], False, True),
    ],
)
def test_a_search_of_one_condition_is_not_planned(tokens, narrowed, planned):
    narrowing = (Product.objects.all(), Q(category_id=7)) if narrowed else None
    conditions = [search_condition(token, "postgresql") for token in tokens]

    plan = SearchPlan.of(Product.objects.all(), conditions, narrowing)

    assert (plan is not None) == planned


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_a_one_keyword_search_learns_no_part_estimates(api_client, django_assert_num_queries):
    make(name="Scale", description="black")
    analyze_products()

    with django_assert_num_queries(2):
        response = api_client.get(PRODUCTS, {"search": "scale"})

    assert response.json()["count"] == 1
    assert part_estimates.entries == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.parametrize("in_category", [False, True])
def test_a_common_keyword_is_checked_once_the_estimates_are_known(
    api_client, django_assert_num_queries, in_category, monkeypatch
):
    # Keywords whose words are too many to list stay one condition each.
    monkeypatch.setattr(search_words, "MAX_WORDS", 0)
    category = CategoryFactory()
    for index in range(20):
        make(name="Lamp", description=f"black shade {index}")
    rare = [
        make(name="Scale", description="blackish", age=age, category=category) for age in (1, 2)
    ]
    rare.append(make(name="Black scales", category=category))
    make(name="Scale", description="white", category=category)
    analyze_products()
    params = {"search": "scale black", "ordering": "price"}
    if in_category:
        params["category"] = category.slug
        api_client.get(PRODUCTS, {"category": category.slug})  # caches the subtree

    # The keywords' words, the matches (and estimates), the page.
    with django_assert_num_queries(3), CaptureQueriesContext(connection) as first:
        learning = api_client.get(PRODUCTS, params).json()
    # What the planner expects at 1M rows (a tiny table's estimates are a coin toss):
    # the table, the list (or the category), each keyword alone.
    learned = part_estimates.entries
    assert len(learned) == 4
    for key, (_, expires) in learned.items():
        if "scale" in key[2] or "black" in key[2]:
            estimate = 300 if "scale" in key[2] else 160000
        else:
            estimate = 1000000 if "WHERE" not in key[1] else 4 if in_category else 977000
        learned[key] = (estimate, expires)
    with django_assert_num_queries(3), CaptureQueriesContext(connection) as second:
        driven = api_client.get(PRODUCTS, params).json()

    assert "IS TRUE" not in first.captured_queries[1]["sql"]
    assert second.captured_queries[1]["sql"].count("IS TRUE") == (2 if in_category else 1)
    assert learning == driven
    assert {row["id"] for row in driven["results"]} == {product.pk for product in rare}
    assert (driven["count"], driven["count_exact"]) == (3, True)


def test_search_counts_once_across_pages(api_client, django_assert_num_queries):
    for _ in range(5):
        make(name="Desk Lamp")

    with django_assert_num_queries(2):  # the capped match count, the page
        body = api_client.get(PRODUCTS, {"search": "lamp", "page_size": 2, "page": 2}).json()

    assert (body["count"], body["count_exact"]) == (5, True)
    assert len(body["results"]) == 2


# --- ordering ----------------------------------------------------------------


@pytest.fixture
def ordered():
    """Ties on every sort key, so the id tie-breaker decides."""
    return [
        make(name="b", price="10.00", age=2),
        make(name="a", price="10.00", age=2),
        make(name="c", price="5.00", age=1),
        make(name="a", price="20.00", age=3),
    ]


def expected(products, key, reverse=False):
    return [p.pk for p in sorted(products, key=lambda p: (key(p), p.pk), reverse=reverse)]


@pytest.mark.parametrize(
    ("ordering", "key", "reverse"),
    [
        ("price", lambda p: p.price, False),
        ("-price", lambda p: p.price, True),
        ("created_at", lambda p: p.created_at, False),
        ("-created_at", lambda p: p.created_at, True),
        ("name", lambda p: p.name, False),
        ("-name", lambda p: p.name, True),
    ],
)
def test_ordering_with_id_tie_breaker(api_client, ordered, ordering, key, reverse):
    assert ids(api_client.get(PRODUCTS, {"ordering": ordering})) == expected(ordered, key, reverse)


def test_default_ordering_is_newest_first(api_client, ordered):
    assert ids(api_client.get(PRODUCTS)) == expected(ordered, lambda p: p.created_at, True)


def test_ordering_by_several_fields(api_client, ordered):
    response = api_client.get(PRODUCTS, {"ordering": "name,-price"})

    assert ids(response) == [p.pk for p in sorted(ordered, key=lambda p: (p.name, -p.price))]


@pytest.mark.parametrize("value", ["password", "id", "category", "\x00", "price;drop", "--price"])
def test_invalid_ordering_is_400(api_client, value):
    response = api_client.get(PRODUCTS, {"ordering": value})

    assert response.status_code == 400
    assert "ordering" in response.json()


def test_pages_never_repeat_or_skip_rows_with_ties(api_client):
    products = [make(price="1.00", age=1) for _ in range(7)]

    seen = []
    for page in (1, 2, 3):
        seen += ids(api_client.get(PRODUCTS, {"ordering": "price", "page_size": 3, "page": page}))

    assert seen == sorted(p.pk for p in products)


# --- combined ----------------------------------------------------------------


def test_all_filters_combined(api_client, tree):
    match = make(name="Gaming Laptop", price="999.00", stock=2, category=tree["gaming"])
    cheaper = make(name="Budget Laptop", price="499.00", stock=1, category=tree["laptops"])
    make(name="Laptop Sold Out", price="800.00", stock=0, category=tree["laptops"])
    make(name="Laptop Bag", price="50.00", stock=9, category=tree["garden"])
    make(name="Mouse", price="600.00", stock=9, category=tree["computers"])

    response = api_client.get(
        PRODUCTS,
        {
            "category": "computers",
            "min_price": "100",
            "max_price": "1000",
            "in_stock": "true",
            "search": "laptop",
            "ordering": "-price",
        },
    )

    assert ids(response) == [match.pk, cheaper.pk]
    assert response.json()["count"] == 2


def test_unknown_parameters_are_ignored(api_client):
    product = make()

    assert ids(api_client.get(PRODUCTS, {"colour": "red", "\x00": "\x00"})) == [product.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL arrays")
def test_a_subtree_is_one_array_parameter(api_client):
    root = CategoryFactory()
    children = CategoryFactory.create_batch(30, parent=root)
    product = make(category=children[-1])

    with CaptureQueriesContext(connection) as queries:
        assert ids(api_client.get(PRODUCTS, {"category": root.pk})) == [product.pk]

    page_query = queries.captured_queries[-1]["sql"]
    assert '"category_id" = ANY(ARRAY[' in page_query
    assert " IN (" not in page_query


# --- Per-request cost ----------------------------------------------------------


def test_each_filterset_calls_its_own_methods():
    first, second = (ProductFilterSet(QueryDict("in_stock=true")) for _ in range(2))

    for filterset in (first, second):
        proxy = filterset.filters["in_stock"].filter
        assert proxy.method == filterset.filter_in_stock
        assert filterset.filters["in_stock"] is not ProductFilterSet.base_filters["in_stock"]
    assert not hasattr(ProductFilterSet.base_filters["in_stock"], "parent")


def test_the_form_class_is_built_once_per_language():
    def form_class():
        return ProductFilterSet(QueryDict()).form.__class__

    english = form_class()
    with translation.override("fr"):
        french = form_class()

    assert form_class() is english
    assert french is not english


def test_forms_do_not_share_their_state():
    valid = ProductFilterSet(QueryDict("min_price=5"))
    invalid = ProductFilterSet(QueryDict("min_price=abc"))

    assert not invalid.is_valid()
    assert valid.is_valid()
    assert valid.form.cleaned_data["min_price"] == Decimal("5")
    assert "min_price" in invalid.errors


@pytest.mark.parametrize(
    ("candidates", "known_count"), [(100, RowCount(3, True)), (2, RowCount(3, False))]
)
def test_a_search_tells_its_count_through_the_filterset(settings, candidates, known_count):
    settings.SHOPCORE = {"SEARCH_CANDIDATES": candidates}
    for _ in range(3):
        make(name="Desk Lamp")
    make(name="Chair")
    filterset = ProductFilterSet(QueryDict("search=lamp"), queryset=Product.objects.all())

    assert filterset.known_count is None
    filterset.qs  # noqa: B018 (building it runs the search)

    if connection.vendor == "postgresql" and not known_count.exact:
        assert filterset.known_count.exact is False
    else:
        assert filterset.known_count == known_count


def test_without_a_search_the_count_is_unknown():
    make(name="Desk Lamp")
    filterset = ProductFilterSet(QueryDict("min_price=1"), queryset=Product.objects.all())

    filterset.qs  # noqa: B018

    assert filterset.known_count is None


# --- no state shared between requests ----------------------------------------


def own_categories(request):
    """A request-dependent queryset: the one category the request may pick."""
    return Category.objects.filter(pk=request.allowed_category_id)


class OwnCategoryFilterSet(ProductFilterSet):
    own_category = django_filters.ModelChoiceFilter(field_name="category", queryset=own_categories)


def request_allowed(category):
    request = RequestFactory().get(PRODUCTS)
    request.allowed_category_id = category.pk
    return request


def own_category_filterset(request, category):
    data = QueryDict(f"own_category={category.pk}&ordering=price")
    return OwnCategoryFilterSet(data, queryset=Product.objects.all(), request=request)


def test_a_callable_queryset_is_evaluated_per_request(monkeypatch):
    first, second = CategoryFactory(), CategoryFactory()
    seen = []
    filter_ = OwnCategoryFilterSet.base_filters["own_category"]
    monkeypatch.setattr(
        filter_, "queryset", lambda request: seen.append(request) or own_categories(request)
    )
    first_request, second_request = request_allowed(first), request_allowed(second)

    assert own_category_filterset(first_request, first).is_valid()
    assert own_category_filterset(second_request, second).is_valid()
    # The second request cannot pick the first one's category, nor the first the second's.
    assert not own_category_filterset(second_request, first).is_valid()
    assert not own_category_filterset(first_request, second).is_valid()
    assert seen == [first_request, second_request, second_request, first_request]


THREADS = 6
ROUNDS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_each_filter_with_their_own_request():
    categories = [CategoryFactory() for _ in range(THREADS)]
    products = [make(category=category) for category in categories]
    barrier = threading.Barrier(THREADS)

    def filter_concurrently(index):
        request, own = request_allowed(categories[index]), categories[index]
        other = categories[(index + 1) % THREADS]
        barrier.wait()
        outcomes = []
        try:
            for _ in range(ROUNDS):
                mine = own_category_filterset(request, own)
                foreign = own_category_filterset(request, other)
                outcomes.append((mine.is_valid(), [p.pk for p in mine.qs], foreign.is_valid()))
        finally:
            connections.close_all()
        return outcomes

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(filter_concurrently, range(THREADS)))

    for index, outcomes in enumerate(results):
        assert outcomes == [(True, [products[index].pk], False)] * ROUNDS


def test_filtering_leaves_the_class_filters_untouched():
    category = CategoryFactory()
    make(category=category)
    before = {
        name: dict(vars(f), extra=dict(f.extra))
        for name, f in OwnCategoryFilterSet.base_filters.items()
    }

    filterset = own_category_filterset(request_allowed(category), category)
    assert filterset.is_valid()
    list(filterset.qs)

    after = {
        name: dict(vars(f), extra=dict(f.extra))
        for name, f in OwnCategoryFilterSet.base_filters.items()
    }
    assert after == before
    assert all(
        filter_ is not filterset.filters[name]
        for name, filter_ in OwnCategoryFilterSet.base_filters.items()
    )
    # Every form has its own fields, and its own request's queryset.
    other = own_category_filterset(request_allowed(category), category)
    assert all(
        other.form.fields[name] is not field for name, field in filterset.form.fields.items()
    )


# --- slug ----------------------------------------------------------------------------


def test_slug_selects_the_one_product_with_exactly_that_slug(api_client):
    wanted = ProductFactory(slug="colombia-huila")
    ProductFactory(slug="colombia-huila-2")
    ProductFactory(slug="colombia")

    assert ids(api_client.get(PRODUCTS, {"slug": "colombia-huila"})) == [wanted.pk]
    assert ids(api_client.get(PRODUCTS, {"slug": "Colombia-Huila"})) == []
    assert ids(api_client.get(PRODUCTS, {"slug": "colombia-"})) == []


def test_slug_of_an_inactive_product_is_an_empty_page_for_the_public(api_client, admin_client):
    hidden = ProductFactory(slug="hidden", is_active=False)

    assert ids(api_client.get(PRODUCTS, {"slug": "hidden"})) == []
    assert ids(admin_client.get(PRODUCTS, {"slug": "hidden"})) == [hidden.pk]


def test_slug_combines_with_the_other_filters(api_client, tree):
    product = make(name="Gaming Laptop", category=tree["gaming"], price="999.00")

    assert ids(api_client.get(PRODUCTS, {"slug": product.slug, "category": "laptops"})) == [
        product.pk
    ]
    assert ids(api_client.get(PRODUCTS, {"slug": product.slug, "category": "garden"})) == []
    assert ids(api_client.get(PRODUCTS, {"slug": product.slug, "max_price": "10"})) == []


def test_slug_selects_the_one_category_with_exactly_that_slug(api_client, tree):
    response = api_client.get("/api/categories/", {"slug": "laptops"})

    assert ids(response) == [tree["laptops"].pk]
    assert ids(api_client.get("/api/categories/", {"slug": "lap"})) == []


def test_slug_takes_unicode_slugs(api_client):
    category = CategoryFactory(name="Café", slug="café")

    assert ids(api_client.get("/api/categories/", {"slug": "café"})) == [category.pk]


@pytest.mark.parametrize("path", [PRODUCTS, "/api/categories/"])
def test_an_empty_slug_is_no_filter(api_client, path):
    ProductFactory()

    assert len(ids(api_client.get(path, {"slug": ""}))) == 1


@pytest.mark.parametrize("path", [PRODUCTS, "/api/categories/"])
def test_a_slug_with_a_nul_character_is_a_400_naming_it(api_client, path):
    response = api_client.get(path, {"slug": "a\x00b"})

    assert response.status_code == 400
    assert "slug" in response.json()


@pytest.mark.parametrize("path", [PRODUCTS, "/api/categories/"])
def test_a_slug_list_costs_the_queries_of_any_list(api_client, django_assert_num_queries, path):
    ProductFactory(slug="only")
    api_client.get(path)  # warms the caches a list may use
    with CaptureQueriesContext(connection) as plain:
        api_client.get(path, {"page_size": 5})
    slug = "only" if path == PRODUCTS else Product.objects.get().category.slug

    with django_assert_num_queries(len(plain.captured_queries)):
        assert len(ids(api_client.get(path, {"slug": slug, "page_size": 5}))) == 1
