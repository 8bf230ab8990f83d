"""The Django admin pages for categories and products."""

import pytest
from django.contrib import admin
from django.urls import path

from django_shopcore.catalog.models import Category, Product

from ..factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# The test URLconf has no admin; these tests mount it here.
urlpatterns = [path("admin/", admin.site.urls)]


@pytest.fixture
def admin_site_client(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model", [Category, Product])
def test_models_are_registered(model):
    model_admin = admin.site._registry[model]

    assert model_admin.search_fields
    assert model_admin.list_select_related
    assert model_admin.autocomplete_fields
    assert model_admin.prepopulated_fields == {"slug": ["name"]}
    assert {"created_at", "updated_at"} <= set(model_admin.readonly_fields)


@pytest.mark.parametrize("name", ["category", "product"])
def test_changelist_add_and_change_pages_load(admin_site_client, name):
    product = ProductFactory()
    obj = product if name == "product" else product.category

    for url in (
        f"/admin/shopcore_catalog/{name}/",
        f"/admin/shopcore_catalog/{name}/?q=a",
        f"/admin/shopcore_catalog/{name}/add/",
        f"/admin/shopcore_catalog/{name}/{obj.pk}/change/",
    ):
        assert admin_site_client.get(url).status_code == 200, url


def test_changelist_query_count_does_not_grow_with_rows(
    admin_site_client, django_assert_max_num_queries
):
    category = CategoryFactory()
    ProductFactory.create_batch(30, category=category)

    with django_assert_max_num_queries(12):
        assert admin_site_client.get("/admin/shopcore_catalog/product/").status_code == 200


def test_category_autocomplete(admin_site_client):
    CategoryFactory(name="Garden")
    CategoryFactory(name="Kitchen")

    response = admin_site_client.get(
        "/admin/autocomplete/",
        {
            "term": "gar",
            "app_label": "shopcore_catalog",
            "model_name": "product",
            "field_name": "category",
        },
    )

    assert [item["text"] for item in response.json()["results"]] == ["Garden"]


def test_admin_add_category_keeps_the_tree(admin_site_client):
    parent = CategoryFactory()

    response = admin_site_client.post(
        "/admin/shopcore_catalog/category/add/",
        {"name": "Child", "slug": "child", "description": "", "parent": parent.pk},
    )

    assert response.status_code == 302
    child = Category.objects.get(slug="child")
    assert child.path == f"{parent.path}{child.pk}/"


def test_variants_edited_in_the_product_page_maintain_its_totals(admin_site_client):
    product = ProductFactory(price="5.00", stock=1)
    variant = product.variants.get()
    prefix = "variants"
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": product.category_id,
        "description": product.description,
        "is_active": "on",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": variant.pk,
        f"{prefix}-0-product": product.pk,
        f"{prefix}-0-sku": variant.sku,
        f"{prefix}-0-options": "{}",
        f"{prefix}-0-price": "5.00",
        f"{prefix}-0-stock": "1",
        f"{prefix}-0-is_active": "on",
        f"{prefix}-1-product": product.pk,
        f"{prefix}-1-sku": "BIG",
        f"{prefix}-1-options": '{"size": "L"}',
        f"{prefix}-1-price": "3.00",
        f"{prefix}-1-stock": "4",
        f"{prefix}-1-is_active": "on",
    }

    response = admin_site_client.post(
        f"/admin/shopcore_catalog/product/{product.pk}/change/", data
    )

    assert response.status_code == 302, response.context["errors"]
    product.refresh_from_db()
    assert (str(product.price), product.stock) == ("3.00", 5)
    assert product.variants.get(sku="BIG").option_rows.get().value == "L"
