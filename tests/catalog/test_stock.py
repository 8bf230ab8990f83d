"""The stock services: a variant's conditional updates, its product's total, the errors."""

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

from ..factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def stock_of(variant):
    """The variant's stock, after checking that its product's total follows it."""
    variant.refresh_from_db()
    product = variant.product
    product.refresh_from_db()
    assert product.stock == sum(
        product.variants.filter(is_active=True).values_list("stock", flat=True)
    )
    return variant.stock


def variant_with(stock, **kwargs):
    """The default variant of a new product holding ``stock`` units."""
    return ProductFactory(stock=stock, **kwargs).variants.get()


def test_decrement_takes_units_out_and_returns_the_new_stock():
    variant = variant_with(10)
    assert decrement_stock(variant.pk, 3) == 7
    assert stock_of(variant) == 7


def test_decrement_can_empty_the_stock():
    variant = variant_with(4)
    assert decrement_stock(variant.pk, 4) == 0


def test_decrement_below_zero_is_a_409_and_changes_nothing():
    variant = variant_with(2)
    with pytest.raises(InsufficientStock) as caught:
        decrement_stock(variant.pk, 3)
    assert caught.value.status_code == 409
    assert caught.value.get_codes() == "insufficient_stock"
    assert stock_of(variant) == 2


def test_decrement_touches_the_variant_and_product_updated_at():
    variant = variant_with(2)
    before = variant.updated_at, variant.product.updated_at
    decrement_stock(variant.pk, 1)
    variant.refresh_from_db()
    variant.product.refresh_from_db()
    assert variant.updated_at > before[0]
    assert variant.product.updated_at > before[1]


def test_decrement_leaves_other_products_alone():
    variant, other = variant_with(5), variant_with(5)
    decrement_stock(variant.pk, 5)
    assert stock_of(other) == 5


def test_increment_puts_units_back():
    variant = variant_with(1)
    assert increment_stock(variant.pk, 9) == 10
    assert stock_of(variant) == 10


def test_increment_past_the_column_maximum_is_a_409():
    variant = variant_with(MAX_STOCK - 1)
    with pytest.raises(StockLimitExceeded) as caught:
        increment_stock(variant.pk, 2)
    assert isinstance(caught.value, StockConflict)
    assert caught.value.status_code == 409
    assert stock_of(variant) == MAX_STOCK - 1


def test_the_stock_limit_message_is_translated_when_raised(monkeypatch):
    message = "The stock would exceed its maximum of {max_stock}."
    # A French catalog entry for the message (shopcore ships no translations yet).
    french = trans_real.translation("fr")
    monkeypatch.setattr(
        french,
        "gettext",
        lambda text: "Le stock dépasserait {max_stock}." if text == message else text,
    )
    # The service takes a variant's id since variants hold the stock.
    variant = variant_with(MAX_STOCK - 1)

    with translation.override("fr"), pytest.raises(StockLimitExceeded) as caught:
        increment_stock(variant.pk, 2)

    assert str(caught.value.detail) == f"Le stock dépasserait {MAX_STOCK}."
    assert str(StockLimitExceeded().detail) == message.format(max_stock=MAX_STOCK)


def test_increment_up_to_the_column_maximum_is_allowed():
    variant = variant_with(MAX_STOCK - 1)
    assert increment_stock(variant.pk, 1) == MAX_STOCK


@pytest.mark.parametrize("service", [decrement_stock, increment_stock])
def test_unknown_variant_is_a_404(service):
    with pytest.raises(exceptions.NotFound):
        service(987654321, 1)


@pytest.mark.parametrize("service", [decrement_stock, increment_stock])
@pytest.mark.parametrize("quantity", [0, -1, MAX_STOCK + 1, 10**30, 1.5, "3", None, True])
def test_invalid_quantity_is_a_400_naming_quantity(service, quantity):
    variant = variant_with(10)
    with pytest.raises(exceptions.ValidationError) as caught:
        service(variant.pk, quantity)
    assert caught.value.status_code == 400
    assert "quantity" in caught.value.detail
    assert stock_of(variant) == 10


@pytest.mark.parametrize("change", [decrement_stock, increment_stock])
def test_a_stock_change_invalidates_cached_catalog_responses(change, settings):
    settings.SHOPCORE = {"CACHE_RESPONSES": True}
    variant = variant_with(5)
    client = APIClient()
    path = f"/api/products/{variant.product_id}/"
    client.get(path)  # now cached

    new_stock = change(variant.pk, 2)

    assert client.get(path).json()["stock"] == new_stock


def test_decrement_of_one_variant_keeps_the_product_total_of_all():
    product = ProductFactory(stock=4)
    extra = VariantFactory(product=product, stock=6)

    assert decrement_stock(extra.pk, 5) == 1

    product.refresh_from_db()
    assert product.stock == 4 + 1
    assert stock_of(extra) == 1


def test_inactive_variants_do_not_count_in_the_product_total():
    product = ProductFactory(stock=4)
    hidden = VariantFactory(product=product, stock=6, is_active=False)

    increment_stock(hidden.pk, 1)

    product.refresh_from_db()
    assert product.stock == 4
