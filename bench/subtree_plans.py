"""Time a category list's page query merged per category and walked, for subtrees of all sizes.

For categories of every depth of a seeded PostgreSQL catalog, builds the
page query of ``/api/products/?category=<id>&ordering=<ordering>`` both ways
(subtree_pages.py's merge, and the plain ``= ANY`` query PostgreSQL plans
itself) and runs ``EXPLAIN (ANALYZE)`` on each several times: the medians of
planning plus execution time, beside ``categories x share``, the quantity
``worth_merging()`` compares with ``1 / PER_CATEGORY_COST``. See
docs/performance.md.

    .venv/bin/python bench/subtree_plans.py --database shopcore_bench [--per-depth 6]
"""

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="shopcore_bench")
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--per-depth", type=int, default=6, help="subtrees per depth")
    parser.add_argument("--repeat", type=int, default=7, help="EXPLAIN runs per query")
    parser.add_argument("--orderings", default="-created_at,price")
    return parser.parse_args()


def setup(database_url):
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "subtree-plans-not-a-secret")
    os.environ["REDIS_URL"] = ""  # the dummy cache: subtrees are looked up every time
    import django

    django.setup()


def page_query(category, ordering, merged):
    """The SQL of the page query ``/api/products/`` runs for the category, merged or walked."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from django_shopcore.catalog import category_filter

    decide = category_filter.worth_merging
    category_filter.worth_merging = lambda subtree: merged
    try:
        with CaptureQueriesContext(connection) as queries:
            response = Client().get("/api/products/", {"category": category, "ordering": ordering})
    finally:
        category_filter.worth_merging = decide
    assert response.status_code == 200, response.content
    # The subtree lookup, the page (which selects the product's columns), the count.
    return next(
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "shopcore_product"."id" AS "id"')
    )


def timed(sql, repeat):
    """Median planning + execution time of ``sql`` (the SQL Django ran, values inlined)."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            (plan,) = cursor.fetchone()[0]
            times.append(plan["Planning Time"] + plan["Execution Time"])
    return statistics.median(times)


def subtrees(per_depth):
    """Per depth, ``per_depth`` categories spread over the sizes (smallest to largest)."""
    from django.db.models import Q

    from django_shopcore.catalog.cache import load_subtree
    from django_shopcore.catalog.models import Category

    chosen = []
    for depth in sorted(set(Category.objects.values_list("depth", flat=True))):
        found = []
        for pk in Category.objects.filter(depth=depth).values_list("pk", flat=True):
            subtree = load_subtree(Q(pk=pk))
            if len(subtree.ids) > 1:
                found.append((len(subtree.ids) * subtree.share, pk, subtree))
        found.sort()
        step = max(1, len(found) // per_depth)
        chosen += [(depth, *item) for item in found[::step][:per_depth]]
    return chosen


def main():
    args = parse_args()
    setup(f"{args.server_url}/{args.database}")
    rows = []
    for depth, weight, pk, subtree in subtrees(args.per_depth):
        for ordering in args.orderings.split(","):
            walked = timed(page_query(pk, ordering, merged=False), args.repeat)
            merged = timed(page_query(pk, ordering, merged=True), args.repeat)
            rows.append(
                {
                    "category": pk,
                    "depth": depth,
                    "categories": len(subtree.ids),
                    "share": subtree.share,
                    "categories_x_share": weight,
                    "ordering": ordering,
                    "walked_ms": walked,
                    "merged_ms": merged,
                }
            )
            print(
                f"{pk:>5} depth {depth} {len(subtree.ids):>4} categories "
                f"share {subtree.share:7.4f} x {weight:7.3f} {ordering:<12} "
                f"walked {walked:7.2f} ms merged {merged:7.2f} ms",
                flush=True,
            )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
