"""Independent recounts of the facet index and of facets, for the facet tests."""

from collections import Counter
from decimal import Decimal

from django.db.models import Sum

from django_shopcore.catalog.facet_fold import scopes_of
from django_shopcore.catalog.facet_keys import (
    COUNT_COLUMNS,
    is_searchable,
    price_buckets,
    sample_key,
)
from django_shopcore.catalog.facet_models import FacetCount, FacetRollup, ProductFacets
from django_shopcore.catalog.models import Category, Product, VariantOption

PRODUCTS = "/api/products/"


def active_option_pairs():
    pairs: dict[int, set] = {}
    rows = VariantOption.objects.filter(variant__is_active=True).values_list(
        "variant__product_id", "name", "value"
    )
    for product_id, name, value in rows:
        pairs.setdefault(product_id, set()).add(f"{name}:{value}")
    return pairs


def expected_counts():
    """``{(category_id, facet, name, value, column): products}``, recounted from the catalog."""
    buckets = price_buckets()
    pairs = active_option_pairs()
    expected: Counter = Counter()
    for pk, category_id, is_active, stock, price in Product.objects.values_list(
        "pk", "category_id", "is_active", "stock", "price"
    ):
        column = f"{'active' if is_active else 'inactive'}_{'in' if stock > 0 else 'out_of'}_stock"
        keys = [("product", "", ""), ("price", "", buckets.of(price).label)]
        keys += [("option", *pair.split(":", 1)) for pair in pairs.get(pk, ())]
        for key in keys:
            expected[(category_id, *key, column)] += 1
    return dict(expected)


def maintained_counts():
    """The same, added up from FacetCount (its folded rows and deltas alike)."""
    totals: Counter = Counter()
    rows = FacetCount.objects.values("category_id", "facet", "name", "value").annotate(
        **{f"sum_{column}": Sum(column) for column in COUNT_COLUMNS}
    )
    for row in rows:
        for column in COUNT_COLUMNS:
            if row[f"sum_{column}"]:
                key = (row["category_id"], row["facet"], row["name"], row["value"], column)
                totals[key] += row[f"sum_{column}"]
    return dict(totals)


def expected_states():
    pairs = active_option_pairs()
    states = {}
    for pk, category_id, is_active, stock, price, name, description in Product.objects.values_list(
        "pk", "category_id", "is_active", "stock", "price", "name", "description"
    ):
        key = sample_key(pk)
        texts = (name, description) if is_searchable(key) else ("", "")
        states[pk] = (
            category_id,
            is_active,
            stock > 0,
            price,
            sorted(pairs.get(pk, ())),
            key,
            texts,
        )
    return states


def maintained_states():
    return {
        pk: (category_id, is_active, in_stock, price, sorted(options), key, (name, description))
        for pk, category_id, is_active, in_stock, price, options, key, name, description in (
            ProductFacets.objects.values_list(
                "pk",
                "category_id",
                "is_active",
                "in_stock",
                "price",
                "options",
                "sample_key",
                "name",
                "description",
            )
        )
    }


def assert_index_matches_catalog():
    assert maintained_states() == expected_states()
    assert maintained_counts() == expected_counts()
    assert maintained_rollups() == expected_rollups()


def list_count(client, params):
    response = client.get(PRODUCTS, {**params, "page_size": 1})
    assert response.status_code == 200, response.content
    return response.json()["count"]


def facets_by_asking(client, params):
    """The facets of ``params`` as the list itself counts them: for each category child,
    price bucket and option value, the count of the list that chooses it instead."""
    facets = client.get(PRODUCTS, {**params, "facets": "true"}).json()["facets"]
    asked = {
        "category": [
            list_count(client, {**params, "category": row["id"]}) for row in facets["category"]
        ],
        "price": [],
        "options": {},
    }
    without_price = {k: v for k, v in params.items() if k not in ("min_price", "max_price")}
    for bucket in facets["price"]:
        bounds = {"min_price": bucket["min"]}
        if bucket["max"] is not None:
            bounds["max_price"] = str(Decimal(bucket["max"]) - Decimal("0.01"))
        asked["price"].append(list_count(client, {**without_price, **bounds}))
    options = list(params.get("option", []))
    for name, values in facets["options"].items():
        others = [raw for raw in options if raw.split(":", 1)[0] != name]
        asked["options"][name] = [
            list_count(client, {**params, "option": [*others, f"{name}:{row['value']}"]})
            for row in values
        ]
    return facets, asked


def counts_of(facets):
    return {
        "category": [row["count"] for row in facets["category"]],
        "price": [row["count"] for row in facets["price"]],
        "options": {
            name: [row["count"] for row in values] for name, values in facets["options"].items()
        },
    }


def expected_rollups():
    """``{(scope, facet, name, value, column): products}``: the recount per subtree (scope a
    category id, 0 for the whole catalog)."""
    paths = dict(Category.objects.values_list("pk", "path"))
    rollups: Counter = Counter()
    for (category_id, *key), count in expected_counts().items():
        for scope in scopes_of(paths[category_id]):
            rollups[(scope, *key)] += count
    return dict(rollups)


def maintained_rollups():
    """What the reads add up per scope: its rollup rows plus its subtree's unfolded deltas."""
    paths = dict(Category.objects.values_list("pk", "path"))
    totals: Counter = Counter()
    for row in FacetRollup.objects.values("scope", "facet", "name", "value", *COUNT_COLUMNS):
        for column in COUNT_COLUMNS:
            if row[column]:
                totals[(row["scope"], row["facet"], row["name"], row["value"], column)] += row[
                    column
                ]
    for row in FacetCount.objects.filter(is_delta=True).values(
        "category_id", "facet", "name", "value", *COUNT_COLUMNS
    ):
        for scope in scopes_of(paths[row["category_id"]]):
            for column in COUNT_COLUMNS:
                if row[column]:
                    totals[(scope, row["facet"], row["name"], row["value"], column)] += row[column]
    return {key: count for key, count in totals.items() if count}


def assert_rollups_match_catalog():
    assert maintained_rollups() == expected_rollups()
