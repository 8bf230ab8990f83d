"""Checkout: all lines' units or none, snapshots, totals, consumed carts and query counts."""

from decimal import Decimal

import pytest

from django_shopcore.carts.models import Cart, CartItem
from django_shopcore.catalog.models import Product, ProductVariant
from django_shopcore.orders import signals
from django_shopcore.orders.models import Order, OrderLine, OrderStatusChange

from ..conftest import bearer_client
from ..factories import UserFactory, VariantFactory
from .helpers import ADDRESS, cart_of, checkout, variant_with

pytestmark = pytest.mark.django_db


def test_checkout_places_an_order_and_takes_the_units(user, user_client):
    shirt, mug = variant_with(stock=5, price="10.00"), variant_with(stock=3, price="2.50")
    cart = cart_of(user, [(shirt, 2), (mug, 3)])
    response = checkout(user_client, cart, expected_total="27.50")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["subtotal"] == body["total"] == "27.50"
    assert body["currency"] == "USD" and body["email"] == user.email
    assert body["shipping_address"] == ADDRESS
    assert body["lines"] == [
        {
            "variant": shirt.pk,
            "sku": shirt.sku,
            "product_name": shirt.product.name,
            "options": {},
            "unit_price": "10.00",
            "quantity": 2,
            "line_total": "20.00",
        },
        {
            "variant": mug.pk,
            "sku": mug.sku,
            "product_name": mug.product.name,
            "options": {},
            "unit_price": "2.50",
            "quantity": 3,
            "line_total": "7.50",
        },
    ]
    shirt.refresh_from_db(), mug.refresh_from_db()
    assert (shirt.stock, mug.stock) == (3, 0)
    # The product totals follow in the same transaction.
    assert (shirt.product.__class__.objects.get(pk=shirt.product_id).stock) == 3
    assert not Cart.objects.exists()
    order = Order.objects.get()
    assert list(order.status_changes.values_list("from_status", "to_status")) == [
        ("", "pending_payment")
    ]
    assert order.payment_due_by > order.created_at


def test_snapshots_ignore_later_catalog_changes(user, user_client):
    variant = VariantFactory(price=Decimal("4.00"), options={"size": "M"})
    response = checkout(user_client, cart_of(user, [(variant, 1)]))
    ProductVariant.objects.filter(pk=variant.pk).update(price=Decimal("99.00"), sku="CHANGED")
    line = user_client.get(f"/api/orders/{response.json()['id']}/").json()["lines"][0]
    assert line["unit_price"] == "4.00" and line["sku"] == variant.sku
    assert line["options"] == {"size": "M"}


def test_a_line_lacking_stock_is_a_409_and_nothing_changes(user, user_client):
    plenty, scarce = variant_with(stock=5), variant_with(stock=1)
    cart = cart_of(user, [(plenty, 2), (scarce, 3)])
    response = checkout(user_client, cart)
    assert response.status_code == 409
    assert response.json()["lines"] == [{"variant": scarce.pk, "requested": 3, "available": 1}]
    assert list(
        ProductVariant.objects.filter(pk__in=[plenty.pk, scarce.pk])
        .order_by("pk")
        .values_list("stock", flat=True)
    ) == [5, 1]
    assert not Order.objects.exists() and Cart.objects.filter(pk=cart.pk).exists()


def test_an_inactive_variant_in_the_cart_has_nothing_available(user, user_client):
    variant = variant_with(stock=5)
    cart = cart_of(user, [(variant, 1)])
    ProductVariant.objects.filter(pk=variant.pk).update(is_active=False)
    response = checkout(user_client, cart)
    assert response.status_code == 409
    assert response.json()["lines"] == [{"variant": variant.pk, "requested": 1, "available": 0}]


def test_an_inactive_product_in_the_cart_has_nothing_available(user, user_client):
    taken, variant = variant_with(stock=5), variant_with(stock=5)
    cart = cart_of(user, [(taken, 2), (variant, 1)])
    Product.objects.filter(pk=variant.product_id).update(is_active=False)
    response = checkout(user_client, cart)
    assert response.status_code == 409
    assert response.json()["lines"] == [{"variant": variant.pk, "requested": 1, "available": 0}]
    taken.refresh_from_db()
    assert taken.stock == 5 and CartItem.objects.filter(cart=cart).count() == 2


