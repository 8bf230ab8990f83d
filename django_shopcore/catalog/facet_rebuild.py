"""The SQL that recomputes the facet index from the catalog: three ``INSERT ... SELECT``s.

The database copies the rows itself (a million products in seconds), with
the same results as facet_keys.py computes for one product in Python: the
states in sample-key order (the estimates read them in that order), the
counts grouped from the states, the subtree rollups grouped from the
counts. PostgreSQL and SQLite; migration 0006 holds a copy as it was when
written.
"""

from .facet_keys import (
    HASH_MODULUS,
    HASH_MULTIPLIER,
    OPTION,
    OPTION_SEPARATOR,
    PRICE,
    PRODUCT,
    SAMPLE_KEYS,
    SEARCHABLE_FROM,
)

# facet_keys.sample_key() in SQL (``%%``: the statements take named parameters).
SAMPLE_KEY_SQL = f"((p.id * {HASH_MULTIPLIER}) %% {HASH_MODULUS}) / {HASH_MODULUS // SAMPLE_KEYS}"

# Each product's option pairs (of its active variants), distinct, as a JSON
# array: on PostgreSQL aggregated in one pass over all variants (a correlated
# subquery per product reads the indexes a million times), on SQLite per
# product. Their order does not matter (product_rows.stored_state sorts them).
STATES_SQL = {
    "postgresql": """
INSERT INTO shopcore_productfacets
    (product_id, category_id, is_active, in_stock, price, options, sample_key, name, description)
SELECT p.id, p.category_id, p.is_active, p.stock > 0, p.price,
    COALESCE(pairs.options, '[]'::jsonb), {sample_key},
    CASE WHEN {sample_key} >= %(searchable)s THEN p.name ELSE '' END,
    CASE WHEN {sample_key} >= %(searchable)s THEN p.description ELSE '' END
FROM shopcore_product p
LEFT JOIN (
    SELECT v.product_id, jsonb_agg(DISTINCT o.name || %(separator)s || o.value) AS options
    FROM shopcore_productvariant v
    JOIN shopcore_variantoption o ON o.variant_id = v.id
    WHERE v.is_active
    GROUP BY v.product_id
) pairs ON pairs.product_id = p.id
ORDER BY 7, 1
""",
    "sqlite": """
INSERT INTO shopcore_productfacets
    (product_id, category_id, is_active, in_stock, price, options, sample_key, name, description)
SELECT p.id, p.category_id, p.is_active, p.stock > 0, p.price,
    COALESCE((
        SELECT json_group_array(pair) FROM (
            SELECT DISTINCT o.name || %(separator)s || o.value AS pair
            FROM shopcore_productvariant v
            JOIN shopcore_variantoption o ON o.variant_id = v.id
            WHERE v.product_id = p.id AND v.is_active
        ) pairs), '[]'),
    {sample_key},
    CASE WHEN {sample_key} >= %(searchable)s THEN p.name ELSE '' END,
    CASE WHEN {sample_key} >= %(searchable)s THEN p.description ELSE '' END
FROM shopcore_product p
ORDER BY 7, 1
""",
}

# One option pair per row: the state's ``pair``, split at the first separator.
OPTION_ROWS_SQL = {
    "postgresql": (
        "CROSS JOIN LATERAL jsonb_array_elements_text(s.options) AS o(pair)",
        "split_part(o.pair, %(separator)s, 1)",
        "substr(o.pair, strpos(o.pair, %(separator)s) + 1)",
    ),
    "sqlite": (
        "CROSS JOIN json_each(s.options) AS o",
        "substr(o.value, 1, instr(o.value, %(separator)s) - 1)",
        "substr(o.value, instr(o.value, %(separator)s) + 1)",
    ),
}

COUNTS_SQL = """
INSERT INTO shopcore_facetcount
    (category_id, facet, name, value, active_in_stock, active_out_of_stock,
     inactive_in_stock, inactive_out_of_stock, is_delta)
SELECT category_id, facet, name, value,
    SUM(CASE WHEN is_active AND in_stock THEN 1 ELSE 0 END),
    SUM(CASE WHEN is_active AND NOT in_stock THEN 1 ELSE 0 END),
    SUM(CASE WHEN NOT is_active AND in_stock THEN 1 ELSE 0 END),
    SUM(CASE WHEN NOT is_active AND NOT in_stock THEN 1 ELSE 0 END),
    FALSE
FROM (
    SELECT s.category_id, s.is_active, s.in_stock, %(product)s AS facet, '' AS name, '' AS value
    FROM shopcore_productfacets s
    UNION ALL
    SELECT s.category_id, s.is_active, s.in_stock, %(price)s, '', {price_label}
    FROM shopcore_productfacets s
    UNION ALL
    SELECT s.category_id, s.is_active, s.in_stock, %(option)s, {option_name}, {option_value}
    FROM shopcore_productfacets s {option_rows}
) facet_keys
GROUP BY category_id, facet, name, value
"""


# Every category's rows added up under each scope whose subtree holds it
# (itself and its ancestors), and under the whole catalog (scope 0).
ROLLUPS_SQL = """
INSERT INTO shopcore_facetrollup
    (scope, facet, name, value, active_in_stock, active_out_of_stock,
     inactive_in_stock, inactive_out_of_stock)
SELECT pairs.scope, f.facet, f.name, f.value, SUM(f.active_in_stock),
    SUM(f.active_out_of_stock), SUM(f.inactive_in_stock), SUM(f.inactive_out_of_stock)
FROM shopcore_facetcount f
JOIN (
    SELECT c.id AS category_id, s.id AS scope
    FROM shopcore_category c JOIN shopcore_category s ON c.path LIKE s.path || '%%'
) pairs ON pairs.category_id = f.category_id
GROUP BY pairs.scope, f.facet, f.name, f.value
UNION ALL
SELECT 0, facet, name, value, SUM(active_in_stock), SUM(active_out_of_stock),
    SUM(inactive_in_stock), SUM(inactive_out_of_stock)
FROM shopcore_facetcount
GROUP BY facet, name, value
"""


def price_label_sql(buckets):
    """``CASE`` giving the label of ``s.price``'s bucket, and its parameters."""
    whens, params = [], {}
    for index, bucket in enumerate(buckets.buckets[1:]):
        whens.append(f"WHEN s.price < %(edge_{index})s THEN %(label_{index})s")
        params[f"edge_{index}"] = bucket.low
        params[f"label_{index}"] = buckets.buckets[index].label
    params["last_label"] = buckets.buckets[-1].label
    return f"CASE {' '.join(whens)} ELSE %(last_label)s END", params


def statements(vendor, buckets):
    """The rebuild's two statements for ``vendor``, with their parameters (a dict each)."""
    params = {
        "separator": OPTION_SEPARATOR,
        "searchable": SEARCHABLE_FROM,
        "product": PRODUCT,
        "price": PRICE,
        "option": OPTION,
    }
    states = STATES_SQL[vendor].format(sample_key=SAMPLE_KEY_SQL)
    label, label_params = price_label_sql(buckets)
    option_rows, option_name, option_value = OPTION_ROWS_SQL[vendor]
    counts = COUNTS_SQL.format(
        price_label=label,
        option_rows=option_rows,
        option_name=option_name,
        option_value=option_value,
    )
    statements: list[tuple[str, dict | None]] = [
        (states, params),
        (counts, {**params, **label_params}),
        (ROLLUPS_SQL, {}),
    ]
    if vendor == "postgresql":
        # The aggregation and the ORDER BY sort a million rows: in memory.
        statements.insert(0, ("SET LOCAL work_mem = '256MB'", None))
    return statements
