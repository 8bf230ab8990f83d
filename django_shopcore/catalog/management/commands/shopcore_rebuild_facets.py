"""``manage.py shopcore_rebuild_facets``: recompute the facet index, or fold its pending deltas."""

import time

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from ...facet_fold import fold_deltas
from ...facet_index import rebuild_facets


class Command(BaseCommand):
    help = (
        "Recompute every product's facet state and the facet counts from the catalog (after "
        "bulk writes that bypass the models, or a change of SHOPCORE['FACET_PRICE_EDGES']); "
        "product writes wait meanwhile. With --fold, only merge the pending count deltas."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fold", action="store_true", help="Merge the count deltas only (no rebuild)."
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default)."
        )

    def handle(self, *args, fold=False, database=DEFAULT_DB_ALIAS, **options):
        started = time.monotonic()
        if fold:
            merged = fold_deltas(database)
            self.stdout.write(f"Merged {merged} count row(s).")
            return
        rebuild_facets(database)
        self.stdout.write(f"Rebuilt the facet index in {time.monotonic() - started:.1f} s.")
