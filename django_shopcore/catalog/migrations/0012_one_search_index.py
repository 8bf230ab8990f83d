"""PostgreSQL only (no-op elsewhere): one GIN index over a product's name trigrams and search
vector, in place of one index for each.

A keyword matches the search vector or a substring of the name, so a search of
two keywords holds ways such as ``name LIKE '%COPPER%' AND search_vector @@
'black'``. With one index per column that way reads every name holding
``COPPER`` from the table to check ``black`` there (1,317 of 1,491 rows thrown
away for ``black copper`` at a million products), or first gathers every row
holding ``black`` (162,000): PostgreSQL intersects two indexes only after
reading each whole. A GIN index over both columns checks both in one scan,
walking the rarer entries and skipping through the common one's, so only
matches are read from the table (the query collecting the matches of ``black
copper`` went from 11 to 8.5 ms). Either column's condition alone uses it too.

The index is built without locking writes (``CONCURRENTLY``: 22-27 s at a
million products, so the migration is not atomic), before the two it replaces
are dropped. The index keeps the small pending list of migration 0008.
"""

from django.db import migrations

COMBINED = "shopcore_product_search_name"
# The indexes of migration 0002 it replaces, with their definitions, for going back.
REPLACED = {
    "shopcore_product_search": "USING gin (search_vector)",
    "shopcore_product_name_trgm": "USING gin (UPPER(name::text) gin_trgm_ops)",
}
PENDING_LIST = "WITH (gin_pending_list_limit = 64)"


def create_index(name, definition):
    return (
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON shopcore_product "
        f"{definition} {PENDING_LIST}"
    )


def drop_index(name):
    return f"DROP INDEX CONCURRENTLY IF EXISTS {name}"


FORWARD_SQL = [
    create_index(COMBINED, "USING gin (UPPER(name::text) gin_trgm_ops, search_vector)"),
    *(drop_index(name) for name in REPLACED),
    # The planner's statistics of the index's name expression (a LIKE's estimate).
    "ANALYZE shopcore_product",
]
BACKWARD_SQL = [
    *(create_index(name, definition) for name, definition in REPLACED.items()),
    drop_index(COMBINED),
    "ANALYZE shopcore_product",
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("shopcore_catalog", "0011_search_words"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD_SQL), run_on_postgresql(BACKWARD_SQL)),
    ]
