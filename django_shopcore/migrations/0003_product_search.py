"""PostgreSQL full-text and trigram search for products (no-op elsewhere).

The model does not declare ``search_vector``: PostgreSQL computes it (a stored
generated column) and only the search filter reads it, through raw SQL.
"""

from django.db import migrations

FORWARD_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    ALTER TABLE shopcore_product ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A')
        || setweight(to_tsvector('english', description), 'B')
    ) STORED
    """,
    "CREATE INDEX shopcore_product_search ON shopcore_product USING gin (search_vector)",
    # Serves the substring match `UPPER(name::text) LIKE UPPER('%token%')` that
    # Django's icontains generates.
    """
    CREATE INDEX shopcore_product_name_trgm ON shopcore_product
    USING gin (UPPER(name::text) gin_trgm_ops)
    """,
]

BACKWARD_SQL = [
    "DROP INDEX IF EXISTS shopcore_product_name_trgm",
    "DROP INDEX IF EXISTS shopcore_product_search",
    "ALTER TABLE shopcore_product DROP COLUMN IF EXISTS search_vector",
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore", "0002_catalog_constraints_and_indexes"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD_SQL), run_on_postgresql(BACKWARD_SQL)),
    ]
