"""PostgreSQL: ``shopcore_count_estimate(query)``, the planner's row estimate for a query.
(VOLATILE, the default: PostgreSQL refuses EXPLAIN in a STABLE function).

The list pagination counts at most a threshold of rows exactly; beyond it,
this function answers inside the same count query with EXPLAIN's estimate
(no-op elsewhere).
"""

from django.db import migrations

FORWARD_SQL = """
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

BACKWARD_SQL = "DROP FUNCTION IF EXISTS shopcore_count_estimate(text)"


def run_on_postgresql(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore", "0003_product_search"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD_SQL), run_on_postgresql(BACKWARD_SQL)),
    ]
