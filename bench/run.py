"""Benchmark the catalog API against the seed-literal reference, on PostgreSQL.

Creates (or reuses) a database, migrates, seeds when the catalog is smaller
than asked, serves the example project with gunicorn (2 sync workers) on a
loopback port, runs wrk per request type with 1 and 16 connections, counts
SQL queries per request type in-process, measures a worker's RSS, prints a
table and writes bench/results/<timestamp>.json. See docs/performance.md.

    .venv/bin/python bench/run.py                     # 1,000,000 products
    .venv/bin/python bench/run.py --products 100000 --duration 3 --only default,detail
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "report.lua"
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
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL, without the database name",
    )
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--categories", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=42)
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


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("Installing wrk with apt-get...")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, timeout=300)


def ensure_database(server_url, name):
    import psycopg2

    connection = psycopg2.connect(f"{server_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def configure_django(database_url, cache_url, cache_responses):
    """Point this process (and, through the environment, gunicorn) at the bench settings."""
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["CONN_MAX_AGE"] = "600"
    # The example project's default (Django's); CONN_HEALTH_CHECKS=true measures
    # the round trip it adds to every request.
    os.environ.setdefault("CONN_HEALTH_CHECKS", "false")
    os.environ["REDIS_URL"] = "" if cache_url == "none" else cache_url
    os.environ["BENCH_CACHE_RESPONSES"] = "1" if cache_responses else "0"
    import django

    django.setup()
    from django.core.cache import cache

    # Entries made for another database (or catalog) must not answer this run.
    cache.clear()


def prepare_catalog(args):
    from django.core.management import call_command
    from django.db import connection

    from django_shopcore.catalog.models import Product

    # Migrations and seeding may take minutes: lift the bench's statement timeout.
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
    call_command("migrate", verbosity=0, skip_checks=True)
    count = Product.objects.count()
    if count < args.products:
        log(f"{count:,} products, {args.products:,} wanted: seeding.")
        call_command(
            "shopcore_seed",
            products=args.products,
            categories=args.categories,
            seed=args.seed,
            clear=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")


def request_paths(seed):
    """Query strings per request type, built from the seeded data."""
    from django.db.models import Q

    from django_shopcore.catalog.models import Category, Product
    from django_shopcore.contrib.demo.seeding import Vocabulary

    # A root category of median size: a realistic "browse a department" filter.
    roots = Category.objects.filter(depth=0).order_by("pk").values_list("pk", "path")
    sizes = sorted(
        (Product.objects.filter(Q(category__path__startswith=path)).count(), pk)
        for pk, path in roots
    )
    category = sizes[len(sizes) // 2][1]
    middle = Product.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    detail_id = middle[Product.objects.count() // 2]
    words = Vocabulary(seed).search_words()
    paths = {
        "default": ("products", ""),
        "category": ("products", f"?category={category}"),
        "price_range": ("products", "?min_price=10&max_price=50"),
        "in_stock": ("products", "?in_stock=true"),
        # Deep scrolling: shopcore follows cursors, the reference pages by number.
        "deep_scroll": ("products", deep_scroll()),
        "detail": ("products", f"{detail_id}/"),
        "category_list": ("categories", ""),
    }
    for ordering in ("price", "-price", "created_at", "-created_at"):
        paths[f"category_{ordering}"] = ("products", f"?category={category}&ordering={ordering}")
    for frequency, word in words.items():
        paths[f"search_{frequency}"] = ("products", f"?search={word}")
        paths[f"search_{frequency}_price"] = ("products", f"?search={word}&ordering=price")
    return paths, {"category": category, "detail_id": detail_id, "search_words": words}


def deep_scroll(depth=0.9):
    """Query strings per target for the row ``depth`` of the way down the default ordering.

    shopcore's page numbers stop at MAX_PAGE_DEPTH rows, so it gets the cursor
    a client reaches by following ``next`` links (signed with the SECRET_KEY
    the server gets too); the reference gets the page number.
    """
    from django.core import signing

    from django_shopcore.catalog.models import Product
    from django_shopcore.catalog.pagination import CURSOR_SALT, Keyset

    rows = Product.objects.filter(is_active=True).order_by("-created_at", "-id")
    keyset = Keyset.of(rows)
    offset = int(rows.count() * depth)
    row = rows.values("id", "created_at")[offset]
    payload = {"o": keyset.signature(), "v": keyset.position_of(row)}
    cursor = signing.dumps(payload, salt=CURSOR_SALT, compress=True)
    return {"shopcore": f"?cursor={cursor}", "reference": f"?page={offset // 20 + 1}"}


def count_queries(url, explain):
    """SQL queries one request makes (both aliases), with EXPLAIN output if asked."""
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    captures = [CaptureQueriesContext(connections[alias]) for alias in connections]
    for capture in captures:
        capture.__enter__()
    try:
        # A failing target is reported (status 500), not allowed to end the run.
        response = Client(raise_request_exception=False).get(url)
    finally:
        for capture in captures:
            capture.__exit__(None, None, None)
    queries = [query["sql"] for capture in captures for query in capture.captured_queries]
    plans = [explain_query(sql) for sql in queries if sql.startswith("SELECT")] if explain else []
    return response.status_code, len(queries), plans


def explain_query(sql):
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
    except DatabaseError as error:
        plan = f"(EXPLAIN failed: {error})"
    return {"sql": sql, "plan": plan}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving bench.settings on a loopback port, stopped on exit."""

    def __init__(self, port):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = None

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "demo.wsgi:application",
            "--workers=2",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{self.port}",
            f"--pythonpath={ROOT},{ROOT / 'example_project'}",
            "--timeout=120",
            "--log-level=warning",
            # gunicorn's control socket is one path per user, shared by every server.
            "--no-control-socket",
        ]
        self.process = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            try:
                urllib.request.urlopen(f"{self.base_url}/reference/categories/", timeout=5)
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def fetch(url):
    """Status and the page's ``count`` (None when not a page), as a warm-up."""
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, None
    try:
        return status, json.loads(body).get("count")
    except (ValueError, AttributeError):
        return status, None


