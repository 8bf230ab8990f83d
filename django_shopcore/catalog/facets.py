"""Facet counts of a product list page (``facets=true``): which source counts what, and the shape.

A facet counts the products matching every filter of the request but its
own: the price buckets ignore ``min_price``/``max_price``, the values of an
option name ignore that name's ``option`` values, and the category facet
lists the children of the filtered category (the roots without one), each
counted over its subtree. So a request has one set of filters per facet
that drops something: the full set F, F without the price bounds, and F
without each option name it filters by. Each set is counted by the first
source that can (facet_sources.py):

1. the maintained counts, when the set filters by category, activity and
   stock only (browsing): exact, and cheap at any catalog size;
2. a GROUP BY over the set, when its count is exact (at most
   ``EXACT_COUNT_THRESHOLD`` rows, or the candidates of a search), and on
   databases other than PostgreSQL;
3. an estimate from the sample (PostgreSQL): ``exact`` is then false.
"""

import logging
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property

from django.db import connections
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from ..core.counting import count_rows
from ..core.query import single_query_param
from .cache import subtree
from .category_filter import category_cache_name, category_reference
from .facet_fold import CATALOG_SCOPE
from .facet_keys import price_buckets
from .facet_sample import SampledSet
from .facet_sources import (
    StaleIndex,
    Wants,
    category_filter,
    exact_counts,
    sampled_counts,
    table_counts,
)
from .filters import ProductFilterSet
from .models import Category, Product, sees_inactive

logger = logging.getLogger(__name__)

FACETS_PARAMETER = "facets"
PRICE_PARAMETERS = ("min_price", "max_price")
OPTION_PARAMETER = "option"


def facets_requested(request):
    """Whether the list should carry ``facets``: ``true``; absent, empty or ``false``: no.

    Anything else, or the parameter given twice, is a 400 naming it.
    """
    value = single_query_param(request, FACETS_PARAMETER)
    if value in (None, "", "false"):
        return False
    if value == "true":
        return True
    raise ValidationError({FACETS_PARAMETER: [_("Must be true or false.")]})


@dataclass(frozen=True)
class FacetFilters:
    """A request's product filters, as the facets read them (from the filter form)."""

    category: str | None
    min_price: Decimal | None
    max_price: Decimal | None
    in_stock: bool | None
    # The ``is_active`` values the caller's products may have.
    activities: tuple[bool, ...]
    search: str
    slug: str
    options: dict[str, frozenset[str]]

    @classmethod
    def of(cls, cleaned_data, user):
        def boolean(name):
            value = cleaned_data.get(name)
            return value if isinstance(value, bool) else None

        is_active = boolean("is_active")
        visible = (True, False) if sees_inactive(user) else (True,)
        return cls(
            category=cleaned_data.get("category") or None,
            min_price=cleaned_data.get("min_price"),
            max_price=cleaned_data.get("max_price"),
            in_stock=boolean("in_stock"),
            activities=tuple(active for active in visible if is_active in (None, active)),
            search=cleaned_data.get("search") or "",
            slug=cleaned_data.get("slug") or "",
            options={
                name: frozenset(values)
                for name, values in (cleaned_data.get("option") or {}).items()
            },
        )

    def without(self, drop):
        """These filters but ``drop``: None, "price", or ("option", name)."""
        if drop == "price":
            return replace(self, min_price=None, max_price=None)
        if drop is not None:
            return replace(
                self, options={name: v for name, v in self.options.items() if name != drop[1]}
            )
        return self

    def browses_only(self):
        return not (
            self.min_price is not None
            or self.max_price is not None
            or self.search
            or self.slug
            or self.options
        )

    @cached_property
    def category_ids(self):
        """The filtered category's subtree (cached, as the list's filter reads it); None
        without a category filter."""
        if self.category is None:
            return None
        return subtree(category_reference(self.category), category_cache_name(self.category)).ids

    def browse_condition(self, using):
        """The category, activity and stock conditions, on the facet states."""
        condition = Q(is_active__in=self.activities)
        if self.in_stock is not None:
            condition &= Q(in_stock=self.in_stock)
        if self.category is not None:
            condition &= category_filter(self.category_ids, connections[using].vendor)
        return condition


@dataclass
class FacetSet:
    drop: object  # what F drops for this set (FacetFilters.without)
    wants: Wants


def product_facets(request, list_queryset, list_count):
    """The ``facets`` object of a product page: ``list_queryset`` is the page's filtered
    queryset and ``list_count`` its count (a RowCount)."""
    using = list_queryset.db
    base = Product.objects.using(using).visible_to(request.user)
    filterset = ProductFilterSet(data=request.query_params, queryset=base, request=request)
    filterset.is_valid()  # The list validated the same parameters already.
    filters = FacetFilters.of(filterset.form.cleaned_data, request.user)
    has_price = filters.min_price is not None or filters.max_price is not None
    sets = [
        FacetSet(
            None,
            Wants(categories=True, price=not has_price, except_options=frozenset(filters.options)),
        )
    ]
    if has_price:
        sets.append(FacetSet("price", Wants(price=True)))
    sets += [FacetSet(("option", name), Wants(only_option=name)) for name in filters.options]
    scope, children = category_rows(filters, using)
    counted = FacetCounter(request, filters, base, list_queryset, list_count, scope, children)
    try:
        results = counted.count(sets, use_table=True)
    except StaleIndex as stale:
        logger.warning(
            "The facet counts hold price bucket %s, which FACET_PRICE_EDGES no longer makes; "
            "run `manage.py shopcore_rebuild_facets`.",
            stale,
        )
        results = counted.count(sets, use_table=False)
    return shape(sets, results, children)


