"""No parallel workers for scans of the products (PostgreSQL): the catalog's queries read a
page of an index range or a few thousand rows, and a parallel plan for them is the planner
misjudging a filter's selectivity. Two option filters (``size:M`` and ``color:black``) match
7% of the products where the planner expects 1%: it split the walk over two workers, 20-45 ms
and 25,000-47,000 buffers, where one process walks 300 products in 3.5 ms. On a web server
every core already serves a request. ``ALTER TABLE shopcore_product RESET (parallel_workers)``
undoes it for a host that wants parallel scans (reports over the whole table).
"""

from django.db import migrations

TABLE = "shopcore_product"


def set_parallel_workers(workers):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if workers is None:
            schema_editor.execute(f"ALTER TABLE {TABLE} RESET (parallel_workers)")
        else:
            schema_editor.execute(f"ALTER TABLE {TABLE} SET (parallel_workers = {workers})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0009_product_count_index"),
    ]

    operations = [
        migrations.RunPython(set_parallel_workers(0), set_parallel_workers(None)),
    ]
