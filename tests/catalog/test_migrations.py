"""The catalog's migrations: existing products get their default variant from one statement;
the search indexes' options; the category count's covering index; no parallel product scans."""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from ..factories import CategoryFactory, ProductFactory

APP = "shopcore_catalog"
BEFORE = [(APP, "0002_postgresql_search_and_estimates")]
AFTER = [(APP, "0004_default_variants")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_existing_product_gets_one_default_variant():
    old_apps = migrate(BEFORE)
    try:
        Category = old_apps.get_model(APP, "Category")
        Product = old_apps.get_model(APP, "Product")
        category = Category.objects.create(name="Cups", slug="cups", path="/1/")
        for number in range(3):
            Product.objects.create(
                name=f"Cup {number}",
                slug=f"cup-{number}",
                category=category,
                price=f"{number}.50",
                stock=number,
            )

        with CaptureQueriesContext(connection) as queries:
            new_apps = migrate(AFTER)

        # One INSERT ... SELECT reads the products (SQLite also rebuilds tables).
        copies = [q["sql"] for q in queries if 'FROM "shopcore_product" AS product' in q["sql"]]
        assert len(copies) == 1 and copies[0].startswith("INSERT INTO")
        ProductVariant = new_apps.get_model(APP, "ProductVariant")
        rows = ProductVariant.objects.order_by("sku").values_list(
            "product__slug", "sku", "options", "price", "stock", "is_active"
        )
        assert [
            (slug, sku, options, str(price), stock, active)
            for slug, sku, options, price, stock, active in rows
        ] == [(f"cup-{n}", f"cup-{n}", {}, f"{n}.50", n, True) for n in range(3)]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
def test_every_search_index_keeps_a_small_pending_list():
    # Each search scans a GIN index's whole pending list: 4 MB by default.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, index.reloptions FROM pg_class index "
            "JOIN pg_am method ON method.oid = index.relam "
            "WHERE method.amname = 'gin' AND index.relname LIKE 'shopcore%%'"
        )
        options = dict(cursor.fetchall())

    assert options == {
        index: ["gin_pending_list_limit=64"]
        for index in [
            "shopcore_product_search_name",
            "shopcore_facets_search",
            "shopcore_facets_name_trgm",
        ]
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's covering indexes")
def test_a_category_count_reads_the_index_alone():
    category = CategoryFactory()
    ProductFactory.create_batch(3, category=category, price=20)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'shopcore_product_cat_count'"
        )
        (definition,) = cursor.fetchone()
        # A vacuumed table (its pages all visible) plans as a live one does, whatever ran
        # before; without sequential and bitmap scans the count reads the index, not the rows.
        cursor.execute("VACUUM ANALYZE shopcore_product")
        with transaction.atomic():
            for scan in ("seqscan", "bitmapscan"):
                cursor.execute(f"SET LOCAL enable_{scan} TO off")
            cursor.execute(
                "EXPLAIN SELECT id FROM shopcore_product "
                "WHERE is_active AND category_id = %s AND price >= 10",
                [category.pk],
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())

    assert definition.endswith("(category_id, is_active, price) INCLUDE (id)")
    assert "Index Only Scan using shopcore_product_cat_count" in plan


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's parallel workers")
def test_scans_of_the_products_run_in_one_process():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'shopcore_product'")
        (options,) = cursor.fetchone()

    assert options == ["parallel_workers=0"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's stored words")
def test_the_stored_words_start_with_every_existing_products_words():
    old_apps = migrate([(APP, "0010_product_parallel_workers")])
    try:
        Category = old_apps.get_model(APP, "Category")
        Product = old_apps.get_model(APP, "Product")
        category = Category.objects.create(name="Cups", slug="cups", path="/1/")
        Product.objects.create(
            name="Pewter Cup", slug="cup", category=category, price=1, stock=1, description="mugs"
        )

        migrate([(APP, "0011_search_words")])

        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM shopcore_search_word WHERE word IN ('cup', 'mug')")
            assert sorted(word for (word,) in cursor.fetchall()) == ["cup", "mug"]
            cursor.execute("SELECT count(*) FROM shopcore_search_word WHERE word = 'pewter'")
            assert cursor.fetchone()[0] == 1
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
