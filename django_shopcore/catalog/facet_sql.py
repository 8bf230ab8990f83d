"""Counting facets over product states (ProductFacets rows) in one SQL statement.

The rows to count are a query named ``scan`` (the states of an exact set,
or of a sample); each facet asked for is one ``SELECT ... GROUP BY`` over
it, all of them in one ``UNION ALL``: categories by path, prices by bucket
label, option values by pair. PostgreSQL and SQLite spell the JSON unnesting
and the string functions differently; nothing else differs (the catalog
supports these two databases).

Only this module's literals, flag column names and SQL that Django compiled
are interpolated (hence the S608 exemptions); values are parameters.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connections

from .facet_keys import OPTION_SEPARATOR

# Per vendor: the join that makes one row per option pair, and the pair's column.
OPTION_ROWS = {
    "postgresql": ("CROSS JOIN LATERAL jsonb_array_elements_text(s.options) AS o(pair)", "o.pair"),
    "sqlite": ("CROSS JOIN json_each(s.options) AS o", "o.value"),
}


def pair_name_and_value(pair, vendor):
    """SQL of the option name and value of ``pair`` (split at the first separator)."""
    separator = f"'{OPTION_SEPARATOR}'"
    if vendor == "postgresql":
        return (
            f"split_part({pair}, {separator}, 1)",
            f"substr({pair}, strpos({pair}, {separator}) + 1)",
        )
    return (
        f"substr({pair}, 1, instr({pair}, {separator}) - 1)",
        f"substr({pair}, instr({pair}, {separator}) + 1)",
    )


def price_label_sql(buckets):
    """``CASE`` giving the label of ``s.price``'s bucket, and its parameters."""
    whens, params = [], []
    for below, bucket in zip(buckets.buckets, buckets.buckets[1:], strict=False):
        whens.append("WHEN s.price < %s THEN %s")
        params += [bucket.low, below.label]
    params.append(buckets.buckets[-1].label)
    return f"CASE {' '.join(whens)} ELSE %s END", params


def count_parts(wants, where, buckets, vendor):
    """``(sql, params)`` of the SELECTs counting what ``wants`` asks for among the rows of
    ``scan`` that ``where`` (SQL over its columns) keeps."""
    if wants.categories:
        yield (
            "SELECT 'c', c.path, '', COUNT(*) FROM scan s "  # noqa: S608
            f"JOIN shopcore_category c ON c.id = s.category_id WHERE {where} GROUP BY c.path",
            [],
        )
    if wants.price:
        label, params = price_label_sql(buckets)
        yield (
            f"SELECT 'p', {label}, '', COUNT(*) FROM scan s WHERE {where} GROUP BY 2",  # noqa: S608
            params,
        )
    if wants.only_option is None and wants.except_options is None:
        return
    rows, pair = OPTION_ROWS[vendor]
    name, value = pair_name_and_value(pair, vendor)
    if wants.only_option is not None:
        names, test = [wants.only_option], f"{name} = %s"
    else:
        names = sorted(wants.except_options)
        test = f"{name} NOT IN ({', '.join(['%s'] * len(names))})" if names else "TRUE"
    yield (
        f"SELECT 'o', {name}, {value}, COUNT(*) FROM scan s {rows} "  # noqa: S608
        f"WHERE {where} AND {test} GROUP BY 2, 3",
        names,
    )


def count_states(scan, parts, using):
    """Run the ``parts`` (from count_parts) over ``scan`` (a queryset of state rows'
    values); returns ``(kind, key, value, count)`` rows: kind ``c``, ``p`` or ``o``."""
    try:
        scan_sql, scan_params = scan.query.sql_with_params()
    except EmptyResultSet:  # Filtered by an empty set: no row to count.
        return []
    if not parts:
        return []
    sql = f"WITH scan AS ({scan_sql}) {' UNION ALL '.join(sql for sql, _params in parts)}"
    params = [*scan_params, *(param for _sql, part_params in parts for param in part_params)]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
