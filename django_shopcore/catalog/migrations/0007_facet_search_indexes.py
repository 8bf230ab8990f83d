"""The product states' search indexes (PostgreSQL): a search's facet estimate reads the
matches of its sample range through them, as the product list reads the products' own
(migration 0002). Only the searchable states (facet_keys.SEARCHABLE_SAMPLE_KEYS) have a
name and description, so the indexes hold about one state in sixteen.
"""

from django.db import migrations

FORWARD_SQL = [
    "CREATE INDEX shopcore_facets_search ON shopcore_productfacets USING gin (search_vector)",
    """
    CREATE INDEX shopcore_facets_name_trgm ON shopcore_productfacets
    USING gin (UPPER(name::text) gin_trgm_ops)
    """,
]
BACKWARD_SQL = [
    "DROP INDEX IF EXISTS shopcore_facets_name_trgm",
    "DROP INDEX IF EXISTS shopcore_facets_search",
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0006_facet_index"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD_SQL), run_on_postgresql(BACKWARD_SQL)),
    ]
