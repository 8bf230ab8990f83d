"""Several keywords searched as one condition: the same matches as one condition per keyword,
on every database, and PostgreSQL's stored words, kept by every kind of product write."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from django_shopcore.catalog import search_words
from django_shopcore.catalog.models import Product
from django_shopcore.catalog.search import search_condition
from django_shopcore.catalog.search_words import keyword_conditions, prefix_words

from ..factories import CategoryFactory
from .test_filters import PRODUCTS, ids, make

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's stored words"
)


@pytest.fixture
def catalog():
    """Products that each keyword of ``SEARCHES`` matches in one way or another."""
    rows = [
        ("Black Copper Kettle", ""),
        ("Kettle", "black copper"),
        ("Jetblack Kettle", "copper"),  # black only inside a name's word
        ("Coppery Kettle", "blackish"),  # both as longer words
        ("Copper Kettle", "blacken"),  # stemmed: blacken -> black
        ("Running Shoe", "copper laces"),  # runni: a prefix the stem (run) is shorter than
        ("The Kettle", "copper"),  # the: a stop word, found in names only
        ("Copper", "white"),
        ("Black", "steel"),
        ("Other", "nothing"),
    ]
    return [make(name=name, description=description) for name, description in rows]


SEARCHES = [
    "black copper",
    "copper black",
    "copper jetblack",
    "blac copp",
    "runni copper",
    "the copper",
    "kettle black copper",
    "black black",
    "copper zzz",
    "ketl black",
]


def one_condition_per_keyword(search):
    """What a search matched before its keywords were combined."""
    matching = Product.objects.all()
    for token in search.split():
        matching = matching.filter(search_condition(token, connection.vendor))
    return set(matching.values_list("pk", flat=True))


@pytest.mark.parametrize("max_words", [32, 1])
@pytest.mark.parametrize("search", SEARCHES)
def test_combined_keywords_match_what_each_keyword_matches(
    api_client, catalog, monkeypatch, search, max_words
):
    monkeypatch.setattr(search_words, "MAX_WORDS", max_words)

    found = ids(api_client.get(PRODUCTS, {"search": search, "page_size": 50}))

    assert set(found) == one_condition_per_keyword(search)
    assert len(found) == len(set(found))


def test_the_known_combinations_match_on_every_database(api_client, catalog):
    by_name = {product.pk: product.name for product in catalog}

    def names(search):
        return sorted(by_name[pk] for pk in ids(api_client.get(PRODUCTS, {"search": search})))

    assert names("black copper") == sorted(
        ["Black Copper Kettle", "Copper Kettle", "Coppery Kettle", "Jetblack Kettle", "Kettle"]
    )
    assert names("runni copper") == ["Running Shoe"]
    assert names("the copper") == ["The Kettle"]


@postgresql_only
def test_a_prefix_is_the_stored_words_it_starts(catalog):
    words = prefix_words(["copper", "blacke", "blacki", "zzz", "the", "jetblack"], "default")

    assert words["copper"] == ["copper", "copperi"]
    # The keyword's stem is the prefix, as in its prefix query.
    assert words["blacke"] == ["black", "blacken", "blackish"]
    assert words["blacki"] == ["blackish"]
    assert words["zzz"] == []
    # A stop word's query is no prefix at all: left as it is.
    assert words["the"] is None
    assert words["jetblack"] == ["jetblack"]


@postgresql_only
def test_a_prefix_of_too_many_words_stays_a_prefix(catalog, monkeypatch):
    monkeypatch.setattr(search_words, "MAX_WORDS", 1)

    words = prefix_words(["copp", "blacki"], "default")

    assert words == {"copp": None, "blacki": ["blackish"]}
    # The keyword with a prefix left is a condition of its own.
    assert len(keyword_conditions(["copp", "blacki", "kettl"], "default")) == 2


@postgresql_only
def test_keywords_with_known_words_are_one_index_condition(api_client, catalog):
    with CaptureQueriesContext(connection) as queries:
        api_client.get(PRODUCTS, {"search": "black copper"})

    collect = next(query["sql"] for query in queries if "shopcore_count_estimate" in query["sql"])
    words = "'(''black'' | ''blacken'' | ''blackish'') & (''copper'' | ''copperi'')'"
    assert f"@@ {words}::tsquery" in collect
    # No keyword is a prefix query any more (PostgreSQL reads a prefix's rows in full).
    assert ":*" not in collect


@postgresql_only
def test_a_substring_of_the_name_and_a_word_are_read_from_one_index(catalog):
    # Each way to match is one scan of shopcore_product_search_name (migration 0012): no row
    # of a name holding COPPER is read from the table only to find it lacks black.
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("SET LOCAL enable_seqscan TO off")
        cursor.execute(
            "EXPLAIN SELECT id FROM shopcore_product WHERE UPPER(name::text) LIKE %s "
            "AND search_vector @@ 'black'::tsquery",
            ["%COPPER%"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Bitmap Index Scan on shopcore_product_search_name" in plan
    condition = plan.split("Index Cond: ")[1].splitlines()[0]
    assert "'%COPPER%'" in condition
    assert "search_vector @@" in condition
    assert "Filter" not in plan


def stored(word):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM shopcore_search_word WHERE word = %s", [word])
        return cursor.fetchone()[0] > 0


@postgresql_only
def test_every_write_stores_the_new_words(api_client):
    category = CategoryFactory()
    created = make(name="Zircon Ring", description="quartzite")
    Product.objects.bulk_create(
        [
            Product(name="Basalt Bowl", slug="basalt", category=category, price=1, stock=1),
            Product(name="Gneiss Tile", slug="gneiss", category=category, price=1, stock=1),
        ]
    )
    created.description = "obsidian"
    created.save()
    Product.objects.filter(slug="basalt").update(description="feldspar")
    Product.objects.filter(slug="gneiss").update(stock=3)  # no new word: nothing to store

    assert all(stored(word) for word in ["zircon", "quartzit", "basalt", "gneiss"])
    assert stored("obsidian") and stored("feldspar")
    assert ids(api_client.get(PRODUCTS, {"search": "obsid ring"})) == [created.pk]
    assert len(ids(api_client.get(PRODUCTS, {"search": "felds bowl"}))) == 1


@postgresql_only
def test_the_update_trigger_runs_only_when_the_text_changes():
    product = make(name="Garnet", description="red")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM shopcore_search_word WHERE word = 'garnet'")

    Product.objects.filter(pk=product.pk).update(stock=9, price=2)
    assert not stored("garnet")
    Product.objects.filter(pk=product.pk).update(name="Garnet")  # the same text
    assert not stored("garnet")
    Product.objects.filter(pk=product.pk).update(name="Garnets")  # the same word, stemmed
    assert not stored("garnet")
    Product.objects.filter(pk=product.pk).update(name="Garnet Ring")
    assert stored("garnet")
