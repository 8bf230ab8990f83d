-- Adds sized and coloured variants to a third of the products of a seeded
-- catalog (docs/performance.md, "Facets"): every product whose id is a
-- multiple of 3 gets 1-3 colours x 2-5 sizes (2-12 variants; its default
-- variant goes), colours and sizes Zipf-skewed, 2% of variants inactive,
-- 12% out of stock, prices within +-20% of the product's. Then the products'
-- maintained price and stock follow their variants, as refresh_product_totals()
-- would set them. Deterministic (setseed). Run on a clone, never on a base.
\set ON_ERROR_STOP on
BEGIN;
SELECT setseed(0.42);
CREATE TEMP TABLE option_products ON COMMIT DROP AS
SELECT p.id, p.slug, p.price, p.created_at,
       1 + floor(random() * 3)::int AS n_colours,
       2 + floor(random() * 4)::int AS n_sizes,
       -- Zipf-like: the first colours and sizes are the most common.
       floor(12 * power(random(), 2.5))::int AS first_colour,
       floor(3 * power(random(), 1.5))::int AS first_size
FROM shopcore_product p WHERE p.id % 3 = 0;

CREATE TEMP TABLE new_variants ON COMMIT DROP AS
SELECT o.id AS product_id,
       left(o.slug, 190) || '-' || c.i || '-' || s.j AS sku,
       jsonb_build_object(
         'colour', (ARRAY['black','white','blue','red','grey','green','navy','beige',
                          'brown','pink','yellow','purple'])[1 + (o.first_colour + c.i * 5) % 12],
         'size', (ARRAY['S','M','L','XS','XL','XXL'])[1 + (o.first_size + s.j) % 6]
       ) AS options,
       greatest(0.50, round(o.price * (0.8 + 0.4 * random())::numeric, 2)) AS price,
       CASE WHEN random() < 0.12 THEN 0 ELSE 1 + floor(random() * 40)::int END AS stock,
       random() >= 0.02 AS is_active,
       o.created_at
FROM option_products o
CROSS JOIN LATERAL generate_series(0, o.n_colours - 1) AS c(i)
CROSS JOIN LATERAL generate_series(0, o.n_sizes - 1) AS s(j)
WHERE c.i * o.n_sizes + s.j < 12;

DELETE FROM shopcore_productvariant v USING option_products o WHERE v.product_id = o.id;
INSERT INTO shopcore_productvariant
  (product_id, sku, options, price, stock, is_active, created_at, updated_at)
SELECT product_id, sku, options, price, stock, is_active, created_at, created_at
FROM new_variants ORDER BY product_id, sku;

INSERT INTO shopcore_variantoption (variant_id, name, value)
SELECT v.id, kv.key, kv.value
FROM shopcore_productvariant v
JOIN option_products o ON o.id = v.product_id
CROSS JOIN LATERAL jsonb_each_text(v.options) AS kv(key, value);

UPDATE shopcore_product p
SET price = coalesce(t.lowest, p.price), stock = least(coalesce(t.total, 0), 2147483647)
FROM (
  SELECT o.id, min(v.price) FILTER (WHERE v.is_active) AS lowest,
         sum(v.stock) FILTER (WHERE v.is_active) AS total
  FROM option_products o JOIN shopcore_productvariant v ON v.product_id = o.id
  GROUP BY o.id
) t
WHERE p.id = t.id;
COMMIT;
VACUUM (ANALYZE) shopcore_product;
VACUUM (ANALYZE) shopcore_productvariant;
VACUUM (ANALYZE) shopcore_variantoption;
