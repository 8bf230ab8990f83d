"""The cart's plain-SQL path: answers as CartSerializer's, values as the ORM's, its queries."""

import re
import threading
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone as django_timezone
from rest_framework.renderers import JSONRenderer

from django_shopcore.carts import rows
from django_shopcore.carts.models import Cart, CartItem
from django_shopcore.carts.representations import represent
from django_shopcore.carts.serializers import CartSerializer

from .test_carts_views import LINE_WRITE_QUERIES, add, fill, new_cart, variant_with

pytestmark = pytest.mark.django_db


def serialized(cart_id):
    """The cart as the ModelSerializer shows it, as the API's JSON (key order included)."""
    return JSONRenderer().render(CartSerializer(Cart.objects.get(pk=cart_id)).data)


def represented(cart_id):
    cart_id = uuid.UUID(cart_id)
    return JSONRenderer().render(represent(rows.cart_of(cart_id, None), rows.lines_of(cart_id)))


@pytest.mark.parametrize("lines", [0, 1, 3])
def test_the_representation_is_the_serializers(api_client, lines):
    cart_id = new_cart(api_client)
    for index in range(lines):
        add(api_client, cart_id, variant_with(price=f"{index}.5{index}").pk, index + 1)
    assert represented(cart_id) == serialized(cart_id)


@pytest.mark.parametrize(
    "rest_framework",
    [
        {"COERCE_DECIMAL_TO_STRING": False},
        {"DATETIME_FORMAT": "%Y-%m-%d %H:%M:%S"},
    ],
)
def test_the_representation_follows_rest_framework_settings(api_client, settings, rest_framework):
    cart_id = new_cart(api_client)
    add(api_client, cart_id, variant_with(price="3.10").pk, 2)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **rest_framework}
    assert represented(cart_id) == serialized(cart_id)
    assert api_client.get(f"/api/carts/{cart_id}/").content == serialized(cart_id)


def test_the_representation_shows_times_in_the_current_time_zone(api_client):
    cart_id = new_cart(api_client)
    with django_timezone.override("Asia/Kolkata"):
        assert b"+05:30" in represented(cart_id)
        assert represented(cart_id) == serialized(cart_id)


def test_an_answer_is_the_cart_as_read_afterwards_whatever_the_settings(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "COERCE_DECIMAL_TO_STRING": False}
    cart_id = new_cart(api_client)
    response = add(api_client, cart_id, variant_with(price="7.25").pk, 2)
    assert response.json()["subtotal"] == 14.5
    assert response.content == serialized(cart_id)


@pytest.mark.parametrize(
    "value, expected",
    [(Decimal("19.90"), "19.90"), (19.9, "19.90"), (19.900000000000002, "19.90"), (20, "20.00")],
)
def test_prices_are_decimals_of_two_places(value, expected):
    price = rows.as_decimal(value)
    assert isinstance(price, Decimal) and str(price) == expected


def test_date_times_are_aware_as_the_orm_gives_them(settings):
    moment = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=timezone.utc)
    assert rows.as_datetime(moment) is moment
    assert rows.as_datetime(moment.replace(tzinfo=None)) == moment
    assert rows.as_datetime("2026-01-02 03:04:05.006") == moment
    settings.USE_TZ = False
    assert rows.as_datetime("2026-01-02 03:04:05.006") == moment.replace(tzinfo=None)


def test_the_rows_are_what_the_orm_reads(api_client):
    cart_id = new_cart(api_client)
    variant = variant_with(price="12.30", stock=7)
    add(api_client, cart_id, variant.pk, 2)
    cart = Cart.objects.get(pk=cart_id)
    item = CartItem.objects.get()
    assert rows.cart_of(cart.pk, None) == {
        "id": cart.pk,
        "created_at": cart.created_at,
        "updated_at": cart.updated_at,
    }
    assert rows.lines_of(cart.pk) == [
        {
            "id": item.pk,
            "variant_id": variant.pk,
            "quantity": 2,
            "sku": variant.sku,
            "price": Decimal("12.30"),
            "stock": 7,
            "product_id": variant.product_id,
            "name": variant.product.name,
        }
    ]
    assert rows.active_variant(variant.pk) == {
        "id": variant.pk,
        "sku": variant.sku,
        "price": Decimal("12.30"),
        "stock": 7,
        "product_id": variant.product_id,
        "name": variant.product.name,
    }


