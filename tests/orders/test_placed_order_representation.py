"""Checkout's 201 body (orders/representations.py) is PlacedOrderSerializer's, byte for byte."""

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from django_shopcore.orders.checkout import place_order
from django_shopcore.orders.models import Order
from django_shopcore.orders.representations import represent
from django_shopcore.orders.serializers import OrderSerializer, PlacedOrderSerializer

from ..conftest import bearer_client
from ..factories import UserFactory, VariantFactory
from .helpers import ADDRESS, cart_of, checkout, variant_with

pytestmark = pytest.mark.django_db


def placed(lines=2, address=ADDRESS):
    variants = [VariantFactory(price=f"{index}.5{index}", stock=9) for index in range(lines)]
    cart = cart_of(lines=[(variant, index + 1) for index, variant in enumerate(variants)])
    return place_order(UserFactory(), cart.pk, address)


def rendered(data):
    return JSONRenderer().render(data)


@pytest.mark.parametrize("lines", [1, 3])
def test_the_representation_is_the_serializers(lines):
    order = placed(lines)
    assert rendered(represent(order)) == rendered(PlacedOrderSerializer(order).data)


def test_the_representation_shows_every_field_of_the_serializer_in_its_order():
    order = placed(1)
    body = represent(order)
    assert list(body) == list(PlacedOrderSerializer().fields)
    assert list(body["lines"][0]) == list(PlacedOrderSerializer().fields["lines"].child.fields)
    assert list(body["shipping_address"]) == list(ADDRESS)


def test_the_representation_shows_the_options_and_address_as_stored():
    order = placed(2, {**ADDRESS, "line2": "Flat 3"})
    body = represent(order)
    assert body["shipping_address"]["line2"] == "Flat 3"
    assert [line["options"] for line in body["lines"]] == [
        line.options for line in order.placed_lines
    ]
    assert [line["variant"] for line in body["lines"]] == [
        line.variant_id for line in order.placed_lines
    ]


@pytest.mark.parametrize(
    "rest_framework",
    [{"COERCE_DECIMAL_TO_STRING": False}, {"DATETIME_FORMAT": "%Y-%m-%d %H:%M:%S"}],
)
def test_the_representation_follows_rest_framework_settings(settings, rest_framework):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **rest_framework}
    order = placed(2)
    assert rendered(represent(order)) == rendered(PlacedOrderSerializer(order).data)


def test_the_representation_shows_times_in_the_current_time_zone():
    order = placed(1)
    with timezone.override("Asia/Kolkata"):
        assert b"+05:30" in rendered(represent(order))
        assert rendered(represent(order)) == rendered(PlacedOrderSerializer(order).data)


def test_the_answer_is_the_order_as_read_afterwards():
    user = UserFactory()
    cart = cart_of(owner=user, lines=[(variant_with(price="4.25"), 2)])
    response = checkout(bearer_client(user), cart)
    assert response.status_code == 201
    stored = Order.objects.prefetch_related("lines").get(pk=response.json()["id"])
    assert response.content == rendered(OrderSerializer(stored).data)
