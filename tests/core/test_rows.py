"""core/rows.py: plain SQL's values made what the ORM gives, on either database."""

from decimal import Decimal

import pytest

from django_shopcore.catalog.models import Product
from django_shopcore.core import rows

from ..factories import ProductFactory


@pytest.mark.parametrize("value", [1, True])
def test_a_stored_true_is_true(value):
    assert rows.as_bool(value) is True


@pytest.mark.parametrize("value", [0, False])
def test_a_stored_false_is_false(value):
    assert rows.as_bool(value) is False


def test_a_missing_boolean_stays_missing():
    assert rows.as_bool(None) is None


@pytest.mark.parametrize("value", ['["a:b"]', b'["a:b"]', ["a:b"]])
def test_json_text_is_decoded_and_decoded_json_kept(value):
    assert rows.as_json(value) == ["a:b"]


def test_a_decimal_gets_the_fields_places():
    exponent = rows.exponent_of(Product._meta.get_field("price"))
    assert str(rows.as_decimal(19.900000000000002, exponent)) == "19.90"
    assert rows.as_decimal(None, exponent) is None


def test_placeholders_are_one_per_value():
    assert rows.placeholders(3) == "%s, %s, %s"


@pytest.mark.django_db
def test_fetches_read_rows_and_nothing_of_a_statement_without_rows():
    product = ProductFactory(price=Decimal("2.50"))
    table = rows.table(Product)
    assert rows.fetch_one(f"SELECT id FROM {table} WHERE id = %s", [product.pk]) == (product.pk,)  # noqa: S608
    assert rows.fetch_all(f"SELECT id FROM {table} WHERE id = %s", [product.pk]) == [(product.pk,)]  # noqa: S608
    update = f"UPDATE {table} SET stock = stock WHERE id = %s"  # noqa: S608
    assert rows.fetch_one(update, [product.pk]) is None
    assert rows.fetch_all(update, [product.pk]) == []
