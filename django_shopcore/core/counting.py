"""Row counts that stay cheap on large tables: exact up to a threshold, estimated beyond.

Counts are exact up to ``EXACT_COUNT_THRESHOLD`` rows; beyond, they are
PostgreSQL's planner estimate (or, elsewhere, the threshold as a lower bound),
and the response says so with ``count_exact``.
"""

import time
from typing import TYPE_CHECKING, NamedTuple, cast

from django.core.signals import setting_changed
from django.db import connections

from .settings import shopcore_settings

if TYPE_CHECKING:
    from django.db.backends.postgresql.operations import DatabaseOperations


class RowCount(NamedTuple):
    value: int
    exact: bool


# Above this many times the threshold, the planner's estimate is trusted without
# counting: estimates are rarely off by that much, and counting costs a scan.
ESTIMATE_MARGIN = 10


def count_rows(queryset):
    """The number of rows, exact up to ``EXACT_COUNT_THRESHOLD``; one query."""
    threshold = shopcore_settings.EXACT_COUNT_THRESHOLD
    estimate, counted = estimate_and_count(queryset, threshold, threshold * ESTIMATE_MARGIN)
    return row_count(estimate, counted, threshold)


def count_compiled_rows(alias, sql, params):
    """count_rows() of the rows whose primary keys ``sql`` selects (PostgreSQL): the query
    ``primary_keys_sql()`` compiles, compiled earlier (core/prepared.py)."""
    threshold = shopcore_settings.EXACT_COUNT_THRESHOLD
    estimate, counted = aggregate_compiled(
        connections[alias], sql, params, threshold, threshold * ESTIMATE_MARGIN, COUNT_ROWS
    )
    return row_count(estimate, counted, threshold)


def row_count(estimate, counted, threshold):
    if counted is not None and counted <= threshold:
        return RowCount(counted, True)
    return RowCount(max(counted or 0, estimate or 0), False)


def estimate_and_count(queryset, cap, estimate_limit):
    """``(estimate, count)``: the planner's row estimate and the rows counted up to ``cap + 1``.

    On PostgreSQL both come from one query, through ``shopcore_count_estimate()``
    (migration 0002), and nothing is counted (``count`` is None) when the
    estimate exceeds ``estimate_limit``; such an estimate, or a count that
    reached the cap, is then reused (as an estimate, with ``count`` None) for
    ``COUNT_ESTIMATE_TIMEOUT`` seconds. Elsewhere there is no estimate (None).
    """
    if connections[queryset.db].vendor != "postgresql":
        return None, queryset.order_by().values("pk")[: cap + 1].count()
    return estimate_and_aggregate(queryset, cap, estimate_limit, COUNT_ROWS)


def estimate_and_collect(queryset, cap, estimate_limit, plan=None, order=()):
    """``(estimate, pks)``: the planner's row estimate and, when it is at most
    ``estimate_limit``, the primary keys of at most ``cap + 1`` rows (else None).
    PostgreSQL only; one query.

    ``order``, ``(field name, descending)`` pairs ending with the primary key,
    sorts the keys: the query reads those rows anyway, and sorting a few
    thousand of them there costs less than reading them again to sort.

    What ``estimate_and_count()`` counts, kept: a later query can then read
    those rows by primary key instead of finding them again. ``plan``, called
    once the estimate is not known to be too large already, returns
    ``(collect_from, also_estimate, learn)``: the keys are read from
    ``collect_from`` (the same rows as ``queryset``, by another plan) when not
    None, and ``learn`` is called with the planner's estimates of the
    querysets ``also_estimate`` lists, taken by the same query.
    """
    return estimate_and_aggregate(queryset, cap, estimate_limit, COLLECT_KEYS, plan, order)


# What estimate_and_aggregate() makes of the capped primary keys.
COUNT_ROWS = "(SELECT COUNT(*) FROM ({capped}) capped)"
COLLECT_KEYS = "ARRAY({capped})"
# The same, sorted: the capped rows' columns are named pk, k1, k2, ... ({columns}).
COLLECT_SORTED_KEYS = "ARRAY(SELECT capped.pk FROM ({capped}) capped ({columns}) ORDER BY {terms})"


def estimate_and_aggregate(queryset, cap, estimate_limit, aggregate, plan=None, order=()):
    """The planner's estimate and, when it is at most ``estimate_limit``, ``aggregate``
    of the primary keys of at most ``cap + 1`` rows; one PostgreSQL query (``plan``,
    ``order``: estimate_and_collect())."""
    sql, params = primary_keys_sql(queryset)
    sorted_by = (queryset, order) if order else None
    return aggregate_compiled(
        connections[queryset.db], sql, params, cap, estimate_limit, aggregate, plan, sorted_by
    )


