"""Small pending lists for the GIN search indexes (PostgreSQL): every search scans an index's
whole pending list, which fills with every product write (a checkout rewrites its products'
totals) up to gin_pending_list_limit, 4 MB by default: about 430 pages read by each search,
3 ms at 1M products. At 64 kB (the least PostgreSQL allows) a write merges the list into the
index once about a hundred entries wait, and a search reads at most 8 pages of it.
"""

from django.db import migrations

GIN_INDEXES = [
    "shopcore_product_search",
    "shopcore_product_name_trgm",
    "shopcore_facets_search",
    "shopcore_facets_name_trgm",
]
PENDING_LIST_KB = 64


def set_pending_list_limit(limit):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for index in GIN_INDEXES:
            if limit is None:
                schema_editor.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
            else:
                schema_editor.execute(
                    f"ALTER INDEX {index} SET (gin_pending_list_limit = {limit})"
                )
                # What waits already is merged now, not by the next write.
                schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shopcore_catalog", "0007_facet_search_indexes"),
    ]

    operations = [
        migrations.RunPython(
            set_pending_list_limit(PENDING_LIST_KB), set_pending_list_limit(None)
        ),
    ]