def warm_up(url):
    """One request, then a second of two connections, so that both workers are warm.

    Returns what the first request gave (see ``fetch``).
    """
    status, hits = fetch(url)
    if status == 200:
        run_wrk(url, 2, 1)
    return status, hits


def run_wrk(url, connections, duration, paths=None):
    env = os.environ.copy()
    with tempfile.NamedTemporaryFile("w", suffix=".paths") as path_file:
        if paths:
            path_file.write("\n".join(paths))
            path_file.flush()
            env["WRK_PATHS"] = path_file.name
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout=30s",
            "-s",
            str(LUA_SCRIPT),
            url,
        ]
        # wrk only stops after a response lands, which can take a while when
        # 16 connections queue on two workers; past this bound the run is void.
        output = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=duration + 90, check=True
        ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    stats = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = stats["duration_us"] / 1e6
    return {
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "rps": stats["requests"] / seconds if seconds else 0.0,
        "requests": stats["requests"],
        "errors": sum(
            stats[key]
            for key in ("connect_errors", "read_errors", "write_errors", "non_2xx", "timeouts")
        ),
    }


def measure_rss(server, url, paths, seconds):
    """Each worker's RSS before and after ``seconds`` of the list mix on 2 connections."""
    before = {pid: rss_kib(pid) for pid in server.worker_pids()}
    stats = run_wrk(url, 2, seconds, paths=paths)
    after = {pid: rss_kib(pid) for pid in before}
    return {
        "requests": stats["requests"],
        "workers": [
            {"pid": pid, "before_kib": before[pid], "after_kib": after[pid]} for pid in before
        ],
        "max_growth_kib": max(after[pid] - before[pid] for pid in before),
    }


def machine():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "load_average_at_start": os.getloadavg(),
    }


def git_commit():
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip()


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


def stop_on_sigterm(signum, frame):
    # SystemExit unwinds through the Server context, which stops gunicorn.
    sys.exit(f"Stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args()
    targets = [target for target in args.targets.split(",") if target]
    connections = [int(count) for count in args.connections.split(",")]
    ensure_wrk()
    ensure_database(args.server_url, args.database)
    configure_django(f"{args.server_url}/{args.database}", args.cache_url, args.cache_responses)
    prepare_catalog(args)
    log("Choosing request parameters")
    paths, parameters = request_paths(args.seed)
    only = set(filter(None, args.only.split(",")))
    selected = {name: path for name, path in paths.items() if not only or name in only}

    started = datetime.now(timezone.utc)
    report = {
        "date": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "catalog": {
            "products": args.products,
            "categories": args.categories,
            "seed": args.seed,
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

    port = args.port or free_port()
    with Server(port) as server:
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
        if args.rss_seconds and "shopcore" in targets:
            mix = [TARGETS["shopcore"]["products"] + paths[name][1] for name in LIST_MIX]
            if fetch(server.base_url + mix[0])[0] == 200:
                log("Measuring worker RSS")
                report["rss"] = measure_rss(server, server.base_url, mix, args.rss_seconds)

    print_table(report["results"], targets, connections)
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
    output = args.output or RESULTS_DIR / f"{started:%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {output}")
    return report


if __name__ == "__main__":
    main()
