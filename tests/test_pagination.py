"""Page-number pagination: sizes from SHOPCORE, links, and 400s for bad values."""

from urllib.parse import parse_qs, urlsplit

import pytest

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"


@pytest.fixture
def products():
    category = CategoryFactory()
    return ProductFactory.create_batch(5, category=category)


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_page_shape_and_links(api_client, products):
    body = api_client.get(PRODUCTS, {"page_size": 2, "page": 2, "ordering": "price"}).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"].startswith("http://testserver/api/products/?")
    assert query(body["next"]) == {"page": "3", "page_size": "2", "ordering": "price"}
    assert query(body["previous"]) == {"page_size": "2", "ordering": "price"}


def test_last_page_has_no_next_link(api_client, products):
    body = api_client.get(PRODUCTS, {"page_size": 2, "page": 3}).json()

    assert len(body["results"]) == 1
    assert body["next"] is None
    assert api_client.get(PRODUCTS, {"page_size": 2, "page": "last"}).json() == body


def test_single_page_has_no_links(api_client, products):
    body = api_client.get(PRODUCTS).json()

    assert body["next"] is None
    assert body["previous"] is None


def test_default_and_maximum_sizes_come_from_settings(api_client, products, settings):
    settings.SHOPCORE = {"PAGE_SIZE": 3, "MAX_PAGE_SIZE": 4}

    default = api_client.get(PRODUCTS)
    largest = api_client.get(PRODUCTS, {"page_size": 4})
    too_large = api_client.get(PRODUCTS, {"page_size": 5})

    assert len(default.json()["results"]) == 3
    assert len(largest.json()["results"]) == 4
    assert too_large.status_code == 400
    assert "4" in too_large.json()["page_size"][0]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "101", " 5", "٣", "\x00", "1e2"])
def test_invalid_page_size_is_400(api_client, products, value):
    response = api_client.get(PRODUCTS, {"page_size": value})

    assert response.status_code == 400
    assert "page_size" in response.json()
    assert "100" in response.json()["page_size"][0]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "\x00", "٣", "9" * 19])
def test_invalid_page_is_400(api_client, products, value):
    response = api_client.get(PRODUCTS, {"page": value})

    assert response.status_code == 400
    assert "page" in response.json()


@pytest.mark.parametrize("value", ["2", "99999999"])
def test_page_past_the_end_is_404(api_client, products, value):
    response = api_client.get(PRODUCTS, {"page": value})

    assert response.status_code == 404
    assert "detail" in response.json()


def test_empty_list_has_a_first_page(api_client):
    body = api_client.get(PRODUCTS).json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_categories_are_paginated_the_same_way(api_client):
    CategoryFactory.create_batch(3)

    body = api_client.get("/api/categories/", {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert api_client.get("/api/categories/", {"page": 0}).status_code == 400
