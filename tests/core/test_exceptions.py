"""Integrity errors become 400/409 responses, whatever the host's exception handler."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from rest_framework.validators import UniqueValidator

from django_shopcore.catalog.models import Category, Product
from django_shopcore.catalog.views import CategoryViewSet, ProductViewSet
from django_shopcore.core.exceptions import constraint_field, exception_handler

from ..factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def handle(exc, view_class=ProductViewSet):
    return exception_handler(exc, {"view": view_class()})


def test_protected_error_is_409():
    response = handle(ProtectedError("in use", set()))

    assert response.status_code == 409
    assert "referenced" in response.data["detail"]


@pytest.mark.parametrize(
    ("message", "model", "field"),
    [
        (
            'duplicate key value violates unique constraint "shopcore_product_slug_uniq"',
            Product,
            "slug",
        ),
        ("UNIQUE constraint failed: shopcore_category.name", Category, "name"),
        ('new row violates check constraint "shopcore_product_price_gte_0"', Product, "price"),
        ("CHECK constraint failed: shopcore_product_stock_gte_0", Product, "stock"),
    ],
)
def test_constraint_field_reads_both_databases_messages(message, model, field):
    assert constraint_field(message, model) == field


def test_integrity_error_is_400_naming_the_field():
    response = handle(
        IntegrityError("UNIQUE constraint failed: shopcore_category.slug"), CategoryViewSet
    )

    assert response.status_code == 400
    assert response.data == {"slug": ["This value is already in use."]}


def test_check_constraint_error_is_400_naming_the_field():
    response = handle(IntegrityError("CHECK constraint failed: shopcore_product_stock_gte_0"))

    assert response.data == {"stock": ["This value is not allowed."]}


def test_django_validation_error_is_400():
    response = handle(ValidationError({"parent": ["A category cannot be its own ancestor."]}))

    assert response.status_code == 400
    assert response.data == {"parent": ["A category cannot be its own ancestor."]}


def test_unrecognised_integrity_error_is_still_400():
    response = handle(IntegrityError("something else"))

    assert response.status_code == 400
    assert "non_field_errors" in response.data


@pytest.fixture
def racing(monkeypatch):
    """The uniqueness validators pass, as for two requests at the same instant."""
    monkeypatch.setattr(UniqueValidator, "__call__", lambda self, value, field: None)


@pytest.mark.usefixtures("racing")
def test_racing_duplicate_category_is_400_not_500(admin_client):
    CategoryFactory(name="Shoes", slug="shoes")

    by_name = admin_client.post("/api/categories/", {"name": "Shoes", "slug": "x"}, format="json")
    by_slug = admin_client.post(
        "/api/categories/", {"name": "Boots", "slug": "shoes"}, format="json"
    )

    assert by_name.status_code == 400
    assert "name" in by_name.json()
    assert by_slug.status_code == 400
    assert "slug" in by_slug.json()
    assert Category.objects.count() == 1


@pytest.mark.usefixtures("racing")
def test_racing_duplicate_product_slug_is_400_not_500(admin_client):
    product = ProductFactory(slug="mug")
    payload = {"name": "Mug", "slug": "mug", "category": product.category_id, "price": "1.00"}

    response = admin_client.post("/api/products/", payload, format="json")

    assert response.status_code == 400
    assert "slug" in response.json()


def test_handler_applies_whatever_the_host_handler(admin_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "EXCEPTION_HANDLER": f"{__name__}.unhelpful_handler",
    }
    category = CategoryFactory(name="Busy")
    ProductFactory(category=category)

    response = admin_client.delete(f"/api/categories/{category.pk}/")

    assert response.status_code == 409


def test_protected_error_from_a_race_is_409(admin_client, monkeypatch):
    category = CategoryFactory()
    ProductFactory(category=category)
    # As if a product arrived between the view's check and the delete.
    monkeypatch.setattr(
        CategoryViewSet, "perform_destroy", lambda self, instance: instance.delete()
    )

    response = admin_client.delete(f"/api/categories/{category.pk}/")

    assert response.status_code == 409
    assert Category.objects.filter(pk=category.pk).exists()


def unhelpful_handler(exc, context):
    return None
