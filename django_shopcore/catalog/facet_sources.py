"""The three ways of counting facets: the maintained counts, exact counts, a sample.

Each answers FacetCounts for a set of filters: per category path, per price
bucket label and per option name and value. facets.py chooses which one
counts which set; docs/performance.md ("Facets") measures them.
"""

import math
from dataclasses import dataclass, field, replace

from django.db import connections
from django.db.models import Case, CharField, Count, F, FilteredRelation, Q, Sum, Value, When
from django.db.models.functions import Cast

from .facet_keys import OPTION, PRICE, PRODUCT, count_columns
from .facet_models import FacetCount, FacetRollup, ProductFacets
from .facet_sample import sample_counts
from .facet_sql import count_parts, count_states
from .models import ProductVariant, VariantOption
from .search import ColumnInArray


@dataclass
class FacetCounts:
    """What a source counted: None for a facet it was not asked for."""

    categories: dict[str, int] | None = None  # category path -> products in it
    prices: dict[str, int] | None = None  # bucket label -> products
    options: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> value -> products
    exact: bool = True


@dataclass(frozen=True)
class Wants:
    """The facets one set of filters counts: categories, prices, and option names,
    either ``only_option`` or all but ``except_options``."""

    categories: bool = False
    price: bool = False
    only_option: str | None = None
    except_options: frozenset | None = None

    def wants_option(self, name):
        if self.only_option is not None:
            return name == self.only_option
        return self.except_options is not None and name not in self.except_options


class StaleIndex(Exception):
    """The maintained counts were made with other price edges: they need a rebuild."""


def category_filter(ids, vendor, column="category_id"):
    return ColumnInArray(column, ids) if vendor == "postgresql" else Q(**{f"{column}__in": ids})


# --- The maintained counts ----------------------------------------------------


def table_counts(filters, scope, children, wants, buckets, using):
    """Counts of the products filtered by category, activity and stock only, in one query:
    the rollups of ``scope`` (a category id, or 0 for the catalog) and its ``children``'s
    totals, plus the subtree's deltas not folded yet."""
    columns = count_columns(filters.activities, filters.in_stock)
    total = sum((F(column) for column in columns[1:]), F(columns[0])) if columns else Value(0)
    keys = {"f": F("facet"), "n": F("name"), "v": F("value")}
    rollups = (
        FacetRollup.objects.using(using)
        .filter(Q(scope=scope) | Q(scope__in=[child["id"] for child in children], facet=PRODUCT))
        .annotate(k=Value("rollup"), label=Cast("scope", CharField()), **keys, c=total)
        .values_list("k", "label", "f", "n", "v", "c")
    )
    deltas = FacetCount.objects.using(using).filter(is_delta=True)
    if filters.category_ids is not None:
        deltas = deltas.filter(category_filter(filters.category_ids, connections[using].vendor))
    path = Case(When(facet=PRODUCT, then=F("category__path")), default=Value(""))
    deltas = (
        deltas.annotate(k=Value("delta"), label=path, **keys)
        .values("k", "label", "f", "n", "v")
        .annotate(c=Sum(total))
        .values_list("k", "label", "f", "n", "v", "c")
        .order_by()
    )
    paths = {str(child["id"]): child["path"] for child in children}
    categories: dict[str, int] = {}
    prices: dict[str, int] = {}
    options: dict[str, dict[str, int]] = {}
    for kind, label, facet, name, value, count in rollups.union(deltas, all=True):
        count = count or 0
        if facet == PRODUCT:
            # A child's total, or an unfolded delta in the category ``label`` names.
            category_path = paths.get(label) if kind == "rollup" else label
            if category_path:
                categories[category_path] = categories.get(category_path, 0) + count
        elif facet == PRICE:
            if value not in buckets.by_label:
                if count:
                    raise StaleIndex(value)
            else:
                prices[value] = prices.get(value, 0) + count
        elif facet == OPTION and wants.wants_option(name):
            values = options.setdefault(name, {})
            values[value] = values.get(value, 0) + count
    return FacetCounts(
        categories=categories if wants.categories else None,
        prices=prices if wants.price else None,
        options=options,
    )


# --- Exact counts of a small set -------------------------------------------------


def exact_counts(queryset, filters, wants, buckets, drop=None):
    """Counts of the products of ``queryset`` (a filtered product queryset, small: its
    count is exact), from their states in one query.

    The states' options are per product: with ``option`` filters left after
    the ``drop``, the option values are counted per variant instead (a size
    counts when a variant has it *and* the other options filtered by).
    """
    per_variant = bool({name for name in filters.options if name != drop})
    state_wants = replace(wants, only_option=None, except_options=None) if per_variant else wants
    result = FacetCounts(
        categories={} if wants.categories else None, prices={} if wants.price else None
    )
    states = (
        ProductFacets.objects.using(queryset.db)
        .filter(product_id__in=queryset.order_by().values("pk"))
        .values("category_id", "price", "options")
    )
    vendor = connections[queryset.db].vendor
    parts = list(count_parts(state_wants, "TRUE", buckets, vendor))
    add_counts(result, count_states(states, parts, queryset.db))
    if per_variant and (wants.only_option is not None or wants.except_options is not None):
        result.options = exact_option_counts(queryset.order_by(), filters, wants, drop)
    if result.prices is not None:
        result.prices = {label: result.prices.get(label, 0) for label in buckets.by_label}
    return result


def add_counts(result, rows, factor=1):
    """Add facet_sql.count_states() rows to ``result``, times ``factor`` (rounded)."""
    for kind, key, value, count in rows:
        count = math.floor(count * factor + 0.5)
        if kind == "c":
            result.categories[key] = result.categories.get(key, 0) + count
        elif kind == "p":
            result.prices[key] = result.prices.get(key, 0) + count
        elif kind == "o":
            values = result.options.setdefault(key, {})
            values[value] = values.get(value, 0) + count


def exact_option_counts(products, filters, wants, drop):
    """Products per option value among the active variants of ``products`` that match
    the ``option`` filter but its ``drop``ped name (what choosing the value would give)."""
    variants = ProductVariant.objects.using(products.db).filter(
        is_active=True, product__in=products.values("pk")
    )
    for name, values in filters.options.items():
        if name != drop:
            rows = VariantOption.objects.filter(name=name, value__in=sorted(values))
            variants = variants.filter(pk__in=rows.values("variant_id"))
    # From the (few) variants to their option rows, by the (variant, name) index: counted
    # from the option rows' side, the planner joins every variant to them first.
    if wants.only_option is not None:
        counted = Q(option_rows__name=wants.only_option)
    else:
        counted = ~Q(option_rows__name__in=sorted(wants.except_options or ()))
    variants = variants.annotate(row=FilteredRelation("option_rows", condition=counted)).filter(
        row__isnull=False
    )
    options: dict[str, dict[str, int]] = {}
    for row in (
        variants.values(name=F("row__name"), value=F("row__value"))
        .annotate(count=Count("product_id", distinct=True))
        .order_by()
    ):
        options.setdefault(row["name"], {})[row["value"]] = row["count"]
    return options


# --- Estimates from the sample (PostgreSQL) ----------------------------------------


def sampled_counts(filters, sampled_sets, buckets, using):
    """The estimates of ``sampled_sets`` (facet_sample.py), as one FacetCounts."""
    rows, factor = sample_counts(filters, sampled_sets, buckets, using)
    result = FacetCounts(exact=False)
    if any(sampled.wants.categories for sampled in sampled_sets):
        result.categories = {}
    if any(sampled.wants.price for sampled in sampled_sets):
        result.prices = {}
    add_counts(result, rows, factor)
    return result
