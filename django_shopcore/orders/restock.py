"""Taking an order's units from stock and putting them back, one statement for all lines."""

from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from ..catalog.models import Product, ProductVariant
from ..catalog.variants import refresh_product_totals


def lock_variants(variant_ids):
    """The variants (with their products), row-locked in ascending id order.

    One ``SELECT ... ORDER BY id FOR UPDATE``: PostgreSQL locks the rows in the
    sorted order, so buyers of overlapping variants queue instead of deadlocking.
    """
    return list(
        ProductVariant.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(pk__in=variant_ids)
        .order_by("pk")
    )


def per_variant(quantities):
    """``CASE id WHEN ... THEN n END``: each variant's quantity in one expression."""
    return Case(
        *(When(pk=variant_id, then=Value(n)) for variant_id, n in quantities.items()),
        output_field=IntegerField(),
    )


def take_units(quantities):
    """Take ``{variant_id: n}`` units of the variants that have them; returns those variants.

    One statement for all lines: on PostgreSQL a sub-SELECT locks the
    variants in ascending id order (buyers of overlapping variants queue
    instead of deadlocking), then a conditional ``UPDATE ... SET stock = stock
    - n WHERE stock >= n`` of active variants of active products takes the
    units: the database decides, so stock can never go below 0. ``RETURNING``
    gives what the lines snapshot (price, SKU, options, the product's name),
    as locked. The caller rolls back unless every line came back.

    Whatever the plan, an UPDATE row comes out of the join with ``locked``
    after the sub-SELECT locked it, and that scan (rescanned or not) walks
    the ids upwards: locks are always taken in ascending id order.
    """
    quote = connection.ops.quote_name
    variants, products = (quote(model._meta.db_table) for model in (ProductVariant, Product))
    rows = ", ".join(["(%s, %s)"] * len(quantities))
    ids = ", ".join(["%s"] * len(quantities))
    # In the statement's order: the VALUES, the timestamp, the locked ids.
    params = [value for pair in quantities.items() for value in pair]
    params.append(timezone.now())
    locked, locked_join = "", ""
    if connection.vendor == "postgresql":
        locked = (
            f", (SELECT locked.id FROM {variants} AS locked WHERE locked.id IN ({ids}) "  # noqa: S608
            "ORDER BY locked.id FOR UPDATE) AS locked"
        )
        locked_join = "AND locked.id = requested.id "
        params += list(quantities)
    # Only identifiers and placeholders are interpolated; values are parameters.
    sql = (
        f"WITH requested (id, units) AS (VALUES {rows}) "  # noqa: S608
        f"UPDATE {variants} SET stock = {variants}.stock - requested.units, updated_at = %s "
        f"FROM requested{locked} "
        f"WHERE {variants}.id = requested.id {locked_join}"
        f"AND {variants}.is_active AND {variants}.stock >= requested.units "
        f"AND EXISTS (SELECT 1 FROM {products} AS product "
        f"WHERE product.id = {variants}.product_id AND product.is_active) "
        f"RETURNING {variants}.id, {variants}.product_id, {variants}.sku, {variants}.options, "
        f"{variants}.price, {variants}.stock, {variants}.is_active, "
        f"(SELECT product.name FROM {products} AS product "
        f"WHERE product.id = {variants}.product_id) AS product_name"
    )
    rows_taken = ProductVariant.objects.db_manager(connection.alias).raw(sql, params)
    taken = sorted(rows_taken, key=lambda variant: variant.pk)
    for variant in taken:
        variant.sold = True
        # The units there were: enough.
        variant.available = variant.stock + quantities[variant.pk]
    return taken


def unsold_variants(quantities, taken):
    """The requested variants ``take_units`` did not take, as they are now, for the 409."""
    taken_ids = {variant.pk for variant in taken}
    unsold = list(
        ProductVariant.objects.select_related("product")
        .filter(pk__in=[pk for pk in quantities if pk not in taken_ids])
        .order_by("pk")
    )
    for variant in unsold:
        variant.sold = False
        variant.product_name = variant.product.name
        variant.available = variant.stock if variant.is_active and variant.product.is_active else 0
    return unsold


def return_units(quantities, product_ids):
    """Put ``{variant_id: n}`` units back, and refresh the products' totals."""
    lock_variants(list(quantities))
    returned = per_variant(quantities)
    ProductVariant.objects.filter(pk__in=list(quantities)).update(
        stock=F("stock") + returned, updated_at=timezone.now()
    )
    refresh_product_totals(product_ids)
