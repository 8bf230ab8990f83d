"""Capacity of one app core: req/s and CPU per request of list, detail, search and checkout.

On this 2-core machine one core plays the app host and the other the rest:

- gunicorn (the master and ``--workers`` sync workers) is pinned to
  ``--app-cpu`` (default 0) with ``taskset``;
- the PostgreSQL backends serving those workers (found by their
  ``application_name`` in ``pg_stat_activity``) and wrk are pinned to
  ``--db-cpu`` (default 1) with ``sched_setaffinity``, before every run; the
  rest of PostgreSQL (WAL writer, checkpointer), Redis and whatever else
  runs on the machine are not pinned;
- wrk sends ``--connections`` (16) connections per request type.

Around each run the CPU time (user + system, /proc/<pid>/stat) of the
gunicorn processes, of those backends and of wrk is read, so the result is
CPU milliseconds per request for the app and for PostgreSQL, beside req/s:
the CPU per request holds on a shared, noisy machine where req/s does not.
``1000 / app ms`` is the req/s one app core serves when its CPU is the
bottleneck; the app core's use (CPU seconds per second) says whether it was.

    .venv/bin/python bench/capacity.py --database shopcore_1m --workers 1,2,3 --repeats 3
"""

import argparse
import os
import resource
import signal
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checkout import Shop, measure
from bench.harness import (
    APPLICATION_NAME,
    DEFAULT_SERVER_URL,
    Server,
    configure_django,
    cpu_seconds,
    ensure_wrk,
    free_port,
    git_commit,
    log,
    machine,
    migrate,
    run_wrk,
    stop_on_sigterm,
    warm_up,
    write_report,
)
from bench.scenarios import request_paths

# The request types measured, and bench/run.py's type each one is.
READ_TYPES = {"list": "default", "detail": "detail", "search": "search_mid"}
TYPES = (*READ_TYPES, "checkout")
# Measured when asked (--only ...,add_to_cart): bench/checkout.py prepares it as checkout.
WRITE_TYPES = ("checkout", "add_to_cart")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="shopcore_bench", help="a seeded catalog")
    parser.add_argument("--server-url", default=DEFAULT_SERVER_URL)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--seed", type=int, default=42, help="the catalog's seed (search words)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--workers", default="1,2,3", help="sync workers on the app core")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=",".join(TYPES))
    parser.add_argument("--app-cpu", default="0")
    parser.add_argument("--db-cpu", type=int, default=1)
    parser.add_argument("--output", type=Path, default=None)
    return parser.parse_args()


def app_backends():
    """The pids of the PostgreSQL backends of gunicorn's workers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
            [APPLICATION_NAME, connection.settings_dict["NAME"]],
        )
        return [row[0] for row in cursor.fetchall()]


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured_run(server, db_cpu):
    """``run_wrk`` with the app's, its backends' and wrk's CPU seconds around it."""

    def run(url, connections, duration, **kwargs):
        backends = app_backends()
        for pid in backends:
            os.sched_setaffinity(pid, {db_cpu})
        app = [server.process.pid, *server.worker_pids()]
        app_start, db_start, wrk_start = (
            cpu_seconds(app),
            cpu_seconds(backends),
            children_cpu_seconds(),
        )
        stats = run_wrk(url, connections, duration, wrk_cpus=str(db_cpu), **kwargs)
        app_cpu = cpu_seconds(app) - app_start
        db_cpu_used = cpu_seconds(backends) - db_start
        wrk_cpu = children_cpu_seconds() - wrk_start
        requests = stats["requests"] or 1
        return {
            **stats,
            "backends": len(backends),
            "app_cpu_ms": app_cpu * 1000 / requests,
            "db_cpu_ms": db_cpu_used * 1000 / requests,
            "wrk_cpu_ms": wrk_cpu * 1000 / requests,
            "app_core_use": app_cpu / stats["seconds"],
            "db_core_use": db_cpu_used / stats["seconds"],
        }

    return run


def measure_workers(args, repeat, workers, urls, shop, request_dir, types):
    rows = []
    with Server(args.port or free_port(), workers=workers, cpus=args.app_cpu) as server:
        run = measured_run(server, args.db_cpu)
        for name in types:
            if name in WRITE_TYPES:
                stats = measure(
                    shop,
                    server.base_url,
                    name,
                    args.connections,
                    args.duration,
                    request_dir,
                    run=run,
                )
            else:
                url = server.base_url + urls[name]
                status, _hits = warm_up(url)
                if status != 200:
                    raise RuntimeError(f"{name}: HTTP {status}")
                stats = run(url, args.connections, args.duration)
            log(
                f"{workers} worker(s) {name:<9} {stats['rps']:7.1f} req/s, app "
                f"{stats['app_cpu_ms']:.2f} ms CPU ({stats['app_core_use']:.0%} of its core), "
                f"PostgreSQL {stats['db_cpu_ms']:.2f} ms ({stats['db_core_use']:.0%}), "
                f"errors {stats['errors']}"
            )
            rows.append({"type": name, "workers": workers, "repeat": repeat, **stats})
    return rows


