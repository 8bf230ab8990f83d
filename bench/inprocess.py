"""CPU time per request in one process, without HTTP: where a request's time goes.

wrk measures what a client sees; this measures the Django side alone, so that a
change of a tenth of a millisecond shows on a noisy machine. Each request type
of bench/scenarios.py is sent through the WSGI handler ``--repeat`` times after
a warm-up; the median CPU time of the process and the median wall time are
printed, with the SQL queries per request. ``--profile NAME`` prints a cProfile
of that request type instead.

    cd example_project
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopcore_perf_grown SECRET_KEY=x \\
        REDIS_URL=redis://127.0.0.1:6379/0 ../.venv/bin/python ../bench/inprocess.py default detail
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path.cwd())]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("types", nargs="*", help="request types (all when none are named)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", metavar="NAME", help="cProfile one request type")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats)")
    parser.add_argument("--lines", type=int, default=60, help="the profile's length")
    parser.add_argument(
        "--explain", metavar="NAME", help="EXPLAIN (ANALYZE, BUFFERS) each query of one type"
    )
    parser.add_argument("--path", action="append", default=[], help="a raw /api/... path")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.scenarios import request_paths

    paths = {}
    if not args.path or args.types:
        for name, (resource, suffix) in request_paths(args.seed)[0].items():
            if isinstance(suffix, dict):
                suffix = suffix["shopcore"]
            paths[name] = f"/api/{resource}/{suffix}"
    paths.update({path: path for path in args.path})
    names = args.types or list(paths)
    client = Client()

    if args.explain:
        explain(client, connection, paths[args.explain])
        return

    if args.profile:
        path = paths[args.profile]
        for _ in range(20):
            client.get(path)
        # CPU time only: waiting for the database or Redis is not this process's cost.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.repeat):
            client.get(path)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.lines)
        print(out.getvalue())
        return

    print(f"{'type':28} {'cpu ms':>7} {'wall ms':>8} {'queries':>7}  status")
    for name in names:
        path = paths[name]
        for _ in range(20):
            response = client.get(path)
        cpu, wall = [], []
        for _ in range(args.repeat):
            started_cpu, started = time.process_time(), time.perf_counter()
            response = client.get(path)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        queries = count_queries(connection, client, path)
        print(
            f"{name:28} {statistics.median(cpu) * 1000:7.2f} "
            f"{statistics.median(wall) * 1000:8.2f} {queries:7}  {response.status_code}"
        )


def count_queries(connection, client, path):
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(path)
    return len(statements)


def explain(client, connection, path):
    """Each SQL query of one request, with its plan as run (the request's own parameters)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    client.get(path)
    with connection.execute_wrapper(record):
        client.get(path)
    with connection.cursor() as cursor:
        for sql, params in statements:
            print(cursor.mogrify(sql, params).decode())
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")


if __name__ == "__main__":
    main()
