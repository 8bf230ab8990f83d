"""The benchmark's request types, with parameters picked from the seeded catalog.

Runs inside the Django process of bench/run.py (after django.setup()).
"""

from django.db.models import Count, Q

ORDERINGS = ("price", "-price", "created_at", "-created_at")


def request_paths(seed):
    """Query strings per request type (``(resource, suffix)``), and what they were built from.

    A suffix is a string, or a dict of strings per target (a cursor for
    shopcore, a page number for the reference).
    """
    from django_shopcore.catalog.models import Category, Product
    from django_shopcore.contrib.demo.vocabulary import Vocabulary

    active = Product.objects.filter(is_active=True)
    root, leaf, group = pick_categories(Category, active)
    detail_id = active.order_by("pk").values_list("pk", flat=True)[Product.objects.count() // 2]
    words = Vocabulary(seed).search_words()
    second_common = Vocabulary(seed).word_with_share(0.12, excluding=[words["common"]])
    paths = {
        "default": ("products", ""),
        "category": ("products", f"?category={root}"),
        "price_range": ("products", "?min_price=10&max_price=50"),
        "in_stock": ("products", "?in_stock=true"),
        # Deep scrolling: shopcore follows cursors, the reference pages by number.
        "deep_scroll": ("products", deep_scroll(active)),
        "detail": ("products", f"{detail_id}/"),
        "detail_variants": ("products", f"{richest_product(active, detail_id)}/"),
        "category_list": ("categories", ""),
    }
    for ordering in ORDERINGS:
        paths[f"category_{ordering}"] = ("products", f"?category={root}&ordering={ordering}")
    for name, category in (("leaf", leaf), ("subtree", group)):
        paths[name] = ("products", f"?category={category}")
        for ordering in ORDERINGS:
            paths[f"{name}_{ordering}"] = ("products", f"?category={category}&ordering={ordering}")
        paths[f"{name}_price_range"] = (
            "products",
            f"?category={category}&min_price=10&max_price=50",
        )
        paths[f"{name}_in_stock"] = ("products", f"?category={category}&in_stock=true")
        in_category = active.filter(category__path__startswith=category_path(Category, category))
        paths[f"{name}_deep_scroll"] = (
            "products",
            deep_scroll(in_category, f"category={category}&"),
        )
    for frequency, word in words.items():
        paths[f"search_{frequency}"] = ("products", f"?search={word}")
        paths[f"search_{frequency}_price"] = ("products", f"?search={word}&ordering=price")
    # Two words together: a common and a mid-frequency one ("black copper"), two common ones.
    for name, pair in (
        ("search_pair", (words["common"], words["mid"])),
        ("search_common_pair", (words["common"], second_common)),
    ):
        paths[name] = ("products", f"?search={'+'.join(pair)}")
        paths[f"{name}_price"] = ("products", f"?search={'+'.join(pair)}&ordering=price")
    parameters = {
        "category": root,
        "leaf": leaf,
        "subtree": group,
        "detail_id": detail_id,
        "search_words": {**words, "second_common": second_common},
        "sizes": {
            name: in_subtree(Category, active, category).count()
            for name, category in (("category", root), ("leaf", leaf), ("subtree", group))
        },
    }
    return paths, parameters


def category_path(category_model, pk):
    return category_model.objects.values_list("path", flat=True).get(pk=pk)


def in_subtree(category_model, products, pk):
    return products.filter(category__path__startswith=category_path(category_model, pk))


def pick_categories(category_model, active):
    """A root of median subtree size (a department), a leaf of median size among the
    leaves with products, and a second-level category of median subtree size."""
    counts = dict(
        active.order_by()
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    categories = list(category_model.objects.values_list("pk", "path", "depth"))
    parents = set(category_model.objects.values_list("parent_id", flat=True))

    def subtree_size(path):
        return sum(counts.get(pk, 0) for pk, other, _depth in categories if other.startswith(path))

    def median(candidates):
        ranked = sorted(candidates)
        return ranked[len(ranked) // 2][1]

    roots = [(subtree_size(path), pk) for pk, path, depth in categories if depth == 0]
    leaves = [
        (counts[pk], pk)
        for pk, _path, _depth in categories
        if pk not in parents and counts.get(pk)
    ]
    groups = [(subtree_size(path), pk) for pk, path, depth in categories if depth == 1]
    return median(roots), median(leaves), median(groups or roots)


def richest_product(active, middle_id):
    """Of 2,000 active products from ``middle_id`` on, the one with the most active variants,
    then images: the detail's worst case."""
    nearby = list(
        active.filter(pk__gte=middle_id).order_by("pk").values_list("pk", flat=True)[:2000]
    )
    return (
        active.filter(pk__in=nearby)
        .annotate(
            variants_count=Count("variants", filter=Q(variants__is_active=True), distinct=True),
            images_count=Count("images", distinct=True),
        )
        .order_by("-variants_count", "-images_count", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def deep_scroll(rows, params="", depth=0.9):
    """Query strings per target for the row ``depth`` of the way down the default ordering.

    shopcore's page numbers stop at MAX_PAGE_DEPTH rows, so it gets the cursor
    a client reaches by following ``next`` links (signed with the SECRET_KEY
    the server gets too); the reference gets the page number.
    """
    from django.core import signing

    from django_shopcore.catalog.keysets import Keyset
    from django_shopcore.catalog.pagination import CURSOR_SALT

    rows = rows.order_by("-created_at", "-id")
    keyset = Keyset.of(rows)
    offset = int(rows.count() * depth)
    row = rows.values("id", "created_at")[offset]
    payload = {"o": keyset.signature(), "v": keyset.position_of(row)}
    cursor = signing.dumps(payload, salt=CURSOR_SALT, compress=True)
    return {
        "shopcore": f"?{params}cursor={cursor}",
        "reference": f"?{params}page={offset // 20 + 1}",
    }
