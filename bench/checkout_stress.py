"""Stress checkout over HTTP: 200 buyers race for 50 units under gunicorn with 4 workers.

Serves the example project as deployed (bench.settings: the example's
settings, DEBUG off, PostgreSQL, Redis; plain HTTP on loopback) with 4 sync
workers on a fresh database, makes buyers through the ORM (access tokens
minted, no login) and their carts, then sends every checkout at once:

- ``--buyers`` (200) carts compete for the ``--units`` (50) of one variant:
  some hold only it, the others hold it with further variants (one of them of
  the same product), cart by cart in opposite orders;
- ``--others`` (40) carts hold only plentiful variants, also in opposite
  orders, and must all be ordered.

It checks that exactly ``--units`` units of the contended variant are sold
and its stock ends at 0, that no stock is ever negative (the CHECK
constraint exists, a poller samples the stock during the run, and every
variant's stock is its initial stock less its order lines), that every
answer is a 201 or the documented 409 with ``lines`` (no 5xx, no broken
connection), that the orders and lines in the database are those of the
201s and the carts of the 409s are untouched, and that
``pg_stat_database.deadlocks`` did not move. Prints a summary; exits 1 on
any violation (`make stress`, run by .ci/run).

    .venv/bin/python bench/checkout_stress.py [--database shopcore_stress] [--cache-url ...]
"""

import argparse
import dataclasses
import http.client
import json
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import shopping
from bench.harness import (
    DEFAULT_SERVER_URL,
    Server,
    configure_django,
    ensure_database,
    free_port,
    log,
    migrate,
    stop_on_sigterm,
)

