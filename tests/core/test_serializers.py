"""Tests for the serializers' shared rules: text fields take JSON strings only, related ids
integers."""

import pytest
from rest_framework import serializers

from django_shopcore.core.serializers import BuiltOnFirstUse

from ..factories import DEFAULT_PASSWORD, CategoryFactory

pytestmark = pytest.mark.django_db

NOT_DIGITS = "Incorrect format. Expected pk value: an integer, or a string of ASCII digits only."


@pytest.mark.parametrize("field", ["name", "slug", "description"])
@pytest.mark.parametrize("value", [0, 1.5, True, ["a"], {"a": 1}])
def test_category_text_fields_refuse_non_strings(admin_client, field, value):
    body = {"name": "Lamps", field: value}
    response = admin_client.post("/api/categories/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("field", ["name", "description"])
def test_product_text_fields_refuse_numbers(admin_client, field):
    body = {"name": "Lamp", "category": CategoryFactory().pk, "price": "1.00", field: 42}
    response = admin_client.post("/api/products/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_profile_text_fields_refuse_numbers(user_client):
    response = user_client.patch("/api/auth/me/", {"email": 0}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


@pytest.mark.parametrize("path", ["/api/auth/refresh/", "/api/auth/logout/"])
def test_refresh_token_must_be_a_string(user_client, path):
    response = user_client.post(path, {"refresh": 12345}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()


def test_strings_are_still_accepted(admin_client):
    response = admin_client.post(
        "/api/categories/", {"name": "Lamps", "description": "Bright"}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("format", ["json", "multipart"])
@pytest.mark.parametrize("spell", [int, str], ids=["integer", "digits"])
def test_related_ids_are_integers_or_strings_of_digits(admin_client, format, spell):
    parent = CategoryFactory()

    category = admin_client.post(
        "/api/categories/", {"name": "Lamps", "parent": spell(parent.pk)}, format=format
    )
    product = admin_client.post(
        "/api/products/",
        {"name": "Lamp", "category": spell(parent.pk), "price": "1.00"},
        format=format,
    )

    assert category.status_code == 201, category.content
    assert category.json()["parent"] == parent.pk
    assert product.status_code == 201, product.content
    assert product.json()["category"]["id"] == parent.pk


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        (" {}", NOT_DIGITS),
        ("{}.5", NOT_DIGITS),
        (1.5, "Incorrect type. Expected pk value, received float."),
        (True, "Incorrect type. Expected pk value, received bool."),
        (2**63, 'Invalid pk "9223372036854775808" - object does not exist.'),
        ("1" * 20, f'Invalid pk "{"1" * 20}" - object does not exist.'),
    ],
)
@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        ("/api/products/", "category", {"name": "Lamp", "price": "1.00"}),
        ("/api/categories/", "parent", {"name": "Lamps"}),
    ],
)
def test_other_related_ids_are_a_400_saying_why(
    admin_client, path, field, body, spelling, message
):
    pk = CategoryFactory().pk
    value = spelling.format(pk) if isinstance(spelling, str) else spelling

    response = admin_client.post(path, {**body, field: value}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_password_change_and_token_revocation_commit_together(user, user_client, monkeypatch):
    def fail(user):
        raise RuntimeError("revocation failed")

    monkeypatch.setattr("django_shopcore.accounts.serializers.revoke_user_tokens", fail)
    body = {"old_password": DEFAULT_PASSWORD, "new_password": "An0ther-Long-Passphrase"}
    with pytest.raises(RuntimeError):
        user_client.post("/api/auth/password/", body, format="json")

    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_admin_password_reset_and_token_revocation_commit_together(
    user, admin_client, monkeypatch
):
    def fail(user):
        raise RuntimeError("revocation failed")

    monkeypatch.setattr("django_shopcore.accounts.serializers.revoke_user_tokens", fail)
    with pytest.raises(RuntimeError):
        admin_client.patch(
            f"/api/users/{user.pk}/", {"password": "An0ther-Long-Passphrase"}, format="json"
        )

    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


# Arabic-Indic 3, 3.00, 10 and 1.5; a fullwidth 3.
NON_ASCII_PRICES = ["\u0663", "\u0663.\u0660\u0660", "1\u0660", "\u0661.5", "\uff13"]


@pytest.mark.parametrize("price", NON_ASCII_PRICES)
def test_prices_refuse_non_ascii_digits(admin_client, price):
    body = {"name": "Lamp", "category": CategoryFactory().pk, "price": price}
    response = admin_client.post("/api/products/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"price": ["A valid number is required."]}


@pytest.mark.parametrize("price", [0, 19.99, -0.0, 10**3])
def test_a_price_is_a_string_not_a_json_number(admin_client, price):
    body = {"name": "Lamp", "category": CategoryFactory().pk, "price": price}

    response = admin_client.post("/api/products/", body, format="json")

    assert response.status_code == 400
    assert "price" in response.json()


@pytest.mark.parametrize("price", ["-0", "-0.00", "-0e3"])
def test_a_negative_zero_price_is_zero(admin_client, price):
    body = {"name": "Lamp", "category": CategoryFactory().pk, "price": price}
    response = admin_client.post("/api/products/", body, format="json")
    assert response.status_code == 201
    assert response.json()["price"] == "0.00"
    detail = admin_client.get(f"/api/products/{response.json()['id']}/")
    assert detail.json()["price"] == "0.00"


@pytest.mark.parametrize("value", [0, 1, "true", "yes", "on", None, 1.0])
def test_booleans_are_json_true_or_false_only(admin_client, value):
    category = CategoryFactory()
    body = {"name": "Lamp", "category": category.pk, "price": "1.00", "is_active": value}

    response = admin_client.post("/api/products/", body, format="json")

    assert response.status_code == 400
    assert "is_active" in response.json()


def test_booleans_from_form_data_are_read_as_text():
    from django.http import QueryDict

    from django_shopcore.core.serializers import BooleanField

    class Form(serializers.Serializer):
        flag = BooleanField()

    form = Form(data=QueryDict("flag=true"))
    assert form.is_valid(), form.errors
    assert form.validated_data["flag"] is True


def test_an_object_built_on_first_use_is_kept_until_rest_framework_changes(settings):
    built = BuiltOnFirstUse(object)
    first = built()
    assert built() is first
    settings.TIME_ZONE = "Asia/Kolkata"
    assert built() is first
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "COERCE_DECIMAL_TO_STRING": False}
    assert built() is not first
