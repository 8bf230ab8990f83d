"""The three ways of counting facets: the maintained counts, an exact GROUP BY, a sample.

Each answers FacetCounts for a set of filters: per category path, per price
bucket label and per option name and value. facets.py chooses which one
counts which set; docs/performance.md ("Facets") measures them.
"""

import math
from dataclasses import dataclass, field

from django.core.signals import setting_changed
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast

from ..core.counting import EstimateMemo
from ..core.settings import shopcore_settings
from .facet_keys import (
    OPTION,
    PRICE,
    PRODUCT,
    SAMPLE_KEYS,
    SEARCHABLE_SAMPLE_KEYS,
    count_columns,
    option_pair,
)
from .facet_models import FacetCount, FacetRollup, ProductFacets
from .models import ProductVariant, VariantOption
from .search import ColumnInArray, search_condition, search_tokens


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
    result = FacetCounts(
        categories={} if wants.categories else None, prices={} if wants.price else None
    )
    for kind, label, facet, name, value, count in rollups.union(deltas, all=True):
        count = count or 0
        if facet == PRODUCT:
            # A child's total, or an unfolded delta in the category ``label`` names.
            path = paths.get(label) if kind == "rollup" else label
            if path and wants.categories:
                result.categories[path] = result.categories.get(path, 0) + count
        elif facet == PRICE:
            if value not in buckets.by_label:
                if count:
                    raise StaleIndex(value)
            elif wants.price:
                result.prices[value] = result.prices.get(value, 0) + count
        elif facet == OPTION and wants.wants_option(name):
            values = result.options.setdefault(name, {})
            values[value] = values.get(value, 0) + count
    return result


# --- Exact counts of a small set -------------------------------------------------


def exact_counts(queryset, filters, wants, buckets, drop=None):
    """Counts of the products of ``queryset`` (a filtered product queryset, small: its
    count is exact), with GROUP BY; option counts per variant, as the filter matches."""
    result = FacetCounts()
    rows = queryset.order_by()
    if wants.categories:
        annotations = {"count": Count("pk")}
        if wants.price:
            annotations.update(bucket_counts(buckets))
        result.categories, prices = {}, dict.fromkeys(buckets.by_label, 0)
        for row in rows.values("category__path").annotate(**annotations):
            result.categories[row["category__path"]] = row["count"]
            for bucket in buckets.buckets:
                prices[bucket.label] += row.get(bucket.label, 0)
        if wants.price:
            result.prices = prices
    elif wants.price:
        result.prices = rows.aggregate(**bucket_counts(buckets))
    if wants.only_option is not None or wants.except_options is not None:
        result.options = exact_option_counts(rows, filters, wants, drop)
    return result


def bucket_counts(buckets):
    return {
        bucket.label: Count(
            "pk",
            filter=Q(price__gte=bucket.low)
            & (Q() if bucket.high is None else Q(price__lt=bucket.high)),
        )
        for bucket in buckets.buckets
    }


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
    rows = VariantOption.objects.using(products.db).filter(variant__in=variants.values("pk"))
    if wants.only_option is not None:
        rows = rows.filter(name=wants.only_option)
    else:
        rows = rows.exclude(name__in=sorted(wants.except_options or ()))
    options: dict[str, dict[str, int]] = {}
    for row in rows.values("name", "value").annotate(
        count=Count("variant__product_id", distinct=True)
    ):
        options.setdefault(row["name"], {})[row["value"]] = row["count"]
    return options


# --- Estimates from the sample (PostgreSQL) ----------------------------------------


@dataclass
class SampledSet:
    """One set of filters counted from the sample: F without ``drop`` (None: nothing
    dropped, "price", or ("option", name)), its estimated size and what it counts."""

    drop: object
    size: int
    wants: Wants


def sample_counts(filters, sampled_sets, buckets, sample_rows, using):
    """Estimates for ``sampled_sets`` from one scan of the sample, scaled up.

    The scan reads the state rows below a sample-key cut, in key order (as
    the rebuild wrote them): as many as should hold about a fifth of
    ``sample_rows`` matches of the most selective set, at most
    ``sample_rows`` rows; a search keeps to the searchable rows. A count is
    the sampled matches times SAMPLE_KEYS / the cut. The cut is a literal,
    so the planner estimates the scan from the key's statistics.
    """
    matches = max(sample_rows // 5, 1)
    smallest = max(min(sampled.size for sampled in sampled_sets), 1)
    key_limit = SEARCHABLE_SAMPLE_KEYS if filters.search else SAMPLE_KEYS
    cut = min(key_limit, math.ceil(matches * SAMPLE_KEYS / smallest))
    population = sample_population(using)
    if population:
        cut = min(cut, math.ceil(sample_rows * SAMPLE_KEYS / population))
    cut = max(cut, 1)
    scan = ProductFacets.objects.using(using).filter(sample_key__lt=cut)
    scan = scan.filter(filters.browse_condition(using, prefix=""))
    flags = sample_flags(filters)
    scan = scan.annotate(**flags).values("category_id", "price", "options", *flags)
    scan_sql, scan_params = scan.query.sql_with_params()
    parts, params = [], []
    for sampled in sampled_sets:
        where = " AND ".join(
            ["TRUE", *(f"s.{name}" for name in flags if not dropped(name, sampled.drop, filters))]
        )
        for sql, part_params in sample_parts(sampled.wants, where, buckets):
            parts.append(sql)
            params += part_params
    # Only SQL that Django compiled, or the literals above, is interpolated.
    sql = f"WITH scan AS MATERIALIZED ({scan_sql}) {' UNION ALL '.join(parts)}"
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*scan_params, *params])
        rows = cursor.fetchall()
    return scaled(rows, sampled_sets, SAMPLE_KEYS / cut)


