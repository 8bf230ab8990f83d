"""PostgreSQL only (no-op elsewhere): ``shopcore_search_word``, every word of every product's
``search_vector``, kept in each product write's own transaction by triggers.

A keyword is a prefix query (``black:*``), and a prefix cannot take part in the
search index's fast intersection of two words: PostgreSQL gathers every row of
every word the prefix starts into a bitmap first (25 ms for a word in 16% of 1M
products). A search of several keywords therefore asks this table which words
each prefix starts, and searches for those exact words together (search.py).
It only ever grows: a word no product holds any more costs a lookup that finds
nothing, while a word missing from it would lose matches. Words are inserted
without a unique index, so concurrent writes never wait for each other over a
new word; a duplicate is harmless. Filling it reads every product once (about
4 s at 1M products).
"""

from django.db import migrations

FORWARD_SQL = [
    'CREATE TABLE shopcore_search_word (word text COLLATE "C" NOT NULL)',
    # "C": words sort by code point, so a prefix's words follow it in the index.
    "CREATE INDEX shopcore_search_word_word ON shopcore_search_word (word)",
    # Inserts, bulk ones included (bulk_create, COPY): one statement, one lookup per new word.
    """
    CREATE FUNCTION shopcore_search_words_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO shopcore_search_word (word)
        SELECT DISTINCT added.word
        FROM inserted_products, unnest(tsvector_to_array(inserted_products.search_vector))
            AS added (word)
        WHERE NOT EXISTS (SELECT FROM shopcore_search_word known WHERE known.word = added.word);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER shopcore_search_words_inserted AFTER INSERT ON shopcore_product
    REFERENCING NEW TABLE AS inserted_products
    FOR EACH STATEMENT EXECUTE FUNCTION shopcore_search_words_inserted()
    """,
    """
    CREATE FUNCTION shopcore_search_words_updated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO shopcore_search_word (word)
        SELECT DISTINCT added.word
        FROM unnest(tsvector_to_array(NEW.search_vector)) AS added (word)
        WHERE NOT EXISTS (SELECT FROM shopcore_search_word known WHERE known.word = added.word);
        RETURN NULL;
    END
    $$
    """,
    # Per row, and only when the text changed: a stock or price update calls nothing.
    """
    CREATE TRIGGER shopcore_search_words_updated AFTER UPDATE OF name, description
    ON shopcore_product FOR EACH ROW
    WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector)
    EXECUTE FUNCTION shopcore_search_words_updated()
    """,
    """
    INSERT INTO shopcore_search_word (word)
    SELECT DISTINCT unnest(tsvector_to_array(search_vector)) FROM shopcore_product
    """,
    "ANALYZE shopcore_search_word",
]

BACKWARD_SQL = [
    "DROP TRIGGER IF EXISTS shopcore_search_words_updated ON shopcore_product",
    "DROP TRIGGER IF EXISTS shopcore_search_words_inserted ON shopcore_product",
    "DROP FUNCTION IF EXISTS shopcore_search_words_updated()",
    "DROP FUNCTION IF EXISTS shopcore_search_words_inserted()",
    "DROP TABLE IF EXISTS shopcore_search_word",
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0010_product_parallel_workers"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD_SQL), run_on_postgresql(BACKWARD_SQL)),
    ]
