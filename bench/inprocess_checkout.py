"""CPU time per checkout in one process, without HTTP: where a checkout's time goes.

Like bench/inprocess_cart.py, for ``POST /api/orders/`` of a fresh cart of
``--lines`` lines as a signed-in shopper sends it (bench/shopping.py makes the
shoppers, tokens and carts). Prints the median CPU time of the process, the
median wall time and the SQL queries of one checkout; ``--profile`` prints a
cProfile instead, ``--show`` the SQL with each statement's wall time. The
shoppers, their orders and carts are removed at the end and their units
returned to stock.

    cd example_project
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopcore_perf_grown SECRET_KEY=x \\
        REDIS_URL=redis://127.0.0.1:6379/5 ../.venv/bin/python ../bench/inprocess_checkout.py
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

PREFIX = "bench-inprocess-checkout-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats)")
    parser.add_argument("--top", type=int, default=60, help="the profile's length")
    parser.add_argument("--show", action="store_true", help="print one checkout's SQL")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench import shopping

    shopping.remove_shoppers(PREFIX)
    warm_up = 20
    count = warm_up + args.repeat + 1
    shopper = shopping.create_shoppers(1, PREFIX)[0]
    token = shopping.access_token(shopper)
    variants = shopping.sellable_variants(count * args.lines // 5 + args.lines, min_stock=10)
    pool = shopping.VariantPool(variants, uses=5)
    carts = shopping.create_carts([shopper] * count, args.lines, pool)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def checkout(cart, lines):
        response = client.post(
            "/api/orders/", shopping.checkout_body(cart, lines), content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return response

    try:
        for cart, lines in carts[:warm_up]:
            checkout(cart, lines)
        timed = carts[warm_up:-1]
        if args.profile:
            # CPU time only: waiting for the database is not this process's cost.
            profiler = cProfile.Profile(time.process_time)
            for cart, lines in timed:
                profiler.enable()
                checkout(cart, lines)
                profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
            return
        cpu, wall = [], []
        for cart, lines in timed:
            started_cpu, started = time.process_time(), time.perf_counter()
            checkout(cart, lines)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        queries = []

        def record(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((sql, params, time.perf_counter() - started))

        with connection.execute_wrapper(record):
            checkout(*carts[-1])
        print(f"{'type':16} {'cpu ms':>7} {'wall ms':>8} {'queries':>7}")
        print(
            f"{f'checkout_{args.lines}':16} {statistics.median(cpu) * 1000:7.2f} "
            f"{statistics.median(wall) * 1000:8.2f} {len(queries):7}"
        )
        if args.show:
            for sql, params, seconds in queries:
                print(f"    {seconds * 1000:6.2f} ms  {sql[:150]} {str(params)[:80]}")
    finally:
        shopping.remove_shoppers(PREFIX)


if __name__ == "__main__":
    main()
