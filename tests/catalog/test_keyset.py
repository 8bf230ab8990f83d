"""Keyset: which orderings a cursor can follow, and positions read back from a cursor."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import F

from django_shopcore.catalog.keysets import Keyset
from django_shopcore.catalog.models import Category, Product


def test_the_default_product_ordering_has_a_keyset():
    assert Keyset.of(Product.objects.all()).signature() == ["-created_at", "-id"]


def test_pk_in_an_ordering_is_the_primary_key_field():
    assert Keyset.of(Product.objects.order_by("-price", "pk")).signature() == ["-price", "id"]


@pytest.mark.parametrize(
    "queryset",
    [
        pytest.param(lambda: Product.objects.order_by(F("price").desc(), "pk"), id="expression"),
        pytest.param(
            lambda: Product.objects.annotate(doubled=F("price") * 2).order_by("doubled", "pk"),
            id="annotation",
        ),
        pytest.param(lambda: Product.objects.order_by("category", "pk"), id="relation"),
        pytest.param(lambda: Product.objects.order_by("price"), id="no primary key last"),
        pytest.param(lambda: Category.objects.all(), id="default ordering without the pk"),
    ],
)
def test_an_ordering_a_cursor_cannot_follow_has_no_keyset(queryset):
    assert Keyset.of(queryset()) is None


def test_a_position_is_read_back_as_the_fields_values():
    keyset = Keyset.of(Product.objects.order_by("-price", "pk"))

    assert keyset.parse_position(["9.50", "7"]) == [Decimal("9.50"), 7]


def test_a_position_round_trips_through_its_strings():
    keyset = Keyset.of(Product.objects.all())
    created_at = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    row = {"created_at": created_at, "id": 42}

    assert keyset.parse_position(keyset.position_of(row)) == [created_at, 42]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["9.50"], id="too few values"),
        pytest.param(["9.50", "7", "8"], id="too many values"),
        pytest.param({"price": "9.50", "id": "7"}, id="not a list"),
        pytest.param(["cheap", "7"], id="not a decimal"),
        pytest.param([["9.50"], "7"], id="a list for a decimal"),
    ],
)
def test_a_position_that_does_not_fit_the_fields_is_a_value_error(values):
    keyset = Keyset.of(Product.objects.order_by("-price", "pk"))

    with pytest.raises(ValueError):
        keyset.parse_position(values)
