"""Who may read and write the catalog, and swapping the permission classes."""

import pytest
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from django_shopcore.catalog.models import Category

from ..factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


class NameOnlySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["name"]


@pytest.fixture
def urls():
    product = ProductFactory()
    return {
        "category_list": "/api/categories/",
        "category_detail": f"/api/categories/{product.category_id}/",
        "product_list": "/api/products/",
        "product_detail": f"/api/products/{product.pk}/",
    }


WRITES = [
    ("post", "category_list"),
    ("put", "category_detail"),
    ("patch", "category_detail"),
    ("delete", "category_detail"),
    ("post", "product_list"),
    ("put", "product_detail"),
    ("patch", "product_detail"),
    ("delete", "product_detail"),
]


@pytest.mark.parametrize(
    "name", ["category_list", "category_detail", "product_list", "product_detail"]
)
@pytest.mark.parametrize("client_fixture", ["api_client", "user_client", "admin_client"])
def test_everyone_may_read(request, urls, name, client_fixture):
    client = request.getfixturevalue(client_fixture)

    assert client.get(urls[name]).status_code == 200


@pytest.mark.parametrize(("method", "name"), WRITES)
def test_anonymous_writes_are_401_with_a_challenge(api_client, urls, method, name):
    response = getattr(api_client, method)(urls[name], {}, format="json")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "name"), WRITES)
def test_non_admin_writes_are_403(user_client, urls, method, name):
    response = getattr(user_client, method)(urls[name], {}, format="json")

    assert response.status_code == 403


def test_invalid_token_is_401_even_for_reads(api_client, urls):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(urls["product_list"])

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_admin_may_write(admin_client):
    created = admin_client.post("/api/categories/", {"name": "New"}, format="json")

    assert created.status_code == 201


def test_permission_classes_come_from_settings(api_client, settings):
    settings.SHOPCORE = {"CATALOG_PERMISSION_CLASSES": [f"{AllowAny.__module__}.AllowAny"]}

    response = api_client.post("/api/categories/", {"name": "Open"}, format="json")

    assert response.status_code == 201


def test_serializers_come_from_settings(api_client, settings):
    CategoryFactory(name="Only")
    settings.SHOPCORE = {"CATEGORY_SERIALIZER": f"{__name__}.NameOnlySerializer"}

    body = api_client.get("/api/categories/").json()

    assert body["results"] == [{"name": "Only"}]


def test_method_not_allowed_is_405(admin_client):
    assert admin_client.patch("/api/products/", {}, format="json").status_code == 405
