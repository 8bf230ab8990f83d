"""Repeated query parameters: a 400 for the single-valued ones, combined for ``ordering``."""

import pytest

from .test_filters import PRODUCTS, ids, make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (PRODUCTS, "min_price=1&min_price=2"),
        (PRODUCTS, "max_price=1&max_price=2"),
        (PRODUCTS, "category=1&category=2"),
        (PRODUCTS, "search=lamp&search=desk"),
        (PRODUCTS, "in_stock=true&in_stock=false"),
        (PRODUCTS, "slug=a&slug=a"),
        (PRODUCTS, "page=1&page=2"),
        (PRODUCTS, "page_size=5&page_size=10"),
        (PRODUCTS, "cursor=x&cursor=y"),
        ("/api/categories/", "parent=null&parent=1"),
        ("/api/categories/", "slug=a&slug=b"),
        ("/api/categories/", "page=1&page=1"),
    ],
)
def test_a_repeated_single_valued_parameter_is_a_400_naming_it(api_client, path, query):
    make()
    name = query.split("=", 1)[0]

    response = api_client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert response.json() == {name: ["Give this parameter once; it was given 2 times."]}


def test_a_repeated_parameter_of_the_admin_user_list_is_a_400(admin_client):
    response = admin_client.get("/api/users/?page_size=1&page_size=2")

    assert response.status_code == 400
    assert "page_size" in response.json()


def test_repeated_ordering_combines_in_order_like_commas(api_client):
    cheap_b, cheap_a, dear = make("B", "5.00"), make("A", "5.00"), make("C", "9.00")
    expected = [dear.pk, cheap_a.pk, cheap_b.pk]

    assert ids(api_client.get(f"{PRODUCTS}?ordering=-price,name")) == expected
    assert ids(api_client.get(f"{PRODUCTS}?ordering=-price&ordering=name")) == expected
    assert ids(api_client.get(f"{PRODUCTS}?ordering=-price,name&ordering=created_at")) == expected
    reversed_names = [dear.pk, cheap_b.pk, cheap_a.pk]
    assert ids(api_client.get(f"{PRODUCTS}?ordering=-price&ordering=-name")) == reversed_names


def test_an_invalid_key_in_a_repeated_ordering_is_a_400_naming_ordering(api_client):
    response = api_client.get(f"{PRODUCTS}?ordering=price&ordering=password")

    assert response.status_code == 400
    assert "ordering" in response.json()