BUYER_PREFIX = "stress-buyer-"
PLENTY = 10_000
# How long one checkout may take, queued behind the others on 4 workers.
REQUEST_TIMEOUT = 60
# Seconds between two samples of the stock while the checkouts run.
POLL_INTERVAL = 0.002


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="shopcore_stress", help="recreated on every run")
    parser.add_argument("--server-url", default=DEFAULT_SERVER_URL)
    parser.add_argument(
        "--cache-url", default="redis://127.0.0.1:6379/13", help="Redis (flushed first)"
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--others", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def check_redis(url):
    """Fail at once, naming the component, when Redis does not answer."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        sys.exit(f"error: Redis does not answer at {url}: {error}")


class Catalog:
    """The contended variant, a second variant of its product, and two plentiful products."""

    def __init__(self, units):
        from django_shopcore.catalog.models import Category, Product, ProductVariant
        from django_shopcore.catalog.variants import refresh_product_totals, save_options

        category = Category.objects.create(name="Stress")
        contended = Product.objects.create(
            name="Last units", slug="last-units", category=category, price="5.00", stock=units
        )
        self.scarce = contended.variants.get()
        self.sibling = ProductVariant.objects.create(
            product=contended,
            sku="last-units-xl",
            options={"size": "XL"},
            price="6.00",
            stock=PLENTY,
        )
        save_options(self.sibling)
        refresh_product_totals([contended.pk])
        self.first, self.second = (
            Product.objects.create(
                name=name, slug=name.lower(), category=category, price="1.50", stock=PLENTY
            ).variants.get()
            for name in ("Plenty", "Abundance")
        )
        self.variants = [self.scarce, self.sibling, self.first, self.second]

    def competing_lines(self, index):
        """The contended variant, alone or with others, cart by cart in opposite orders."""
        scarce, sibling, first, second = (variant.pk for variant in self.variants)
        return [
            [(scarce, 1)],
            [(scarce, 1), (first, 1), (second, 2)],
            [(second, 2), (first, 1), (scarce, 1)],
            [(sibling, 1), (scarce, 1), (first, 1)],
            [(first, 1), (scarce, 1), (sibling, 1)],
        ][index % 5]

    def other_lines(self, index):
        _scarce, sibling, first, second = (variant.pk for variant in self.variants)
        return [[(first, 1), (second, 1), (sibling, 1)], [(sibling, 1), (second, 1), (first, 1)]][
            index % 2
        ]

    def stock(self):
        from django_shopcore.catalog.models import ProductVariant

        return dict(
            ProductVariant.objects.filter(pk__in=[v.pk for v in self.variants]).values_list(
                "pk", "stock"
            )
        )


def make_carts(buyers, lines_per_buyer):
    """A cart per buyer holding its lines, inserted in the order given."""
    from django_shopcore.carts.models import Cart, CartItem

    carts = Cart.objects.bulk_create(Cart(owner=buyer) for buyer in buyers)
    CartItem.objects.bulk_create(
        CartItem(cart=cart, variant_id=variant, quantity=quantity)
        for cart, lines in zip(carts, lines_per_buyer, strict=True)
        for variant, quantity in lines
    )
    return carts


def deadlocks():
    from django.db import connection

    with connection.cursor() as cursor:
        # Statistics are a snapshot per transaction: take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def stock_check_constraint_exists():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'shopcore_productvariant'::regclass AND contype = 'c' "
            "AND convalidated"
        )
        return any("stock >= 0" in row[0] for row in cursor.fetchall())


class StockPoller(threading.Thread):
    """Samples the lowest stock of the variants on a connection of its own until stopped."""

    def __init__(self, database_url, variant_ids):
        super().__init__(daemon=True)
        self.database_url = database_url
        self.variant_ids = variant_ids
        self.lowest = None
        self.samples = 0
        self.stopping = threading.Event()

    def run(self):
        import psycopg2

        connection = psycopg2.connect(self.database_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self.stopping.is_set():
                cursor.execute(
                    "SELECT min(stock) FROM shopcore_productvariant WHERE id = ANY(%s)",
                    [self.variant_ids],
                )
                value = cursor.fetchone()[0]
                self.lowest = value if self.lowest is None else min(self.lowest, value)
                self.samples += 1
                time.sleep(POLL_INTERVAL)
        connection.close()

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


def warm_up(port, workers):
    """Concurrent reads, so that the workers have connected and loaded before the race."""

    def read():
        for _ in range(3):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            connection.request("GET", "/api/products/")
            connection.getresponse().read()
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(workers * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def post_all(port, purchases):
    """Send every checkout at once, on a connection each; the answers go to the purchases."""
    barrier = threading.Barrier(len(purchases))

    def send(purchase):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            connection.connect()
            barrier.wait()
            started = time.monotonic()
            connection.request(
                "POST",
                "/api/orders/",
                body=purchase.request_body(),
                headers={
                    "Authorization": f"Bearer {purchase.token}",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            purchase.answered(response.status, response.read(), time.monotonic() - started)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            # No status: counted as a violation ("every answer is a 201 or a 409").
            purchase.answered(None, repr(error), None)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(purchase,)) for purchase in purchases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 30)


def summed(lines):
    totals = Counter()
    for variant, quantity in lines:
        totals[variant] += quantity
    return dict(totals)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


class Checks:
    """Collects violations instead of stopping at the first: the summary shows them all."""

    def __init__(self):
        self.passed, self.failed = [], []

    def __call__(self, condition, description):
        (self.passed if condition else self.failed).append(description)


@dataclasses.dataclass
class Purchase:
    """A buyer's cart, what it holds, whether it competes for the contended units, the answer."""

    token: str
    cart_id: str
    lines: dict  # variant id -> units
    competes: bool
    status: int | None = None
    body: object = None
    seconds: float | None = None

    def request_body(self):
        return json.dumps({"cart": self.cart_id, "shipping_address": shopping.ADDRESS})

    def answered(self, status, payload, seconds):
        self.status, self.seconds = status, seconds
        try:
            self.body = json.loads(payload)
        except ValueError:
            self.body = payload

    def placed_lines(self):
        """``{variant: units}`` of the order the 201 answered with."""
        return summed((line["variant"], line["quantity"]) for line in self.body["lines"])


def verify(catalog, purchases, initial, poller, deadlocks_before):
    """Every property of the run, each recorded as passed or failed."""
    from django_shopcore.carts.models import CartItem
    from django_shopcore.catalog.models import Product
    from django_shopcore.orders.models import Order, OrderLine, OrderStatusChange

    check = Checks()
    statuses = Counter(purchase.status for purchase in purchases)
    check(set(statuses) <= {201, 409}, f"every answer is a 201 or a 409: {dict(statuses)}")
    check(not any(status and status >= 500 for status in statuses), "no 5xx answer")
    placed = [purchase for purchase in purchases if purchase.status == 201]
    refused = [purchase for purchase in purchases if purchase.status == 409]
    check(
        all(purchase.placed_lines() == purchase.lines for purchase in placed),
        "each 201's order holds its cart's lines",
    )
    check(
        all(
            purchase.competes and documented_shortage(purchase.body, catalog)
            for purchase in refused
        ),
        f"each of the {len(refused)} 409s is for a competing cart, `lines` naming its variant",
    )
    units = initial[catalog.scarce.pk]
    # Each competing cart holds one contended unit.
    won = sum(purchase.competes for purchase in placed)
    check(won == units, f"{won} competing checkouts succeeded for {units} units")
    check(
        all(purchase.status == 201 for purchase in purchases if not purchase.competes),
        "every non-competing cart was ordered",
    )

    orders = Order.objects.filter(cart_id__in=[purchase.cart_id for purchase in purchases])
    by_cart = {str(cart_id): pk for pk, cart_id in orders.values_list("pk", "cart_id")}
    check(
        by_cart == {purchase.cart_id: purchase.body["id"] for purchase in placed},
        f"the database holds the 201s' orders and no other ({len(by_cart)} orders)",
    )
    database_lines = {}
    for order_id, variant, quantity in OrderLine.objects.filter(order__in=orders).values_list(
        "order_id", "variant_id", "quantity"
    ):
        database_lines.setdefault(order_id, []).append((variant, quantity))
    check(
        all(
            summed(database_lines.get(purchase.body["id"], [])) == purchase.placed_lines()
            for purchase in placed
        ),
        "each order's lines in the database are those of its 201",
    )
    check(
        OrderStatusChange.objects.filter(order__in=orders).count() == len(placed),
        "one history row per order",
    )

    final = catalog.stock()
    sold = Counter()
    for lines in database_lines.values():
        for variant, quantity in lines:
            sold[variant] += quantity
    scarce = catalog.scarce.pk
    check(final[scarce] == 0, f"the contended stock ends at {final[scarce]}")
    check(sold[scarce] == units, f"order lines hold {sold[scarce]} contended units")
    check(
        all(final[v] == initial[v] - sold[v] >= 0 for v in initial),
        "every variant's stock is its initial stock less its order lines, never below 0",
    )
    check(stock_check_constraint_exists(), "the CHECK (stock >= 0) constraint is in place")
    check(
        poller.lowest is not None and poller.lowest >= 0,
        f"the lowest stock sampled during the run is {poller.lowest} ({poller.samples} samples)",
    )
    products = Product.objects.filter(pk__in={v.product_id for v in catalog.variants})
    check(
        all(
            product.stock
            == sum(final[v.pk] for v in catalog.variants if v.product_id == product.pk)
            for product in products
        ),
        "each product's stock is its variants' total",
    )

    items = {}
    for cart_id, variant, quantity in CartItem.objects.filter(
        cart_id__in=[purchase.cart_id for purchase in purchases]
    ).values_list("cart_id", "variant_id", "quantity"):
        items.setdefault(str(cart_id), []).append((variant, quantity))
    check(not any(p.cart_id in items for p in placed), "every ordered cart was consumed")
    check(
        all(summed(items.get(p.cart_id, [])) == p.lines for p in refused),
        f"the {len(refused)} carts not ordered are untouched",
    )
    check(deadlocks() == deadlocks_before, "pg_stat_database.deadlocks did not change")
    return check, statuses, sold


def documented_shortage(body, catalog):
    """The documented 409: ``lines`` of ``{variant, requested, available}`` lacking stock."""
    shortages = body.get("lines") if isinstance(body, dict) else None
    return (
        isinstance(shortages, list)
        and any(line.get("variant") == catalog.scarce.pk for line in shortages)
        and all(line["requested"] > line["available"] >= 0 for line in shortages)
    )


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args()
    started = time.monotonic()
    database_url = f"{args.server_url}/{args.database}"
    check_redis(args.cache_url)
    ensure_database(args.server_url, args.database, fresh=True)
    configure_django(database_url, args.cache_url)
    migrate()
    log("Making the catalog, the buyers, their tokens and carts")
    catalog = Catalog(args.units)
    buyers = shopping.create_shoppers(args.buyers + args.others, prefix=BUYER_PREFIX)
    cart_lines = [catalog.competing_lines(i) for i in range(args.buyers)] + [
        catalog.other_lines(i) for i in range(args.others)
    ]
    carts = make_carts(buyers, cart_lines)
    purchases = [
        Purchase(shopping.access_token(buyer), str(cart.pk), summed(lines), index < args.buyers)
        for index, (buyer, cart, lines) in enumerate(zip(buyers, carts, cart_lines, strict=True))
    ]
    initial = catalog.stock()
    deadlocks_before = deadlocks()
    poller = StockPoller(database_url, [variant.pk for variant in catalog.variants])
    with tempfile.TemporaryFile("w+") as server_log:
        burst = race(args, purchases, poller, server_log)
        # Stopped: the workers' backends have exited, their statistics flushed.
        check, statuses, sold = verify(catalog, purchases, initial, poller, deadlocks_before)
        report(args, purchases, check, statuses, sold, catalog, burst)
        print(f"  total {time.monotonic() - started:.1f} s")
        if check.failed:
            server_log.seek(0)
            print("--- gunicorn's log (the last 50 lines) ---")
            print("".join(server_log.readlines()[-50:]))
            print(f"\ncheckout stress: FAILED ({len(check.failed)} violations)")
            return 1
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(args.server_url, args.database)
    print("\ncheckout stress: PASSED")
    return 0


def race(args, purchases, poller, server_log):
    """Serve, then send every checkout at once while the poller samples; returns seconds."""
    port = args.port or free_port()
    with Server(port, workers=args.workers, log=server_log) as server:
        warm_up(port, args.workers)
        log(f"{len(purchases)} checkouts at once on {args.workers} workers ({server.base_url})")
        poller.start()
        burst_started = time.monotonic()
        post_all(port, purchases)
        burst = time.monotonic() - burst_started
        poller.stop()
    return burst


def report(args, purchases, check, statuses, sold, catalog, burst):
    seconds = [purchase.seconds for purchase in purchases if purchase.seconds is not None]
    print(
        f"\ncheckout stress: {len(purchases)} checkouts at once ({args.buyers} competing for "
        f"{args.units} units), gunicorn with {args.workers} sync workers"
    )
    print(f"  answers: {dict(sorted(statuses.items(), key=str))}")
    print(f"  units sold per variant: {dict(sold)}; stock now {catalog.stock()}")
    print(
        f"  burst {burst:.2f} s; latency p50 {percentile(seconds, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(seconds, 0.99) * 1000:.0f} ms, max {max(seconds, default=0) * 1000:.0f}"
        " ms"
    )
    for description in check.passed:
        print(f"  ok    {description}")
    for description in check.failed:
        print(f"  FAIL  {description}")


def drop_database(server_url, name):
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(f"{server_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    connection.close()


if __name__ == "__main__":
    sys.exit(main())