@pytest.mark.parametrize("variant_id", [0, -1, 2**63, 10**30])
def test_ids_no_variant_can_have_are_not_looked_up(django_assert_num_queries, variant_id):
    with django_assert_num_queries(0):
        assert rows.active_variant(variant_id) is None


def test_only_the_owner_reads_an_owned_cart(user, user_client):
    cart_id = uuid.UUID(new_cart(user_client))
    assert rows.cart_of(cart_id, user)["id"] == cart_id
    assert rows.cart_of(cart_id, None) is None


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite stores date-times as text; PostgreSQL's text of one drops trailing zeros",
)
def test_line_writes_store_date_times_as_the_orm_does(api_client):
    # On SQLite a date-time is text, which the expiry sweep compares as such.
    cart_id = new_cart(api_client)
    add(api_client, cart_id, variant_with().pk)

    def stored_shape(table, column):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT CAST({column} AS TEXT) FROM {table}")  # noqa: S608
            return re.sub(r"[0-9]", "0", cursor.fetchone()[0])

    written = (
        stored_shape("shopcore_cart", "updated_at"),
        stored_shape("shopcore_cartitem", "created_at"),
    )
    cart, item = Cart.objects.get(), CartItem.objects.get()
    assert rows.cart_of(cart.pk, None)["updated_at"] == cart.updated_at
    assert rows.lines_of(cart.pk)[0]["id"] == item.pk
    cart.save()
    CartItem.objects.filter(pk=item.pk).update(created_at=django_timezone.now())
    assert written == (
        stored_shape("shopcore_cart", "updated_at"),
        stored_shape("shopcore_cartitem", "created_at"),
    )


def test_creating_a_cart_takes_one_query(api_client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.post("/api/carts/", format="json")
    assert response.status_code == 201
    assert response.json() == api_client.get(f"/api/carts/{response.json()['id']}/").json()


def test_a_cart_is_created_from_an_object_only(api_client):
    response = api_client.post("/api/carts/", "[1]", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    assert not Cart.objects.exists()


@pytest.mark.parametrize("lines", [1, 5, 50])
@pytest.mark.parametrize("method", ["add_new", "add_again", "patch", "delete"])
def test_line_writes_take_constant_queries(api_client, django_assert_num_queries, lines, method):
    cart_id = new_cart(api_client)
    fill(cart_id, lines)
    item = CartItem.objects.filter(cart_id=cart_id).order_by("id").first()
    url = f"/api/carts/{cart_id}/items/{item.pk}/"
    # Without the variant's query (PATCH and DELETE name the line) one fewer.
    expected = LINE_WRITE_QUERIES if method.startswith("add") else LINE_WRITE_QUERIES - 1
    new_variant = variant_with()
    with django_assert_num_queries(expected):
        if method == "add_new":
            response = add(api_client, cart_id, new_variant.pk)
        elif method == "add_again":
            response = add(api_client, cart_id, item.variant_id)
        elif method == "patch":
            response = api_client.patch(url, {"quantity": 3}, format="json")
        else:
            response = api_client.delete(url)
    assert response.status_code in (200, 201), response.content
    assert response.json() == api_client.get(f"/api/carts/{cart_id}/").json()


@pytest.mark.parametrize("lines", [1, 5, 50])
def test_reading_a_cart_takes_two_queries(api_client, django_assert_num_queries, lines):
    cart_id = new_cart(api_client)
    fill(cart_id, lines)
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/carts/{cart_id}/")
    assert len(response.json()["items"]) == lines


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections")
@pytest.mark.django_db(transaction=True)
def test_racing_adds_to_one_cart_queue_on_its_lock(api_client):
    from rest_framework.test import APIClient

    cart_id = new_cart(api_client)
    variant = variant_with(stock=1000)
    others = [variant_with(stock=1000) for _ in range(4)]
    count = 8
    barrier = threading.Barrier(count)
    statuses = [None] * count

    def worker(index):
        try:
            barrier.wait()
            client = APIClient()
            # Half add to one line (the sums must all count), half add lines of their own.
            target = variant if index % 2 else others[index // 2]
            statuses[index] = add(client, cart_id, target.pk, 1).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [201] * count
    quantities = dict(CartItem.objects.values_list("variant_id", "quantity"))
    assert quantities == {variant.pk: 4, **{other.pk: 1 for other in others}}
