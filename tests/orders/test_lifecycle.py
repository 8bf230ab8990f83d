"""Order transitions: who may make which, stock returned on cancel and expiry, the commands."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from django_shopcore.catalog.models import Product
from django_shopcore.orders import signals
from django_shopcore.orders.models import IdempotencyKey, Order, OrderStatusChange
from django_shopcore.orders.payments import ManualPaymentProvider

from .helpers import cart_of, checkout, variant_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return variant_with(stock=10)


@pytest.fixture
def order(user, user_client, variant):
    response = checkout(user_client, cart_of(user, [(variant, 3)]))
    return Order.objects.get(pk=response.json()["id"])


def post(client, order, action):
    return client.post(f"/api/orders/{order.pk}/{action}/")


def stock_of(variant):
    variant.refresh_from_db()
    assert Product.objects.get(pk=variant.product_id).stock == variant.stock
    return variant.stock


def history(order):
    return list(order.status_changes.values_list("from_status", "to_status"))


def test_the_owner_cancels_a_pending_order_and_its_units_return(user, user_client, order, variant):
    assert stock_of(variant) == 7
    response = post(user_client, order, "cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert stock_of(variant) == 10
    assert history(order)[-1] == ("pending_payment", "cancelled")
    assert order.status_changes.last().changed_by == user


def test_the_owner_cannot_cancel_a_paid_order(user_client, admin_client, order, variant):
    post(admin_client, order, "mark-paid")
    response = post(user_client, order, "cancel")
    assert response.status_code == 409 and response.json()["status"] == "paid"
    assert "paid" in response.json()["detail"]
    assert stock_of(variant) == 7


def test_an_admin_cancels_a_paid_order_and_its_units_return(admin_client, order, variant):
    post(admin_client, order, "mark-paid")
    response = post(admin_client, order, "cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert stock_of(variant) == 10


def test_cancelling_twice_returns_the_units_once(user_client, order, variant):
    post(user_client, order, "cancel")
    response = post(user_client, order, "cancel")
    assert response.status_code == 409 and response.json()["status"] == "cancelled"
    assert stock_of(variant) == 10


def test_an_admin_marks_paid_then_fulfils(admin_client, order):
    assert post(admin_client, order, "mark-paid").json()["status"] == "paid"
    assert post(admin_client, order, "fulfil").json()["status"] == "fulfilled"
    assert history(order) == [
        ("", "pending_payment"),
        ("pending_payment", "paid"),
        ("paid", "fulfilled"),
    ]


@pytest.mark.parametrize(
    ("steps", "action", "status"),
    [
        ([], "fulfil", "pending_payment"),
        (["mark-paid"], "mark-paid", "paid"),
        (["mark-paid", "fulfil"], "cancel", "fulfilled"),
        (["cancel"], "mark-paid", "cancelled"),
    ],
)
def test_a_transition_the_status_does_not_allow_is_a_409_naming_it(
    admin_client, order, steps, action, status
):
    for step in steps:
        post(admin_client, order, step)
    response = post(admin_client, order, action)
    assert response.status_code == 409 and response.json()["status"] == status


def test_customers_cannot_mark_paid_or_fulfil(user_client, order):
    assert post(user_client, order, "mark-paid").status_code == 403
    assert post(user_client, order, "fulfil").status_code == 403
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_transitions_of_someone_elses_order_are_a_404(order):
    from ..conftest import bearer_client
    from ..factories import UserFactory

    assert post(bearer_client(UserFactory()), order, "cancel").status_code == 404


def test_signals_are_sent_on_commit(admin_client, order, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, order, **kwargs):
        received.append(order.status)

    signals.order_paid.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post(admin_client, order, "mark-paid")
    finally:
        signals.order_paid.disconnect(receiver)
    assert received == ["paid"]


def test_the_command_expires_unpaid_orders_past_due_and_returns_stock(order, variant):
    fresh = Order.objects.create(
        number="fresh",
        user=order.user,
        cart_id="6c1f3b7e-55a4-4c39-9f1e-3a1bb9f1a0c2",
        shipping_address={},
        subtotal=0,
        total=0,
        currency="USD",
        payment_due_by=timezone.now() + timedelta(hours=1),
    )
    Order.objects.filter(pk=order.pk).update(payment_due_by=timezone.now() - timedelta(seconds=1))
    call_command("shopcore_expire_orders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    order.refresh_from_db(), fresh.refresh_from_db()
    assert (order.status, fresh.status) == ("expired", "pending_payment")
    assert stock_of(variant) == 10
    # Run again: nothing more comes back.
    call_command("shopcore_expire_orders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert stock_of(variant) == 10
    assert history(order)[-1] == ("pending_payment", "expired")


def test_the_command_spares_paid_orders(admin_client, order, variant):
    post(admin_client, order, "mark-paid")
    Order.objects.filter(pk=order.pk).update(payment_due_by=timezone.now() - timedelta(hours=1))
    call_command("shopcore_expire_orders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    order.refresh_from_db()
    assert order.status == "paid" and stock_of(variant) == 7


def test_the_command_deletes_old_idempotency_keys(user, settings):
    settings.SHOPCORE = {"IDEMPOTENCY_KEY_TTL": 60}
    old = IdempotencyKey.objects.create(user=user, key="old", fingerprint="x")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    IdempotencyKey.objects.create(user=user, key="new", fingerprint="x")
    call_command("shopcore_expire_orders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_payment_confirmation_is_idempotent(order):
    provider = ManualPaymentProvider()
    assert provider.confirm_payment(order.pk).status == "paid"
    assert provider.confirm_payment(order.pk).status == "paid"
    assert OrderStatusChange.objects.filter(order=order, to_status="paid").count() == 1


def test_order_history_is_never_deleted(order):
    with pytest.raises(Exception, match="protected"):
        order.delete()
