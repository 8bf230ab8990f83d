"""The shopper buys: a cart, its items, an order with an Idempotency-Key, then a cancellation."""

import secrets
from decimal import Decimal
from http import HTTPStatus

from shopcore_client import AuthenticatedClient
from shopcore_client.api.carts import carts_create, carts_items_create, carts_items_partial_update
from shopcore_client.api.orders import orders_cancel_create, orders_create, orders_list
from shopcore_client.api.products import products_retrieve
from shopcore_client.models import (
    AddItemRequest,
    Cart,
    CheckoutRequest,
    Order,
    PaginatedOrderList,
    PatchedChangeItemRequest,
    PriceConflict,
    ProductDetail,
    ShippingAddressRequest,
    StatusEnum,
    StockConflict,
)

from .catalog import Catalog
from .responses import check, expect

ADDRESS = ShippingAddressRequest(
    name="Ada Lovelace",
    line1="12 St James's Square",
    city="London",
    postal_code="SW1Y 4JH",
    country="GB",
)


def fill_cart(shopper: AuthenticatedClient, catalog: Catalog) -> Cart:
    """Two 250 g bags and a kettle, then three bags; the sold-out coffee is refused."""
    cart = expect(carts_create.sync_detailed(client=shopper), HTTPStatus.CREATED, Cart)
    check(cart.items == [], f"a new cart is empty: {cart.items}")
    bag = catalog.ethiopia_sizes["250 g"]
    kettle = product(shopper, catalog.products["Pour-Over Kettle"].id).variants[0]
    sold_out = product(shopper, catalog.products["Sumatra Mandheling"].id).variants[0]
    for variant_id, quantity in [(bag.id, 2), (kettle.id, 1)]:
        cart = expect(
            carts_items_create.sync_detailed(
                cart.id, client=shopper, body=AddItemRequest(variant=variant_id, quantity=quantity)
            ),
            HTTPStatus.CREATED,
            Cart,
        )
    shortage = expect(
        carts_items_create.sync_detailed(
            cart.id, client=shopper, body=AddItemRequest(variant=sold_out.id, quantity=1)
        ),
        HTTPStatus.CONFLICT,
        StockConflict,
    )
    check(shortage.available == 0, f"sold out: {shortage}")
    line = next(item for item in cart.items if item.variant == bag.id)
    cart = expect(
        carts_items_partial_update.sync_detailed(
            cart.id, line.id, client=shopper, body=PatchedChangeItemRequest(quantity=3)
        ),
        HTTPStatus.OK,
        Cart,
    )
    quantities = sorted((item.sku, item.quantity) for item in cart.items)
    check(quantities == sorted([(bag.sku, 3), (kettle.sku, 1)]), f"cart: {quantities}")
    check(cart.subtotal == "112.50", f"3 x 14.50 + 69.00, not {cart.subtotal}")
    return cart


def product(shopper: AuthenticatedClient, product_id: int) -> ProductDetail:
    return expect(
        products_retrieve.sync_detailed(product_id, client=shopper), HTTPStatus.OK, ProductDetail
    )


def place_order(shopper: AuthenticatedClient, cart: Cart) -> Order:
    """A stale expected_total is a 409; the right one places the order, once per key."""
    stale_total = str(Decimal(cart.subtotal) - 1)
    changed = expect(
        orders_create.sync_detailed(
            client=shopper,
            body=CheckoutRequest(
                cart=cart.id, shipping_address=ADDRESS, expected_total=stale_total
            ),
            idempotency_key=secrets.token_hex(16),
        ),
        HTTPStatus.CONFLICT,
        PriceConflict,
    )
    check(changed.total == cart.subtotal, f"the total now: {changed}")

    key = secrets.token_hex(16)
    body = CheckoutRequest(cart=cart.id, shipping_address=ADDRESS, expected_total=cart.subtotal)
    order = expect(
        orders_create.sync_detailed(client=shopper, body=body, idempotency_key=key),
        HTTPStatus.CREATED,
        Order,
    )
    check(order.status == StatusEnum.PENDING_PAYMENT, f"status {order.status}")
    check(order.total == cart.subtotal and len(order.lines) == 2, f"order: {order}")
    check(order.shipping_address.city == ADDRESS.city, f"ships to {order.shipping_address}")
    # A retry (say, after a lost answer) with the same key gets the same order back.
    retry = orders_create.sync_detailed(client=shopper, body=body, idempotency_key=key)
    replayed = expect(retry, HTTPStatus.CREATED, Order)
    check(replayed.id == order.id, f"replayed order {replayed.id}, not {order.id}")
    check(retry.headers.get("Idempotent-Replayed") == "true", f"headers: {retry.headers}")
    return order


def my_orders(shopper: AuthenticatedClient) -> PaginatedOrderList:
    return expect(orders_list.sync_detailed(client=shopper), HTTPStatus.OK, PaginatedOrderList)


def cancel(shopper: AuthenticatedClient, order: Order) -> Order:
    cancelled = expect(
        orders_cancel_create.sync_detailed(order.id, client=shopper), HTTPStatus.OK, Order
    )
    check(cancelled.status == StatusEnum.CANCELLED, f"status {cancelled.status}")
    return cancelled