class FacetCounter:
    """Counts each FacetSet of one request with the first source that can."""

    def __init__(self, request, filters, base, list_queryset, list_count, scope, children):
        self.request, self.filters, self.base = request, filters, base
        self.list_queryset, self.list_count = list_queryset, list_count
        self.scope, self.children = scope, children
        self.vendor = connections[base.db].vendor
        self.buckets = price_buckets()

    def count(self, sets, use_table):
        results, table_sets, sampled = {}, [], []
        for facet_set in sets:
            filters = self.filters.without(facet_set.drop)
            if use_table and filters.browses_only():
                table_sets.append(facet_set)
                continue
            queryset, row_count = self.filtered(facet_set.drop)
            if row_count.exact or self.vendor != "postgresql":
                results[id(facet_set)] = exact_counts(
                    queryset,
                    self.filters,
                    facet_set.wants,
                    self.buckets,
                    self.dropped_option(facet_set),
                )
            else:
                sampled.append(SampledSet(facet_set.drop, row_count.value, facet_set.wants))
        if table_sets:
            wants = Wants(
                categories=any(s.wants.categories for s in table_sets),
                price=any(s.wants.price for s in table_sets),
                except_options=frozenset(),
            )
            browse = replace(
                self.filters, min_price=None, max_price=None, options={}, search="", slug=""
            )
            counts = table_counts(
                browse, self.scope, self.children, wants, self.buckets, self.base.db
            )
            for facet_set in table_sets:
                results[id(facet_set)] = counts
        if sampled:
            counts = sampled_counts(self.filters, sampled, self.buckets, self.base.db)
            for facet_set in sets:
                if any(s.drop == facet_set.drop for s in sampled):
                    results[id(facet_set)] = counts
        return results

    @staticmethod
    def dropped_option(facet_set):
        return facet_set.drop[1] if isinstance(facet_set.drop, tuple) else None

    def filtered(self, drop):
        """The set's product queryset and its RowCount (exact up to the threshold)."""
        if drop is None:
            return self.list_queryset, self.list_count
        params = self.request.query_params.copy()
        if drop == "price":
            for name in PRICE_PARAMETERS:
                params.pop(name, None)
        else:
            kept = [
                raw for raw in params.getlist(OPTION_PARAMETER) if raw.partition(":")[0] != drop[1]
            ]
            params.setlist(OPTION_PARAMETER, kept)
        filterset = ProductFilterSet(data=params, queryset=self.base, request=self.request)
        filterset.is_valid()
        queryset = filterset.qs
        known = filterset.known_count
        return queryset, known if known is not None else count_rows(queryset)


def category_rows(filters, using):
    """``(scope, children)``: the filtered category's id (0 without one, the whole
    catalog's rollup scope) and its children (the roots), by name."""
    categories = Category.objects.using(using).order_by("name", "id")
    fields = ("id", "name", "slug", "path", "depth")
    if filters.category is None:
        return CATALOG_SCOPE, list(categories.filter(parent__isnull=True).values(*fields))
    reference = category_reference(filters.category)
    parent = Category.objects.using(using).filter(reference).values("pk")
    rows = list(categories.filter(reference | Q(parent__in=parent)).values(*fields, "parent_id"))
    scope = next(row for row in rows if row["parent_id"] not in {r["id"] for r in rows})
    return scope["id"], [row for row in rows if row is not scope]


def shape(sets, results, children):
    """The response's ``facets`` object from each set's FacetCounts."""
    counts_of = {id(facet_set): results[id(facet_set)] for facet_set in sets}
    full = counts_of[id(sets[0])]
    prices = next(counts_of[id(s)].prices for s in sets if s.wants.price) or {}
    options: dict[str, dict[str, int]] = {}
    for facet_set in sets:
        for name, values in counts_of[id(facet_set)].options.items():
            if facet_set.wants.wants_option(name):
                options[name] = values
    return {
        "category": category_facet(children, full.categories or {}),
        "price": [
            {
                "min": str(bucket.low),
                "max": None if bucket.high is None else str(bucket.high),
                "count": prices.get(bucket.label, 0),
            }
            for bucket in price_buckets().buckets
        ],
        "options": {
            name: [
                {"value": value, "count": count}
                for value, count in sorted(
                    options[name].items(), key=lambda item: (-item[1], item[0])
                )
                if count
            ]
            for name in sorted(options)
        },
        "exact": all(counts.exact for counts in counts_of.values()),
    }


def category_facet(children, counts_by_path):
    """Each child with the count of its subtree: the counts of the paths under it."""
    per_child: dict[str, int] = {}
    if children:
        segments = children[0]["depth"] + 2
        for path, count in counts_by_path.items():
            child_path = "/".join(path.split("/")[:segments]) + "/"
            per_child[child_path] = per_child.get(child_path, 0) + count
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "slug": row["slug"],
            "count": per_child.get(row["path"], 0),
        }
        for row in children
    ]
