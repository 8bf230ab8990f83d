"""PostgreSQL only (no-op elsewhere): product search and the planner's row estimates.

- Full-text and trigram search: the model does not declare ``search_vector``;
  PostgreSQL computes it (a stored generated column) and only the search
  filter reads it, through raw SQL.
- ``shopcore_count_estimate(query)``: the planner's row estimate for a query
  (VOLATILE, the default: PostgreSQL refuses EXPLAIN in a STABLE function).
  The list pagination counts at most a threshold of rows exactly; beyond it,
  this function answers inside the same count query with EXPLAIN's estimate.
"""

from django.db import migrations

SEARCH_SQL = [
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

SEARCH_BACKWARD_SQL = [
    "DROP INDEX IF EXISTS shopcore_product_name_trgm",
    "DROP INDEX IF EXISTS shopcore_product_search",
    "ALTER TABLE shopcore_product DROP COLUMN IF EXISTS search_vector",
]

COUNT_ESTIMATE_SQL = """
CREATE OR REPLACE FUNCTION shopcore_count_estimate(query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$
"""

FORWARD_SQL = [*SEARCH_SQL, COUNT_ESTIMATE_SQL]
BACKWARD_SQL = ["DROP FUNCTION IF EXISTS shopcore_count_estimate(text)", *SEARCH_BACKWARD_SQL]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD_SQL), run_on_postgresql(BACKWARD_SQL)),
    ]
