"""In-process timings, query counts and plans of ``facets=true`` lists on a seeded catalog.

The facet scenarios of docs/performance.md ("Facets"), timed through
Django's test client (no HTTP, no gunicorn): for quick iterations on the
design and for the plans. bench/facets/wrk.sh measures the same requests
through gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopcore_h3_1m \\
        .venv/bin/python bench/facets/probe.py [--runs 30] [--explain] [--only whole,search_common]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup():
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("SECRET_KEY", "bench-probe-only-not-a-secret-" + "x" * 40)
    import django

    django.setup()


def scenarios(seed):
    """Query strings per scenario, chosen from the data as bench/run.py chooses them."""
    from django.db.models import Count, Q

    from django_shopcore.catalog.models import Category, Product
    from django_shopcore.contrib.demo.seeding import Vocabulary

    roots = Category.objects.filter(depth=0).order_by("pk").values_list("pk", "path")
    sizes = sorted(
        (Product.objects.filter(Q(category__path__startswith=path)).count(), pk)
        for pk, path in roots
    )
    root = sizes[len(sizes) // 2][1]
    # A second-level category of median size among those with products.
    children = (
        Category.objects.filter(depth=1)
        .annotate(leaves=Count("children"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    child_sizes = sorted(
        (Product.objects.filter(category__parent_id=pk).count(), pk) for pk in children
    )
    child = child_sizes[len(child_sizes) // 2][1]
    words = Vocabulary(seed).search_words()
    paths = {
        "whole": "",
        "category_root": f"category={root}",
        "category_child": f"category={child}",
        "price_range": "min_price=10&max_price=50",
        "option": "option=size:M",
        "option_two": "option=size:M&option=color:black",
        "category_price": f"category={root}&min_price=10&max_price=50",
        "in_stock": "in_stock=true",
    }
    for frequency, word in words.items():
        paths[f"search_{frequency}"] = f"search={word}"
    return {
        name: f"/api/products/?{query}&facets=true".replace("?&", "?")
        for name, query in paths.items()
    }


def run(url, runs, explain):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    # Read now: the next request's request_started signal empties the log.
    captured = [query["sql"] for query in queries.captured_queries]
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    result = {
        "min": timings[0],
        "p50": statistics.median(timings),
        "p99": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        "queries": len(captured),
        "exact": response.json().get("facets", {}).get("exact", "-"),
        "count": response.json()["count"],
    }
    if explain:
        result["plans"] = [explain_query(sql) for sql in captured]
    return result


def explain_query(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return sql, "\n".join(row[0] for row in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only", default="")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--without-facets", action="store_true", help="the lists alone")
    args = parser.parse_args()
    setup()
    paths = scenarios(args.seed)
    only = [name for name in args.only.split(",") if name]
    print(f"load average: {os.getloadavg()}")
    print(
        f"{'scenario':16} {'min ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL':>4} {'exact':>6} "
        f"{'count':>8}  url"
    )
    for name, url in paths.items():
        if only and name not in only:
            continue
        if args.without_facets:
            url = url.replace("&facets=true", "").replace("?facets=true", "")
        result = run(url, args.runs, args.explain)
        print(
            f"{name:16} {result['min']:8.1f} {result['p50']:8.1f} {result['p99']:8.1f} "
            f"{result['queries']:4} "
            f"{result['exact']!s:>6} {result['count']:8}  {url}"
        )
        for sql, plan in result.get("plans", ()):
            print(f"\n-- {sql}\n{plan}\n")


if __name__ == "__main__":
    main()
