"""Facet estimates from the sample of product states (PostgreSQL): one scan, scaled up.

Every product has a sample key, a pseudo-random function of its id
(facet_keys.sample_key); the rebuild writes the states in key order, so
the states of a range of keys are a few contiguous pages, and a uniform
sample of the catalog. An estimate reads such a range, applies the
request's filters to each row (as boolean columns, one per condition, so
that one scan serves every facet's set of filters) and scales the counts
up by the range's share of the keys.
"""

import math
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, Q

from ..core.counting import EstimateMemo
from ..core.settings import shopcore_settings
from .facet_keys import SAMPLE_KEYS, SEARCHABLE_FROM, SEARCHABLE_SAMPLE_KEYS, option_pair
from .facet_models import ProductFacets
from .facet_sql import count_parts, count_states
from .search import search_condition, search_tokens


@dataclass
class SampledSet:
    """One set of filters counted from the sample: F without ``drop`` (None, "price" or
    ("option", name)), its estimated size and what it counts (a facet_sources.Wants)."""

    drop: object
    size: int
    wants: object


def sample_counts(filters, sampled_sets, buckets, using):
    """``(rows, factor)``: facet_sql.count_states() rows for ``sampled_sets`` from one
    scan of the sample, and the factor that scales them up.

    The scan reads the states of a range of sample keys from 0: as many as
    should hold about a fifth of ``FACET_SAMPLE_ROWS`` matches of the most
    selective set, at most ``FACET_SAMPLE_ROWS`` rows; a search reads the
    searchable keys instead. The bounds are literals, so the planner
    estimates the scan from the key's statistics.
    """
    sample_rows = shopcore_settings.FACET_SAMPLE_ROWS
    smallest = max(min(sampled.size for sampled in sampled_sets), 1)
    start, key_limit = (
        (SEARCHABLE_FROM, SEARCHABLE_SAMPLE_KEYS) if filters.search else (0, SAMPLE_KEYS)
    )
    width = min(key_limit, math.ceil(max(sample_rows // 5, 1) * SAMPLE_KEYS / smallest))
    population = sample_population(using)
    if population:
        width = min(width, math.ceil(sample_rows * SAMPLE_KEYS / population))
    width = max(width, 1)
    flags = sample_flags(filters)
    # A condition no set drops (the search, always) filters the scan itself, where
    # the states' search indexes (migration 0007) can serve it, instead of being a column.
    kept_by_all = {
        name: flags.pop(name)
        for name in list(flags)
        if not any(dropped(name, sampled.drop, filters) for sampled in sampled_sets)
    }
    scan = (
        ProductFacets.objects.using(using)
        .filter(sample_key__gte=start, sample_key__lt=start + width)
        .filter(filters.browse_condition(using))
        .filter(*kept_by_all.values())
        .annotate(
            **{
                name: ExpressionWrapper(condition, output_field=BooleanField())
                for name, condition in flags.items()
            }
        )
        .values("category_id", "price", "options", *flags)
    )
    parts = []
    for sampled in sampled_sets:
        kept = [f"s.{name}" for name in flags if not dropped(name, sampled.drop, filters)]
        where = " AND ".join(["TRUE", *kept])
        parts += count_parts(sampled.wants, where, buckets, "postgresql")
    return count_states(scan, parts, using), SAMPLE_KEYS / width


def sample_flags(filters):
    """The conditions of F beyond browsing, by the name of their boolean column in the scan."""
    flags = {}
    if filters.min_price is not None or filters.max_price is not None:
        condition = Q()
        if filters.min_price is not None:
            condition &= Q(price__gte=filters.min_price)
        if filters.max_price is not None:
            condition &= Q(price__lte=filters.max_price)
        flags["f_price"] = condition
    if filters.search:
        condition = Q()
        for token in search_tokens(filters.search):
            condition &= search_condition(token, "postgresql")
        flags["f_search"] = condition
    # Per product: a variant with size M and one in red match size:M and
    # colour:red alike (the estimate's one approximation, docs/api-guide.md).
    for index, (name, values) in enumerate(sorted(filters.options.items())):
        pairs = [option_pair(name, value) for value in sorted(values)]
        flags[f"f_option_{index}"] = Q(options__has_any_keys=pairs)
    return flags


def dropped(flag, drop, filters):
    if drop == "price":
        return flag == "f_price"
    if isinstance(drop, tuple):
        return flag == f"f_option_{sorted(filters.options).index(drop[1])}"
    return False


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