def summarize(results):
    """Medians (and the lowest CPU per request) over the repeats, per type and worker count."""
    keys = ("rps", "p50_ms", "p99_ms", "app_cpu_ms", "db_cpu_ms", "app_core_use", "db_core_use")
    groups = {}
    for row in results:
        groups.setdefault((row["type"], row["workers"]), []).append(row)
    # The list of the same server and repeat: the ratio is robust to the load of the moment.
    lists = {
        (row["repeat"], row["workers"]): row["app_cpu_ms"]
        for row in results
        if row["type"] == "list"
    }
    summary = []
    for (name, workers), rows in groups.items():
        medians = {key: statistics.median(row[key] for row in rows) for key in keys}
        ratios = [
            row["app_cpu_ms"] / lists[row["repeat"], workers]
            for row in rows
            if (row["repeat"], workers) in lists
        ]
        summary.append(
            {
                "type": name,
                "workers": workers,
                "runs": len(rows),
                "errors": sum(row["errors"] for row in rows),
                **medians,
                # Other jobs only ever add CPU time: the lowest is the nearest to a quiet core.
                "app_cpu_ms_min": min(row["app_cpu_ms"] for row in rows),
                "app_cpu_to_list": statistics.median(ratios) if ratios else None,
                "db_cpu_ms_min": min(row["db_cpu_ms"] for row in rows),
                "rps_per_app_core": 1000 / medians["app_cpu_ms"],
                "rps_per_db_core": 1000 / medians["db_cpu_ms"] if medians["db_cpu_ms"] else None,
            }
        )
    return summary


def print_summary(summary):
    """The medians as a Markdown table (docs/deployment.md)."""
    print(
        "\n| request | sync workers | req/s | p50 | p99 | app CPU ms/request (lowest) "
        "| PostgreSQL CPU ms/request (lowest) | app core used | PostgreSQL core used "
        "| app CPU / list's | req/s per app core | req/s per PostgreSQL core | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in summary:
        per_db = f"{row['rps_per_db_core']:.0f}" if row["rps_per_db_core"] else "-"
        to_list = f"{row['app_cpu_to_list']:.2f}x" if row["app_cpu_to_list"] else "-"
        print(
            f"| {row['type']} | {row['workers']} | {row['rps']:.1f} | {row['p50_ms']:.1f} ms "
            f"| {row['p99_ms']:.1f} ms | {row['app_cpu_ms']:.2f} ({row['app_cpu_ms_min']:.2f}) "
            f"| {row['db_cpu_ms']:.2f} ({row['db_cpu_ms_min']:.2f}) "
            f"| {row['app_core_use']:.0%} | {row['db_core_use']:.0%} | {to_list} "
            f"| {row['rps_per_app_core']:.0f} | {per_db} | {row['errors']} |"
        )


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args()
    if os.cpu_count() < 2:
        sys.exit("error: needs two cores, one for the app and one for PostgreSQL and wrk")
    ensure_wrk()
    configure_django(f"{args.server_url}/{args.database}", args.cache_url)
    migrate()
    paths, parameters = request_paths(args.seed)
    urls = {name: "/api/products/" + paths[kind][1] for name, kind in READ_TYPES.items()}
    types = [name for name in args.only.split(",") if name]
    started = datetime.now(timezone.utc)
    report = {
        "date": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "catalog": parameters,
        "setup": {
            "app_cpu": args.app_cpu,
            "db_cpu": args.db_cpu,
            "connections": args.connections,
            "duration_s": args.duration,
            "cache_url": args.cache_url,
            "urls": urls,
        },
        "results": [],
    }
    shop = Shop(args.seed) if set(types) & set(WRITE_TYPES) else None
    try:
        with tempfile.TemporaryDirectory() as directory:
            for repeat in range(1, args.repeats + 1):
                for workers in (int(count) for count in args.workers.split(",")):
                    log(f"Run {repeat} of {args.repeats}, {workers} worker(s)")
                    report["results"] += measure_workers(
                        args, repeat, workers, urls, shop, Path(directory), types
                    )
    finally:
        if shop:
            shop.close()
    report["summary"] = summarize(report["results"])
    print_summary(report["summary"])
    output = args.output or (
        Path(__file__).parent / "results" / f"capacity-{started:%Y%m%dT%H%M%SZ}.json"
    )
    write_report(report, output, started)


if __name__ == "__main__":
    main()
