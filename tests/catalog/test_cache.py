"""Tests for the catalog cache: what it keeps, and where it must not keep anything."""

import pytest
from django.test import override_settings

from django_shopcore.catalog.models import Category

from ..factories import CategoryFactory, ProductFactory

PRODUCTS = "/api/products/"
PER_PROCESS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def write_from_another_process(**fields):
    """A category written without this process's signals, as another worker's write looks."""
    (category,) = Category.objects.bulk_create([Category(**fields)])
    Category.objects.filter(pk=category.pk).update(path=f"{fields['parent'].path}{category.pk}/")
    return category


@pytest.mark.django_db
@override_settings(CACHES=PER_PROCESS_CACHE)
def test_a_per_process_cache_never_holds_subtree_ids(api_client, django_assert_num_queries):
    parent = CategoryFactory()
    api_client.get(PRODUCTS, {"category": parent.pk})
    child = write_from_another_process(name="Child", slug="child", parent=parent, depth=1)
    product = ProductFactory(category=child)

    with django_assert_num_queries(2):  # the subtree's ids again, then the page
        body = api_client.get(PRODUCTS, {"category": parent.pk}).json()

    assert [row["id"] for row in body["results"]] == [product.pk]


@pytest.mark.django_db
@override_settings(CACHES=PER_PROCESS_CACHE)
def test_a_per_process_cache_never_remembers_an_unknown_category(api_client):
    parent = CategoryFactory()
    assert api_client.get(PRODUCTS, {"category": "late"}).status_code == 400
    write_from_another_process(name="Late", slug="late", parent=parent, depth=1)

    assert api_client.get(PRODUCTS, {"category": "late"}).status_code == 200


@pytest.mark.django_db
def test_a_shared_cache_keeps_subtree_ids(api_client, django_assert_num_queries):
    parent = CategoryFactory()
    ProductFactory(category=parent)
    api_client.get(PRODUCTS, {"category": parent.pk})

    with django_assert_num_queries(1):  # the page only
        api_client.get(PRODUCTS, {"category": parent.pk})
