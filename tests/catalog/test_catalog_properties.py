"""Property test: any filter combination returns what a plain Python filter returns."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_shopcore.catalog.models import Product

from ..factories import CategoryFactory, ProductFactory

# Whole lowercase words that are their own English stem, used as names: then
# PostgreSQL's stemmed prefix search and SQLite's substring search agree, and
# every database orders them by code point.
WORDS = ["lamp", "desk", "chair", "sofa", "shelf", "rug", "desklamp", "sofachair"]
PRICES = ["0.00", "4.99", "5.00", "19.99", "20.00", "250.00"]
ORDERINGS = {
    "price": lambda p: p.price,
    "created_at": lambda p: p.created_at,
    "name": lambda p: p.name,
}


def build_catalog():
    """A tree of depth 3 plus a second root; products with ties on every sort key."""
    root = CategoryFactory(name="root", slug="root")
    child = CategoryFactory(name="child", slug="child", parent=root)
    grandchild = CategoryFactory(name="grandchild", slug="grandchild", parent=child)
    leaf = CategoryFactory(name="leaf", slug="leaf", parent=grandchild)
    other = CategoryFactory(name="other", slug="other")
    categories = [root, child, grandchild, leaf, other]
    now = timezone.now()
    products = []
    for index in range(30):
        product = ProductFactory(
            name=WORDS[index % len(WORDS)],
            price=Decimal(PRICES[index * 7 % len(PRICES)]),
            stock=(index * 5) % 4,
            category=categories[index % len(categories)],
            description="",
            is_active=index % 9 != 4,
        )
        created_at = now - timedelta(days=index % 6)
        Product.objects.filter(pk=product.pk).update(created_at=created_at)
        product.created_at = created_at
        products.append(product)
    return categories, products


def oracle(categories, products, params):
    rows = [p for p in products if p.is_active]
    if "category" in params:
        target = next(c for c in categories if params["category"] in (c.slug, str(c.pk)))
        subtree = {c.pk for c in categories if c.path.startswith(target.path)}
        rows = [p for p in rows if p.category_id in subtree]
    if "min_price" in params:
        rows = [p for p in rows if p.price >= Decimal(params["min_price"])]
    if "max_price" in params:
        rows = [p for p in rows if p.price <= Decimal(params["max_price"])]
    if "in_stock" in params:
        rows = [p for p in rows if (p.stock > 0) == (params["in_stock"] == "true")]
    for token in params.get("search", "").replace(",", " ").split():
        rows = [p for p in rows if token.lower() in p.name.lower()]
    ordering = params.get("ordering", "-created_at")
    key = ORDERINGS[ordering.lstrip("-")]
    rows.sort(key=lambda p: (key(p), p.pk), reverse=ordering.startswith("-"))
    return [p.pk for p in rows]


def optional(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def filter_params(draw, categories):
    references = [c.slug for c in categories] + [str(c.pk) for c in categories]
    search_words = st.lists(st.sampled_from(WORDS[:6]), min_size=1, max_size=2)
    candidates = {
        "category": draw(optional(st.sampled_from(references))),
        "min_price": draw(optional(st.sampled_from(PRICES))),
        "max_price": draw(optional(st.sampled_from(PRICES))),
        "in_stock": draw(optional(st.sampled_from(["true", "false"]))),
        "ordering": draw(
            optional(st.sampled_from([f"{sign}{f}" for f in ORDERINGS for sign in ("", "-")]))
        ),
        "search": draw(optional(search_words.map(lambda words: ", ".join(words).upper()))),
    }
    return {key: value for key, value in candidates.items() if value is not None}


@pytest.mark.django_db
def test_filters_agree_with_a_python_oracle(api_client):
    categories, products = build_catalog()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(params=filter_params(categories))
    def check(params):
        response = api_client.get("/api/products/", {**params, "page_size": 100})

        assert response.status_code == 200, response.content
        expected = oracle(categories, products, params)
        assert [row["id"] for row in response.json()["results"]] == expected
        assert response.json()["count"] == len(expected)

    check()
