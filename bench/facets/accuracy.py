"""How far the sampled facet estimates are from the exact counts, on a seeded catalog.

For each query string given, the facets as served (estimates where the
count is) and the same computed exactly (EXACT_COUNT_THRESHOLD and
SEARCH_CANDIDATES raised past the catalog's size, so every set is counted
from its products' states): the relative error of the counts over 1% of
the list, per facet.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopcore_h3_1m \\
        .venv/bin/python bench/facets/accuracy.py "min_price=10&max_price=50" "option=size:M"
"""

import os
import statistics
import sys

from probe import setup


def flat(facets):
    counts = {f"category {row['slug']}": row["count"] for row in facets["category"]}
    counts.update({f"price {row['min']}": row["count"] for row in facets["price"]})
    for name, values in facets["options"].items():
        counts.update({f"{name} {row['value']}": row["count"] for row in values})
    return counts


def main():
    # The example project's settings: the bench's statement timeout would stop the
    # exact counts of the largest sets, which take seconds.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DEBUG", "true")
    setup()
    from django.test import Client, override_settings

    client = Client()
    for query in sys.argv[1:]:
        url = f"/api/products/?{query}&facets=true"
        served = client.get(url).json()
        with override_settings(
            SHOPCORE={"EXACT_COUNT_THRESHOLD": 10**7, "SEARCH_CANDIDATES": 10**7}
        ):
            exact = client.get(url).json()
        assert exact.get("facets", {}).get("exact"), (query, exact)
        estimated, truth = flat(served["facets"]), flat(exact["facets"])
        floor = max(exact["count"] // 100, 1)
        errors = {
            key: abs(estimated.get(key, 0) - count) / count
            for key, count in truth.items()
            if count >= floor
        }
        worst = max(errors, key=errors.get)
        print(
            f"{query}: list {exact['count']}, estimate={not served['facets']['exact']}, "
            f"{len(errors)} counts >= 1% of the list: median error "
            f"{statistics.median(errors.values()):.1%}, worst {errors[worst]:.1%} ({worst}: "
            f"{estimated.get(worst, 0)} for {truth[worst]})"
        )


if __name__ == "__main__":
    main()
