"""The stock services: conditional updates, their errors and the quantities they accept."""

import pytest
from django.utils import translation
from django.utils.translation import trans_real
from rest_framework import exceptions
from rest_framework.test import APIClient

from django_shopcore.catalog.stock import (
    MAX_STOCK,
    InsufficientStock,
    StockConflict,
    StockLimitExceeded,
    decrement_stock,
    increment_stock,
)

from ..factories import ProductFactory

pytestmark = pytest.mark.django_db


def stock_of(product):
    product.refresh_from_db()
    return product.stock


def test_decrement_takes_units_out_and_returns_the_new_stock():
    product = ProductFactory(stock=10)
    assert decrement_stock(product.pk, 3) == 7
    assert stock_of(product) == 7


def test_decrement_can_empty_the_stock():
    product = ProductFactory(stock=4)
    assert decrement_stock(product.pk, 4) == 0


def test_decrement_below_zero_is_a_409_and_changes_nothing():
    product = ProductFactory(stock=2)
    with pytest.raises(InsufficientStock) as caught:
        decrement_stock(product.pk, 3)
    assert caught.value.status_code == 409
    assert caught.value.get_codes() == "insufficient_stock"
    assert stock_of(product) == 2


def test_decrement_touches_updated_at():
    product = ProductFactory(stock=2)
    before = product.updated_at
    decrement_stock(product.pk, 1)
    product.refresh_from_db()
    assert product.updated_at > before


def test_decrement_leaves_other_products_alone():
    product, other = ProductFactory(stock=5), ProductFactory(stock=5)
    decrement_stock(product.pk, 5)
    assert stock_of(other) == 5


def test_increment_puts_units_back():
    product = ProductFactory(stock=1)
    assert increment_stock(product.pk, 9) == 10
    assert stock_of(product) == 10


def test_increment_past_the_column_maximum_is_a_409():
    product = ProductFactory(stock=MAX_STOCK - 1)
    with pytest.raises(StockLimitExceeded) as caught:
        increment_stock(product.pk, 2)
    assert isinstance(caught.value, StockConflict)
    assert caught.value.status_code == 409
    assert stock_of(product) == MAX_STOCK - 1


def test_the_stock_limit_message_is_translated_when_raised(monkeypatch):
    message = "The stock would exceed its maximum of {max_stock}."
    # A French catalog entry for the message (shopcore ships no translations yet).
    french = trans_real.translation("fr")
    monkeypatch.setattr(
        french,
        "gettext",
        lambda text: "Le stock dépasserait {max_stock}." if text == message else text,
    )
    product = ProductFactory(stock=MAX_STOCK - 1)

    with translation.override("fr"), pytest.raises(StockLimitExceeded) as caught:
        increment_stock(product.pk, 2)

    assert str(caught.value.detail) == f"Le stock dépasserait {MAX_STOCK}."
    assert str(StockLimitExceeded().detail) == message.format(max_stock=MAX_STOCK)


def test_increment_up_to_the_column_maximum_is_allowed():
    product = ProductFactory(stock=MAX_STOCK - 1)
    assert increment_stock(product.pk, 1) == MAX_STOCK


@pytest.mark.parametrize("service", [decrement_stock, increment_stock])
def test_unknown_product_is_a_404(service):
    with pytest.raises(exceptions.NotFound):
        service(987654321, 1)


@pytest.mark.parametrize("service", [decrement_stock, increment_stock])
@pytest.mark.parametrize("quantity", [0, -1, MAX_STOCK + 1, 10**30, 1.5, "3", None, True])
def test_invalid_quantity_is_a_400_naming_quantity(service, quantity):
    product = ProductFactory(stock=10)
    with pytest.raises(exceptions.ValidationError) as caught:
        service(product.pk, quantity)
    assert caught.value.status_code == 400
    assert "quantity" in caught.value.detail
    assert stock_of(product) == 10


@pytest.mark.parametrize("change", [decrement_stock, increment_stock])
def test_a_stock_change_invalidates_cached_catalog_responses(change, settings):
    settings.SHOPCORE = {"CACHE_RESPONSES": True}
    product = ProductFactory(stock=5)
    client = APIClient()
    path = f"/api/products/{product.pk}/"
    client.get(path)  # now cached

    new_stock = change(product.pk, 2)

    assert client.get(path).json()["stock"] == new_stock