def test_changed_prices_are_told_before_missing_stock(user, user_client):
    """As before the stock is taken: the total covers every line, the ones lacking stock too."""
    plenty, scarce = variant_with(stock=5, price="1.00"), variant_with(stock=1, price="2.00")
    cart = cart_of(user, [(plenty, 1), (scarce, 3)])
    response = checkout(user_client, cart, expected_total="1.00")
    assert response.status_code == 409 and response.json()["total"] == "7.00"
    response = checkout(user_client, cart, expected_total="7.00")
    assert response.status_code == 409 and response.json()["lines"][0]["available"] == 1


def test_a_changed_expected_total_is_a_409_and_nothing_changes(user, user_client):
    variant = variant_with(stock=5, price="10.00")
    cart = cart_of(user, [(variant, 1)])
    response = checkout(user_client, cart, expected_total="9.99")
    assert response.status_code == 409
    assert response.json()["total"] == "10.00" and "expected_total" in response.json()
    variant.refresh_from_db()
    assert variant.stock == 5 and not Order.objects.exists()


def test_an_empty_cart_is_a_400(user, user_client):
    response = checkout(user_client, cart_of(user))
    assert response.status_code == 400 and "cart" in response.json()


def test_a_cart_already_ordered_is_a_409(user, user_client):
    cart = cart_of(user, [(variant_with(), 1)])
    assert checkout(user_client, cart).status_code == 201
    response = checkout(user_client, cart)
    assert response.status_code == 409 and "cart" in response.json()
    assert Order.objects.count() == 1


def test_someone_elses_cart_is_a_400_naming_cart(user_client):
    cart = cart_of(UserFactory(), [(variant_with(), 1)])
    response = checkout(user_client, cart)
    assert response.status_code == 400 and "cart" in response.json()


def test_an_anonymous_cart_may_be_ordered_by_whoever_holds_it(user_client):
    assert checkout(user_client, cart_of(None, [(variant_with(), 1)])).status_code == 201


def test_checkout_needs_an_account(api_client):
    response = checkout(api_client, cart_of(None, [(variant_with(), 1)]))
    assert response.status_code == 401


def test_a_cart_over_cart_max_lines_is_a_400(user, user_client, settings):
    cart = cart_of(user, [(variant_with(), 1) for _ in range(3)])
    settings.SHOPCORE = {"CART_MAX_LINES": 2}
    response = checkout(user_client, cart)
    assert response.status_code == 400 and "cart" in response.json()


def test_signals_and_the_payment_provider_run_after_commit(
    user, user_client, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, order, **kwargs):
        received.append(order.pk)

    signals.order_placed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = checkout(user_client, cart_of(user, [(variant_with(), 1)]))
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        signals.order_placed.disconnect(receiver)
    assert received == [response.json()["id"]]


@pytest.mark.parametrize("lines", [1, 5, 50])
def test_checkout_takes_constant_queries_whatever_its_lines(
    user, user_client, django_assert_num_queries, lines
):
    cart = cart_of(user, [(variant_with(), 1) for _ in range(lines)])
    # The user; in a savepoint: the cart's DELETE (its lock), its items' DELETE
    # (their quantities), the stock UPDATE (locks and snapshots), product locks
    # and totals and their facet index (options and states read; nothing leaves
    # stock, nothing to write), order, lines, history. The answer needs no read.
    with django_assert_num_queries(13):
        response = checkout(user_client, cart)
    assert response.status_code == 201 and len(response.json()["lines"]) == lines
    assert OrderLine.objects.count() == lines
    assert response.json() == user_client.get(f"/api/orders/{response.json()['id']}/").json()


