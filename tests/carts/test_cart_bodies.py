"""The cart write's answers byte for byte: key order, formats and every error body."""

import re

import pytest

from ..factories import VariantFactory
from .test_carts_views import add, new_cart, variant_with

pytestmark = pytest.mark.django_db

FORMAT = "Incorrect format. Expected pk value: an integer, or a string of ASCII digits only."


def unknown(pk_value):
    return f'{{"variant":["No active variant with id {pk_value}."]}}'


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"variant": None, "quantity": 1}, '{"variant":["This field may not be null."]}'),
        ({"variant": "x", "quantity": 1}, f'{{"variant":["{FORMAT}"]}}'),
        ({"variant": "+1", "quantity": 1}, f'{{"variant":["{FORMAT}"]}}'),
        (
            {"variant": 1.5, "quantity": 1},
            '{"variant":["Incorrect type. Expected pk value, received float."]}',
        ),
        (
            {"variant": True, "quantity": 1},
            '{"variant":["Incorrect type. Expected pk value, received bool."]}',
        ),
        (
            {"variant": [1], "quantity": 1},
            '{"variant":["Incorrect type. Expected pk value, received list."]}',
        ),
        ({"variant": "999999", "quantity": 1}, unknown(999999)),
        ({"variant": 999999, "quantity": 1}, unknown(999999)),
        ({"variant": 0, "quantity": 1}, unknown(0)),
        ({"variant": -1, "quantity": 1}, unknown(-1)),
        ({"variant": 2**63, "quantity": 1}, unknown(2**63)),
        ({"variant": -(2**63) - 1, "quantity": 1}, unknown(-(2**63) - 1)),
        ({"variant": 10**30, "quantity": 1}, unknown(10**30)),
        ({"variant": "1" * 30, "quantity": 1}, unknown("1" * 30)),
        ({"quantity": 1}, '{"variant":["This field is required."]}'),
        (
            {},
            '{"variant":["This field is required."],"quantity":["This field is required."]}',
        ),
        (
            {"variant": 999999, "quantity": 0},
            '{"variant":["No active variant with id 999999."],'
            '"quantity":["Ensure this value is greater than or equal to 1."]}',
        ),
        (
            {"variant": "VARIANT", "quantity": 0},
            '{"quantity":["Ensure this value is greater than or equal to 1."]}',
        ),
        (
            {"variant": "VARIANT", "quantity": 1001},
            '{"quantity":["Must be between 1 and 1000."]}',
        ),
        ({"variant": "VARIANT", "quantity": "2"}, '{"quantity":["A valid integer is required."]}'),
        ({"variant": "VARIANT", "quantity": 4}, '{"quantity":["Only 3 in stock."],"available":3}'),
    ],
)
def test_bad_bodies_are_answered_as_before(api_client, body, expected):
    variant = variant_with(stock=3)
    if body.get("variant") == "VARIANT":
        body = {**body, "variant": variant.pk}
    cart_id = new_cart(api_client)
    response = api_client.post(f"/api/carts/{cart_id}/items/", body, format="json")
    assert response.status_code == (409 if "available" in expected else 400)
    assert response.content.decode() == expected


def test_an_inactive_variant_is_named_like_an_unknown_one(api_client):
    variant = VariantFactory(is_active=False)
    response = add(api_client, new_cart(api_client), variant.pk)
    assert response.status_code == 400
    assert response.content.decode() == unknown(variant.pk)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("[1]", '{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}'),
        (
            "{",
            '{"detail":"JSON parse error - Expecting property name enclosed in double quotes: '
            'line 1 column 2 (char 1)"}',
        ),
    ],
)
def test_bodies_that_are_no_object_are_a_400(api_client, content, expected):
    cart_id = new_cart(api_client)
    response = api_client.post(
        f"/api/carts/{cart_id}/items/", content, content_type="application/json"
    )
    assert response.status_code == 400 and response.content.decode() == expected


def test_an_unknown_variant_is_a_400_before_an_unknown_cart_is_a_404(api_client):
    import uuid

    response = add(api_client, str(uuid.uuid4()), 999999)
    assert response.status_code == 400 and response.content.decode() == unknown(999999)


TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z"


def test_the_written_cart_keeps_its_keys_order_and_formats(api_client):
    first, second = variant_with(price="2.50"), variant_with(price="1000.10")
    cart_id = new_cart(api_client)
    add(api_client, cart_id, first.pk, 3)
    response = add(api_client, cart_id, second.pk, 2)
    assert response.status_code == 201
    ids = [item["id"] for item in response.json()["items"]]
    pattern = (
        rf'{{"id":"{cart_id}","items":\['
        rf'{{"id":{ids[0]},"variant":{first.pk},"sku":"{first.sku}","product":{first.product_id},'
        rf'"name":"{first.product.name}","unit_price":"2.50","quantity":3,"line_total":"7.50"}},'
        rf'{{"id":{ids[1]},"variant":{second.pk},"sku":"{second.sku}",'
        rf'"product":{second.product_id},"name":"{second.product.name}",'
        rf'"unit_price":"1000.10","quantity":2,"line_total":"2000.20"}}\],'
        rf'"subtotal":"2007.70","currency":"USD","created_at":"{TIME}","updated_at":"{TIME}"}}'
    )
    assert re.fullmatch(pattern, response.content.decode()), response.content


def test_an_upper_case_cart_id_is_answered_in_lower_case(api_client):
    cart_id = new_cart(api_client)
    response = add(api_client, cart_id.upper(), variant_with().pk)
    assert response.status_code == 201 and response.json()["id"] == cart_id
