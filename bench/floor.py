"""What a request costs through the example project's stack with almost nothing to do.

The floor under every target: gunicorn with 2 sync workers on bench.settings,
wrk with one connection, as bench/run.py runs, for requests that do no work of
the catalog's own: a URL no route matches (Django's 404, every middleware), a
product detail that does not exist (DRF's dispatch and one primary-key query),
and a real detail for comparison. Prints the median p50 and p99 of ``--runs``.

    .venv/bin/python bench/floor.py --database shopcore_perf_grown
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    Server,
    configure_django,
    ensure_wrk,
    free_port,
    run_wrk,
    warm_up,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="shopcore_perf_grown")
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ensure_wrk()
    configure_django(f"{args.server_url}/{args.database}", args.cache_url)
    from django_shopcore.catalog.models import Product

    product = (
        Product.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)[Product.objects.count() // 2]
    )
    paths = {
        "no route (Django 404)": "/nothing/",
        "no such product (DRF 404, 1 query)": "/api/products/0/",
        "product detail (3 queries)": f"/api/products/{product}/",
    }
    with Server(free_port()) as server:
        for path in paths.values():
            # A 404 answers at once: both workers are warmed by a second of wrk.
            warm_up(server.base_url + path)
            run_wrk(server.base_url + path, 2, 1)
        print(f"{'request':40} {'p50 ms':>7} {'p99 ms':>7}")
        for name, path in paths.items():
            runs = [run_wrk(server.base_url + path, 1, args.duration) for _ in range(args.runs)]
            p50 = statistics.median(run["p50_ms"] for run in runs)
            p99 = statistics.median(run["p99_ms"] for run in runs)
            print(f"{name:40} {p50:7.2f} {p99:7.2f}")


if __name__ == "__main__":
    main()
