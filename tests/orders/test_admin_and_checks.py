"""The admin pages of carts and orders, and the orders app's system checks."""

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import path

from django_shopcore.carts.models import Cart
from django_shopcore.catalog.models import Product
from django_shopcore.orders.checks import check_orders_setup, check_sqlite_returning
from django_shopcore.orders.models import Order

from ..urls import urlpatterns as api_urlpatterns
from .helpers import cart_of, checkout, variant_with

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# The test URLconf has no admin; these tests mount it here.
urlpatterns = [path("admin/", admin.site.urls), *api_urlpatterns]


@pytest.fixture
def admin_site_client(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(superuser)
    return client


@pytest.fixture
def order(user, user_client):
    return Order.objects.get(
        pk=checkout(user_client, cart_of(user, [(variant_with(), 2)])).json()["id"]
    )


def test_order_pages_load_with_read_only_history(admin_site_client, order):
    changelist = admin_site_client.get(
        "/admin/shopcore_orders/order/?status__exact=pending_payment"
    )
    assert changelist.status_code == 200 and order.number in changelist.content.decode()
    change = admin_site_client.get(f"/admin/shopcore_orders/order/{order.pk}/change/")
    assert change.status_code == 200
    model_admin = admin.site._registry[Order]
    assert {"status", "created_at"} <= set(model_admin.list_filter)
    request = change.wsgi_request
    assert not model_admin.has_delete_permission(request, order)
    for inline in model_admin.get_inline_instances(request, order):
        assert not inline.has_add_permission(request, order)
        assert not inline.has_change_permission(request, order)
        assert not inline.has_delete_permission(request, order)


def test_cart_pages_load(admin_site_client):
    cart = cart_of(None, [(variant_with(), 1)])
    assert admin_site_client.get("/admin/shopcore_carts/cart/").status_code == 200
    assert (
        admin_site_client.get(f"/admin/shopcore_carts/cart/{cart.pk}/change/").status_code == 200
    )


def test_an_inactive_product_cannot_be_checked_out(user, user_client):
    variant = variant_with(stock=5)
    cart = cart_of(user, [(variant, 1)])
    Product.objects.filter(pk=variant.product_id).update(is_active=False)
    response = checkout(user_client, cart)
    assert response.status_code == 409
    assert response.json()["lines"] == [{"variant": variant.pk, "requested": 1, "available": 0}]
    assert Cart.objects.filter(pk=cart.pk).exists()


def test_the_default_setup_passes_the_checks():
    assert check_orders_setup(None) == []


@override_settings(SHOPCORE={"PAYMENT_PROVIDER": "django_shopcore.orders.models.Order"})
def test_e002_the_payment_provider_must_be_a_provider():
    assert [error.id for error in check_orders_setup(None)] == ["shopcore_orders.E002"]


def test_e001_orders_need_carts(settings):
    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "django_shopcore.carts"
    ]
    assert [error.id for error in check_orders_setup(None)] == ["shopcore_orders.E001"]


def test_e003_sqlite_without_returning_is_refused():
    from django.db import connections

    errors = check_sqlite_returning((3, 34, 1))
    if connections["default"].vendor == "sqlite":
        assert [error.id for error in errors] == ["shopcore_orders.E003"]
        assert "3.34.1" in errors[0].msg
    else:
        assert errors == []
    assert check_sqlite_returning((3, 35, 0)) == []
