"""CPU time per cart write in one process, without HTTP: the add-to-cart and its neighbours.

Like bench/inprocess.py (GETs of the catalog), for ``POST /api/carts/{id}/items/``
as an anonymous client sends it, on a cart of 0 or 3 lines: ``add_new`` adds a
line (removed again, untimed, after each request), ``add_existing`` adds to a
line (its quantity reset, untimed), so that every request does the same work
and no stock runs out. ``patch``, ``get`` and ``create`` are the cart's other
requests. Prints the median CPU time of the process and the median wall time,
with the SQL queries of one request; ``--profile NAME`` prints a cProfile of
that request type instead. The carts it makes are deleted at the end.

    cd example_project
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopcore_perf_grown SECRET_KEY=x \\
        REDIS_URL=redis://127.0.0.1:6379/5 ../.venv/bin/python ../bench/inprocess_cart.py
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path.cwd())]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

TYPES = [
    "add_new",
    "add_existing",
    "add_new_3",
    "add_existing_3",
    "patch_3",
    "get_3",
    "create",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("types", nargs="*", help="request types (all)")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--profile", metavar="NAME", choices=TYPES, help="cProfile one type")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats)")
    parser.add_argument("--lines", type=int, default=60, help="the profile's length")
    parser.add_argument("--show", action="store_true", help="print each type's SQL and answer")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from django_shopcore.carts.models import Cart

    client = Client()
    requests = Requests(client)
    try:
        if args.profile:
            profile(*requests.send(args.profile), args)
            return
        print(f"{'type':16} {'cpu ms':>7} {'wall ms':>8} {'queries':>7}  status")
        for name in args.types or TYPES:
            send, reset = requests.send(name)
            for _ in range(20):
                send()
                reset()
            cpu, wall = [], []
            for _ in range(args.repeat):
                started_cpu, started = time.process_time(), time.perf_counter()
                send()
                cpu.append(time.process_time() - started_cpu)
                wall.append(time.perf_counter() - started)
                reset()
            queries = []

            def record(execute, sql, params, many, context, queries=queries):
                queries.append((sql, params))
                return execute(sql, params, many, context)

            with connection.execute_wrapper(record):
                response = send()
            reset()
            print(
                f"{name:16} {statistics.median(cpu) * 1000:7.2f} "
                f"{statistics.median(wall) * 1000:8.2f} {len(queries):7}  {response.status_code}"
            )
            if args.show:
                for sql, params in queries:
                    print("   ", sql[:160], params)
                print("   ", response.content.decode()[:400])
    finally:
        Cart.objects.filter(pk__in=requests.carts).delete()


class Requests:
    """Each request type as a function that sends it, with the untimed reset it needs."""

    def __init__(self, client):
        from django_shopcore.catalog.models import ProductVariant

        self.client = client
        self.carts = []
        # Variants that may be bought many times over: the reset keeps quantities small.
        self.variants = list(
            ProductVariant.objects.filter(is_active=True, product__is_active=True, stock__gte=100)
            .order_by("id")
            .values_list("id", flat=True)[:5]
        )

    def new_cart(self, lines=0):
        cart_id = self.client.post("/api/carts/", content_type="application/json").json()["id"]
        self.carts.append(cart_id)
        for variant in self.variants[:lines]:
            self.post_item(cart_id, variant)
        return cart_id

    def create(self):
        response = self.client.post("/api/carts/", content_type="application/json")
        self.carts.append(response.json()["id"])
        return response

    def post_item(self, cart_id, variant):
        response = self.client.post(
            f"/api/carts/{cart_id}/items/",
            json.dumps({"variant": variant, "quantity": 1}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        return response

    def send(self, name):
        """``(send, reset)``: the request, and what puts the cart back as it was (untimed)."""
        from django_shopcore.carts.models import CartItem

        def nothing():
            pass

        lines = 3 if name.endswith("_3") else 0
        if name == "create":
            return self.create, nothing
        if name == "add_existing":
            lines = 1
        cart_id = self.new_cart(lines)
        if name.startswith("add_new"):
            variant = self.variants[lines]

            return (
                lambda: self.post_item(cart_id, variant),
                lambda: CartItem.objects.filter(cart_id=cart_id, variant_id=variant).delete(),
            )
        if name.startswith("add_existing"):
            variant = self.variants[0]

            return (
                lambda: self.post_item(cart_id, variant),
                lambda: CartItem.objects.filter(cart_id=cart_id, variant_id=variant).update(
                    quantity=1
                ),
            )
        if name == "patch_3":
            item = CartItem.objects.filter(cart_id=cart_id).order_by("id").first()
            path = f"/api/carts/{cart_id}/items/{item.pk}/"
            body = json.dumps({"quantity": 2})
            return lambda: self.client.patch(path, body, content_type="application/json"), nothing
        return lambda: self.client.get(f"/api/carts/{cart_id}/"), nothing


def profile(send, reset, args):
    for _ in range(20):
        send()
        reset()
    # CPU time only: waiting for the database or Redis is not this process's cost.
    profiler = cProfile.Profile(time.process_time)
    for _ in range(args.repeat):
        profiler.enable()
        send()
        profiler.disable()
        reset()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.lines)
    print(out.getvalue())


if __name__ == "__main__":
    main()
