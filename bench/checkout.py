"""The write request types of bench/run.py: add-to-cart and the checkout of a 3-line cart.

Every request needs data of its own (a checkout consumes its cart), so each
wrk run walks a file of pre-made requests once (bench/report.lua,
``WRK_REQUESTS``): carts are bulk-created through the ORM for it, with
variants drawn at random across the catalog, and owned carts get their
user's access token. A short run on 2 connections first warms both workers
up and estimates the rate, from which the next run's file is sized; a run
that still exhausts its file is repeated with one twice as long.
"""

from bench import shopping
from bench.harness import count_queries, log, run_wrk, write_request_file

WRITE_TYPES = ("add_to_cart", "checkout")
CHECKOUT_LINES = 3
# Variants added to each anonymous cart by add_to_cart, one request each.
ADDS_PER_CART = 3
SHOPPERS = 50
# The variant pool: random in-stock variants, each used at most USES times (it
# has at least MIN_STOCK units, so no checkout runs out of stock).
POOL_SIZE = 20_000
MIN_STOCK = 10
USES = 5
WARM_UP_REQUESTS = 300
# Checkout lines counted in-process: the count must not grow with them.
LINES_COUNTED = (1, CHECKOUT_LINES, 10)


class Shop:
    """The shoppers, their tokens and the variant pool of one bench run; ``close`` undoes it."""

    def __init__(self, seed):
        shopping.remove_shoppers()  # whatever an interrupted run left
        self.shoppers = shopping.create_shoppers(SHOPPERS)
        self.tokens = {user.pk: shopping.access_token(user) for user in self.shoppers}
        variants = shopping.sellable_variants(POOL_SIZE, seed=seed, min_stock=MIN_STOCK)
        if len(variants) < POOL_SIZE:
            raise RuntimeError(f"only {len(variants)} variants with {MIN_STOCK}+ units in stock")
        self.pool = shopping.VariantPool(variants, USES)
        self.anonymous_carts = []

    def requests(self, kind, count):
        if kind == "checkout":
            return shopping.checkout_requests(
                self.shoppers, self.tokens, count, CHECKOUT_LINES, self.pool
            )
        carts = -(-count // ADDS_PER_CART)
        lines, made = shopping.add_to_cart_requests(carts, ADDS_PER_CART, self.pool)
        self.anonymous_carts += made
        return lines

    def close(self):
        shopping.delete_carts(self.anonymous_carts)
        shopping.remove_shoppers()

    def count_queries(self):
        """SQL queries per request type, in-process: checkout by lines, add-to-cart by line."""
        counts = {}
        for lines in LINES_COUNTED:
            [(_method, path, token, body)] = shopping.checkout_requests(
                self.shoppers, self.tokens, 1, lines, self.pool
            )
            counts[f"checkout_{lines}_lines"] = self.count(path, token, body)
        requests = self.requests("add_to_cart", ADDS_PER_CART)
        for number, (_method, path, token, body) in enumerate(requests, start=1):
            counts[f"add_to_cart_line_{number}"] = self.count(path, token, body)
        return counts

    @staticmethod
    def count(path, token, body):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        status, queries, _plans = count_queries(
            path, method="post", data=body, content_type="application/json", headers=headers
        )
        if status not in (200, 201):
            raise RuntimeError(f"POST {path} answered {status} in-process")
        return queries


def measure(shop, base_url, kind, connections, duration, request_dir, run=run_wrk):
    """wrk's summary for ``kind`` on ``connections``, each request with data of its own.

    ``run`` is the measured wrk run (``run_wrk``'s signature; bench/capacity.py
    adds CPU counters); the warm-up is never measured.
    """
    warm_up = request_dir / f"{kind}-{connections}c-warm-up.tsv"
    write_request_file(warm_up, shop.requests(kind, WARM_UP_REQUESTS))
    rate = run_wrk(base_url, 2, 1, requests_file=warm_up)["rps"]
    # Headroom: more connections may serve more, and the run may go quicker than the warm-up.
    count = int(rate * duration * 3) + 100
    for _attempt in range(3):
        requests_file = request_dir / f"{kind}-{connections}c.tsv"
        write_request_file(requests_file, shop.requests(kind, count))
        stats = run(base_url, connections, duration, requests_file=requests_file)
        if not stats["overrun"]:
            return stats
        log(f"   {stats['overrun']} requests past the {count} prepared: again with twice as many")
        count *= 2
    raise RuntimeError(f"{kind}: wrk kept running out of prepared requests")
