"""Run the storefront against E2E_BASE_URL as E2E_ADMIN_USERNAME, printing each step."""

import os
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from . import accounts, browsing, catalog, checkout
from .responses import check

Result = TypeVar("Result")


def step(name: str, action: Callable[[], Result]) -> Result:
    started = time.monotonic()
    result = action()
    print(f"ok  {name} ({(time.monotonic() - started) * 1000:.0f} ms)", flush=True)
    return result


def main() -> int:
    base_url = os.environ["E2E_BASE_URL"]
    admin = step(
        "the admin logs in",
        lambda: accounts.log_in(
            base_url, os.environ["E2E_ADMIN_USERNAME"], os.environ["E2E_ADMIN_PASSWORD"]
        ),
    )
    shop = step("the admin builds the catalog", lambda: catalog.build_catalog(admin.client))
    step("the admin updates and deletes", lambda: catalog.update_and_delete(admin.client, shop))

    account, password = step("a shopper registers", lambda: accounts.register(base_url))
    session = step("logs in", lambda: accounts.log_in(base_url, account.username, password))
    session = step("refreshes the token pair", lambda: accounts.refresh(base_url, session))
    shopper = session.client
    step("browses root categories and a child", lambda: browsing.browse_categories(shopper, shop))
    step("lists products with every filter", lambda: browsing.filtered_lists(shopper, shop))
    step("pages through with next", lambda: browsing.page_through(shopper))
    step("reads a detail with variants and images", lambda: browsing.product_detail(shopper, shop))
    cart = step("fills a cart and changes a quantity", lambda: checkout.fill_cart(shopper, shop))
    order = step(
        "places an order with an Idempotency-Key", lambda: checkout.place_order(shopper, cart)
    )
    bag = shop.products["Ethiopia Yirgacheffe"].id
    stock = step("sees the stock taken", lambda: checkout.product(shopper, bag).stock)
    orders = step("lists own orders", lambda: checkout.my_orders(shopper))
    check([mine.id for mine in orders.results] == [order.id], f"orders: {orders}")
    step("cancels the order", lambda: checkout.cancel(shopper, order))
    restocked = checkout.product(shopper, bag).stock
    check((stock, restocked) == (27, 30), f"stock {stock} after the order, {restocked} after")
    step("logs out", lambda: accounts.log_out(session))
    print("storefront: every step passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