# The planner's row count of the states, per database, reused for a while.
populations = EstimateMemo()
setting_changed.connect(populations.clear)


def sample_population(using):
    """About how many state rows there are (PostgreSQL's statistics); 0 when unknown."""
    population = populations.get(using)
    if population is None:
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [ProductFacets._meta.db_table],
            )
            population = max(int(cursor.fetchone()[0]), 0)
        populations.set(using, population, shopcore_settings.COUNT_ESTIMATE_TIMEOUT)
    return population


def sample_parts(wants, where, buckets):
    """The SELECTs counting what ``wants`` asks for among the scanned rows ``where`` holds.

    Only literals of this module and flag names are interpolated (S608).
    """
    if wants.categories:
        yield (
            "SELECT 'c', c.path, '', COUNT(*) FROM scan s "  # noqa: S608
            f"JOIN shopcore_category c ON c.id = s.category_id WHERE {where} GROUP BY c.path",
            [],
        )
    if wants.price:
        label, label_params = price_label_sql(buckets)
        yield (
            f"SELECT 'p', {label}, '', COUNT(*) FROM scan s WHERE {where} GROUP BY 2",  # noqa: S608
            label_params,
        )
    if wants.only_option is not None:
        name_test, name_params = "split_part(o.pair, ':', 1) = %s", [wants.only_option]
    elif wants.except_options is not None:
        name_test = "NOT split_part(o.pair, ':', 1) = ANY(%s)"
        name_params = [sorted(wants.except_options)]
    else:
        return
    yield (
        "SELECT 'o', split_part(o.pair, ':', 1), substr(o.pair, strpos(o.pair, ':') + 1), "  # noqa: S608
        "COUNT(*) FROM scan s CROSS JOIN LATERAL jsonb_array_elements_text(s.options) AS o(pair) "
        f"WHERE {where} AND {name_test} GROUP BY 2, 3",
        name_params,
    )


def sample_flags(filters):
    """The conditions of F beyond browsing, one boolean column each in the scan."""
    flags = {}
    if filters.min_price is not None or filters.max_price is not None:
        condition = Q()
        if filters.min_price is not None:
            condition &= Q(price__gte=filters.min_price)
        if filters.max_price is not None:
            condition &= Q(price__lte=filters.max_price)
        flags["f_price"] = ExpressionWrapper(condition, output_field=BooleanField())
    if filters.search:
        condition = Q()
        for token in search_tokens(filters.search):
            condition &= search_condition(token, "postgresql")
        flags["f_search"] = ExpressionWrapper(condition, output_field=BooleanField())
    for index, (name, values) in enumerate(sorted(filters.options.items())):
        pairs = [option_pair(name, value) for value in sorted(values)]
        flags[f"f_option_{index}"] = ExpressionWrapper(
            Q(options__has_any_keys=pairs), output_field=BooleanField()
        )
    return flags


def dropped(flag, drop, filters):
    if drop == "price":
        return flag == "f_price"
    if isinstance(drop, tuple):
        return flag == f"f_option_{sorted(filters.options).index(drop[1])}"
    return False


def price_label_sql(buckets):
    """``CASE`` giving the label of ``s.price``'s bucket, and its parameters."""
    whens, params = [], []
    for below, bucket in zip(buckets.buckets, buckets.buckets[1:], strict=False):
        whens.append("WHEN s.price < %s THEN %s")
        params += [bucket.low, below.label]
    params.append(buckets.buckets[-1].label)
    return f"CASE {' '.join(whens)} ELSE %s END", params


def scaled(rows, sampled_sets, factor):
    result = FacetCounts(exact=False)
    if any(sampled.wants.categories for sampled in sampled_sets):
        result.categories = {}
    if any(sampled.wants.price for sampled in sampled_sets):
        result.prices = {}
    for kind, key, value, count in rows:
        estimate = math.floor(count * factor + 0.5)
        if kind == "c":
            result.categories[key] = estimate
        elif kind == "p":
            result.prices[key] = estimate
        elif kind == "o":
            result.options.setdefault(key, {})[value] = estimate
    return result