def aggregate_compiled(
    connection, sql, params, cap, estimate_limit, aggregate, plan=None, sorted_by=None
):
    """estimate_and_aggregate() of the primary keys ``sql`` selects, compiled already;
    ``sorted_by``: ``(queryset, order)``, the queryset ``sql`` is the keys of and the
    order to collect them in."""
    memo_key = (connection.alias, aggregate, estimate_limit, sql, repr(params))
    estimate = large_estimates.get(memo_key)
    if estimate is not None:
        return estimate, None
    collect_from, also_estimate, learn = plan() if plan else (None, (), None)
    rows_sql, rows_params = (sql, params)
    if collect_from is not None:
        rows_sql, rows_params = primary_keys_sql(collect_from)
    if sorted_by is not None:
        queryset, order = sorted_by
        aggregate, rows_sql, rows_params = sorted_aggregate(
            queryset if collect_from is None else collect_from, order
        )
    # The same query with a LIMIT, as Django would compile rows[: cap + 1]:
    # one compilation per count instead of two.
    capped_sql = f"{rows_sql} {connection.ops.limit_offset_sql(0, cap + 1)}"
    # Only reached on PostgreSQL, whose operations can compose SQL with its parameters.
    operations = cast("DatabaseOperations", connection.ops)
    others = [operations.compose_sql(*primary_keys_sql(other)) for other in also_estimate]
    placeholders = ", ".join(["shopcore_count_estimate(%s)"] * len(others))
    others_sql = f", ARRAY[{placeholders}]" if others else ""
    with connection.cursor() as cursor:
        # Only SQL that Django compiled is interpolated; values are parameters.
        # PostgreSQL runs the aggregate's subquery only when the CASE needs it,
        # and the estimate's EXPLAIN the whole query as text, parameters inlined.
        cursor.execute(
            "SELECT planned.estimate, CASE WHEN planned.estimate <= %s THEN "  # noqa: S608
            f"{aggregate.format(capped=capped_sql)} END{others_sql} "
            "FROM (SELECT shopcore_count_estimate(%s) AS estimate) planned",
            [estimate_limit, *rows_params, *others, operations.compose_sql(sql, params)],
        )
        estimate, aggregated, *estimates = cursor.fetchone()
    if others and learn is not None:
        learn(estimates[0])
    timeout = shopcore_settings.COUNT_ESTIMATE_TIMEOUT
    if aggregated is None:
        large_estimates.set(memo_key, estimate, timeout)
    elif (found := aggregated if aggregate == COUNT_ROWS else len(aggregated)) > cap:
        # More rows than the cap: the count is reported as an estimate too
        # (row_count()), the larger of the two, and is remembered as one, so
        # that the next request neither counts nor collects them again.
        large_estimates.set(memo_key, max(estimate, found), timeout)
    return estimate, aggregated


def sorted_aggregate(queryset, order):
    """COLLECT_SORTED_KEYS for ``order`` and the SQL of the rows it sorts: ``queryset``'s
    primary keys and sort keys, under the LIMIT that keeps them the rows counted."""
    pk_name = queryset.model._meta.pk.name
    keys = [name for name, _descending in order if name not in ("pk", pk_name)]
    rows_sql, rows_params = queryset.order_by().values_list("pk", *keys).query.sql_with_params()
    columns = ["pk", *(f"k{number}" for number in range(1, len(keys) + 1))]
    named = iter(columns[1:])
    terms = [
        f"capped.{'pk' if name in ('pk', pk_name) else next(named)}"
        f"{' DESC' if descending else ' ASC'}"
        for name, descending in order
    ]
    aggregate = COLLECT_SORTED_KEYS.format(
        capped="{capped}", columns=", ".join(columns), terms=", ".join(terms)
    )
    return aggregate, rows_sql, rows_params


def primary_keys_sql(queryset):
    return queryset.order_by().values("pk").query.sql_with_params()


class EstimateMemo:
    """Row estimates too large to count (and counts past the cap), remembered by this
    process for a while.

    The planner's estimate only changes when the table is analyzed, and such
    a count is reported as approximate (``count_exact: false``) anyway;
    remembering it saves a query that plans the list's query once more.
    """

    # Past this many entries the memo starts afresh: bounded memory, no bookkeeping.
    max_entries = 1000

    def __init__(self):
        self.entries = {}

    def get(self, key):
        estimate, expires = self.entries.get(key, (None, 0))
        return estimate if expires > time.monotonic() else None

    def set(self, key, estimate, timeout):
        if not timeout:
            return
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        self.entries[key] = (estimate, time.monotonic() + timeout)

    def clear(self, **kwargs):
        self.entries.clear()


large_estimates = EstimateMemo()
# A new EXACT_COUNT_THRESHOLD or timeout must not reuse what the old one allowed.
setting_changed.connect(large_estimates.clear)