BAD_ADDRESSES = [
    ("name", None),
    ("name", ""),
    ("name", "x" * 201),
    ("line1", "12\x00 Main St"),
    ("line1", "12\nMain St"),
    ("city", "Lon\x1bdon"),
    ("city", 12),
    ("postal_code", "1" * 21),
    ("country", "XX"),
    ("country", "gb"),
    ("country", "GBR"),
    ("country", ""),
]


@pytest.mark.parametrize(("field", "value"), BAD_ADDRESSES)
def test_bad_address_fields_are_a_400_naming_the_field(user, user_client, field, value):
    variant = variant_with(stock=5)
    cart = cart_of(user, [(variant, 1)])
    address = {**ADDRESS, field: value}
    if value is None:
        del address[field]
    response = checkout(user_client, cart, shipping_address=address)
    assert response.status_code == 400
    assert field in response.json()["shipping_address"]
    variant.refresh_from_db()
    assert variant.stock == 5 and not Order.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cart": "not-a-uuid"}, "cart"),
        ({"cart": 12}, "cart"),
        ({"cart": None}, "cart"),
        ({"shipping_address": "London"}, "shipping_address"),
        ({"expected_total": "abc"}, "expected_total"),
        ({"expected_total": "-1.00"}, "expected_total"),
        ({"expected_total": "1.001"}, "expected_total"),
        ({"expected_total": "NaN"}, "expected_total"),
    ],
)
def test_bad_bodies_are_a_400_naming_the_field(user, user_client, body, field):
    cart = cart_of(user, [(variant_with(), 1)])
    data = {"cart": str(cart.pk), "shipping_address": ADDRESS, **body}
    response = user_client.post("/api/orders/", data, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Order.objects.exists()


def test_an_unknown_cart_is_a_400(user_client):
    response = checkout(user_client, "6c1f3b7e-55a4-4c39-9f1e-3a1bb9f1a0c2")
    assert response.status_code == 400 and "cart" in response.json()


def test_lists_show_the_owners_orders_and_admins_all(user, user_client, admin_client):
    checkout(user_client, cart_of(user, [(variant_with(), 1)]))
    other = UserFactory()
    checkout(bearer_client(other), cart_of(other, [(variant_with(), 1)]))
    assert user_client.get("/api/orders/").json()["count"] == 1
    assert admin_client.get("/api/orders/").json()["count"] == 2


def test_someone_elses_order_is_a_404(user_client):
    other = UserFactory()
    order_id = checkout(bearer_client(other), cart_of(other, [(variant_with(), 1)])).json()["id"]
    assert user_client.get(f"/api/orders/{order_id}/").status_code == 404
    assert user_client.get("/api/orders/abc/").status_code == 404


@pytest.mark.parametrize("orders", [1, 10])
def test_the_order_list_takes_four_queries_whatever_its_size(
    user, user_client, django_assert_num_queries, orders
):
    for _ in range(orders):
        checkout(user_client, cart_of(user, [(variant_with(), 1), (variant_with(), 2)]))
    # The user, the count, the page, its lines.
    with django_assert_num_queries(4):
        response = user_client.get("/api/orders/")
    assert len(response.json()["results"]) == orders


def test_an_ordered_variant_cannot_be_deleted(user, user_client):
    variant = variant_with()
    extra = VariantFactory(product=variant.product)
    checkout(user_client, cart_of(user, [(extra, 1)]))
    with pytest.raises(Exception, match="protected"):
        extra.delete()
    assert OrderStatusChange.objects.count() == 1


class FailingProvider:
    """A payment service that is down."""

    def start_payment(self, order):
        raise ConnectionError("the payment service is down")


def test_a_failing_payment_provider_does_not_undo_the_order(
    user, user_client, settings, django_capture_on_commit_callbacks, caplog
):
    settings.SHOPCORE = {"PAYMENT_PROVIDER": f"{__name__}.FailingProvider"}
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(user_client, cart_of(user, [(variant_with(), 1)]))
    assert response.status_code == 201
    # The provider ran after commit, failed, and was logged.
    assert "the payment service is down" in caplog.text
    assert Order.objects.filter(pk=response.json()["id"]).exists()
