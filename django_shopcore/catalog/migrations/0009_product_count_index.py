"""A category list's count from an index alone (PostgreSQL): (category, is_active, price)
with ``id`` included, so that counting a category's products, active ones, or those in a
price range reads no table page (its rows are spread over as many pages as there are rows).
Created here rather than declared on the model: SQLite has no included columns, and
Django warns of any index declaring them there.
"""

from django.db import migrations

INDEX = "shopcore_product_cat_count"
FORWARD_SQL = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON shopcore_product "
    "(category_id, is_active, price) INCLUDE (id)"
)
BACKWARD_SQL = f"DROP INDEX IF EXISTS {INDEX}"


def run_on_postgresql(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0008_gin_pending_list_limit"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD_SQL), run_on_postgresql(BACKWARD_SQL)),
    ]
