"""Benchmark the catalog API against the seed-literal reference, on PostgreSQL.

Creates (or reuses) a database, migrates, seeds when the catalog is smaller
than asked, serves the example project with gunicorn (2 sync workers) on a
loopback port, runs wrk per request type with 1 and 16 connections, counts
SQL queries per request type in-process, measures a worker's RSS, prints a
table and writes bench/results/<timestamp>.json. The write types
``add_to_cart`` and ``checkout`` (bench/checkout.py) are shopcore's only.
See docs/performance.md.

    .venv/bin/python bench/run.py                     # 1,000,000 products
    .venv/bin/python bench/run.py --products 100000 --duration 3 --only default,detail
    .venv/bin/python bench/run.py --database shopcore_1m --no-seed --targets shopcore \
        --only default,add_to_cart,checkout --rss-seconds 0
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checkout import WRITE_TYPES, Shop, measure
from bench.harness import (
    DEFAULT_SERVER_URL,
    Server,
    configure_django,
    count_queries,
    ensure_database,
    ensure_wrk,
    fetch,
    free_port,
    git_commit,
    log,
    machine,
    measure_rss,
    migrate,
    run_wrk,
    stop_on_sigterm,
    warm_up,
    write_report,
)
from bench.scenarios import request_paths

TARGETS = {
    "shopcore": {"products": "/api/products/", "categories": "/api/categories/"},
    "reference": {"products": "/reference/products/", "categories": "/reference/categories/"},
}
# The request types that make up the product list mix run with 16 connections.
LIST_MIX = (
    "default",
    "category",
    "category_price",
    "category_-price",
    "category_created_at",
    "category_-created_at",
    "price_range",
    "in_stock",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="shopcore_bench")
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER_URL,
        help="PostgreSQL server URL, without the database name",
    )
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument(
        "--no-seed",
        action="store_true",
        help="use the database's catalog as it is, whatever its size (never seed)",
    )
    parser.add_argument("--categories", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--shape",
        choices=("grown", "imported"),
        default="grown",
        help="shopcore_seed's catalog shape (reseeds a database of the other shape)",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", default="1,16")
    parser.add_argument("--targets", default="shopcore,reference")
    parser.add_argument("--only", default="", help="comma-separated request types")
    parser.add_argument(
        "--rss-seconds", type=int, default=60, help="list requests for the RSS check; 0 skips it"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS)")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/15",
        help="Redis for category subtrees and versions (flushed first); 'none': no cache",
    )
    parser.add_argument(
        "--cache-responses", action="store_true", help="also cache whole responses (cache hits)"
    )
    parser.add_argument("--output", type=Path, default=None)
    return parser.parse_args()


def prepare_catalog(args):
    """Migrate, seed unless told not to, and return what the catalog holds."""
    from django.core.management import call_command
    from django.db import connection

    from django_shopcore.catalog.models import Product, ProductVariant

    migrate()
    count = Product.objects.count()
    shape = None if args.no_seed else seeded_shape()
    if not args.no_seed and (count < args.products or shape != args.shape):
        log(f"{count:,} products ({shape}), {args.products:,} ({args.shape}) wanted: seeding.")
        # Seeding may take minutes: lift the bench's statement timeout.
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
        call_command(
            "shopcore_seed",
            products=args.products,
            categories=args.categories,
            seed=args.seed,
            shape=args.shape,
            images=True,
            clear=True,
        )
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    return {"products": Product.objects.count(), "variants": ProductVariant.objects.count()}


def seeded_shape():
    """The shape of the seeded catalog: ``imported`` has products on leaves only. None for
    a catalog without variants or images (seeded before shopcore_seed made them)."""
    from django_shopcore.catalog.models import Product, ProductImage, ProductVariant

    if (
        not ProductImage.objects.exists()
        or not ProductVariant.objects.filter(options__has_key="size").exists()
    ):
        return None
    return (
        "grown"
        if Product.objects.filter(category__children__isnull=False).exists()
        else "imported"
    )


def print_table(results, targets, connections):
    from bench.to_markdown import sql_cell

    for count in connections:
        rows = [row for row in results if row["connections"] == count]
        print(f"\n{count} connection(s)")
        header = f"{'request type':<26}"
        for target in targets:
            header += f" | {target + ' p50':>14} {'p99':>9} {'req/s':>8} {'SQL':>5} {'err':>4}"
        if len(targets) == 2:
            header += f" | {'p50 ratio':>9} {'rps ratio':>9}"
        print(header)
        print("-" * len(header))
        for name in dict.fromkeys(row["type"] for row in rows):
            by_target = {row["target"]: row for row in rows if row["type"] == name}
            line = f"{name:<26}"
            for target in targets:
                row = by_target.get(target)
                # No response within the run: the request is slower than --duration.
                if row is None or not row["requests"]:
                    line += f" | {'-':>14} {'-':>9} {'-':>8} {'-':>5} {'-':>4}"
                    continue
                line += (
                    f" | {row['p50_ms']:>11.2f} ms {row['p99_ms']:>6.1f} ms {row['rps']:>8.1f}"
                    f" {sql_cell(row):>5}"
                    f" {row['errors']:>4}"
                )
            if len(by_target) == 2 and all(row["requests"] for row in by_target.values()):
                first, second = (by_target[target] for target in targets)
                p50_ratio = second["p50_ms"] / first["p50_ms"] if first["p50_ms"] else 0
                rps_ratio = first["rps"] / second["rps"] if second["rps"] else 0
                line += f" | {p50_ratio:>8.1f}x {rps_ratio:>8.1f}x"
            print(line)


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args()
    targets = [target for target in args.targets.split(",") if target]
    connections = [int(count) for count in args.connections.split(",")]
    ensure_wrk()
    ensure_database(args.server_url, args.database)
    configure_django(f"{args.server_url}/{args.database}", args.cache_url, args.cache_responses)
    sizes = prepare_catalog(args)
    log("Choosing request parameters")
    paths, parameters = request_paths(args.seed)
    only = set(filter(None, args.only.split(",")))
    selected = {name: path for name, path in paths.items() if not only or name in only}
    writes = [name for name in WRITE_TYPES if (not only or name in only) and "shopcore" in targets]

    started = datetime.now(timezone.utc)
    report = {
        "date": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "catalog": {
            **sizes,
            "categories": args.categories,
            "seed": args.seed,
            "shape": args.shape,
            **parameters,
        },
        "server": {
            "conn_health_checks": os.environ["CONN_HEALTH_CHECKS"],
            "cache_url": args.cache_url,
            "cache_responses": args.cache_responses,
        },
        "duration_s": args.duration,
        "results": [],
        "explain": {},
    }
    urls = {
        (target, name): TARGETS[target][resource]
        + (suffix if isinstance(suffix, str) else suffix[target])
        for target in targets
        for name, (resource, suffix) in selected.items()
    }
    query_counts = {}
    log("Counting queries" + (" and explaining them" if args.explain else ""))
    for key, url in urls.items():
        status, first, plans = count_queries(url, args.explain)
        # Again: what every later request costs (an estimate or subtree reused).
        status_again, again, _plans = count_queries(url, explain=False)
        ok = status == status_again == 200
        query_counts[key] = (first, again) if ok else (None, None)
        if plans:
            report["explain"][f"{key[0]} {key[1]}"] = plans

    shop = Shop(args.seed) if writes else None
    try:
        if shop:
            log("Counting the queries of add-to-cart and checkout")
            report["write_queries"] = shop.count_queries()
        measure_all(args, report, targets, connections, paths, urls, query_counts, shop, writes)
    finally:
        if shop:
            log("Returning the units ordered, deleting the benchmark's orders, carts and users")
            shop.close()

    print_table(report["results"], targets, connections)
    if "write_queries" in report:
        counts = ", ".join(f"{name} {count}" for name, count in report["write_queries"].items())
        print(f"\nSQL queries per write request: {counts}")
    if "rss" in report:
        rss = report["rss"]
        workers = ", ".join(
            f"{worker['before_kib'] / 1024:.1f} -> {worker['after_kib'] / 1024:.1f} MiB"
            for worker in rss["workers"]
        )
        print(
            f"\nWorker RSS over {rss['requests']:,} list requests: "
            f"max growth {rss['max_growth_kib'] / 1024:.1f} MiB ({workers})"
        )
    write_report(report, args.output, started)
    return report


def measure_all(args, report, targets, connections, paths, urls, query_counts, shop, writes):
    """Every wrk run of the bench, on one server; the rows go to ``report``."""
    port = args.port or free_port()
    with Server(port) as server, tempfile.TemporaryDirectory() as directory:
        request_dir = Path(directory)
        for count in connections:
            for (target, name), url in urls.items():
                status, hits = warm_up(server.base_url + url)
                log(f"{count:>2}c {target:<9} {name:<24} HTTP {status}")
                if status != 200:
                    continue
                try:
                    stats = run_wrk(server.base_url + url, count, args.duration)
                except subprocess.TimeoutExpired:
                    log("   wrk did not finish in time; no result")
                    continue
                report["results"].append(
                    {
                        "target": target,
                        "type": name,
                        "path": url,
                        "connections": count,
                        "queries_first": query_counts[target, name][0],
                        "queries": query_counts[target, name][1],
                        "count": hits,
                        **stats,
                    }
                )
            for target in targets:
                mix = [TARGETS[target]["products"] + paths[name][1] for name in LIST_MIX]
                if count == 1 or fetch(server.base_url + mix[0])[0] != 200:
                    continue
                stats = run_wrk(server.base_url + mix[0], count, args.duration, paths=mix)
                report["results"].append(
                    {
                        "target": target,
                        "type": "list_mix",
                        "path": "(mix)",
                        "connections": count,
                        "queries": None,
                        "count": None,
                        **stats,
                    }
                )
            for name in writes:
                log(f"{count:>2}c shopcore  {name}")
                stats = measure(shop, server.base_url, name, count, args.duration, request_dir)
                queries = report["write_queries"][
                    "checkout_3_lines" if name == "checkout" else "add_to_cart_line_1"
                ]
                report["results"].append(
                    {
                        "target": "shopcore",
                        "type": name,
                        "path": "/api/orders/" if name == "checkout" else "/api/carts/{id}/items/",
                        "connections": count,
                        "queries": queries,
                        "count": None,
                        **stats,
                    }
                )
        if args.rss_seconds and "shopcore" in targets:
            mix = [TARGETS["shopcore"]["products"] + paths[name][1] for name in LIST_MIX]
            if fetch(server.base_url + mix[0])[0] == 200:
                log("Measuring worker RSS")
                report["rss"] = measure_rss(server, server.base_url, mix, args.rss_seconds)


if __name__ == "__main__":
    main()
