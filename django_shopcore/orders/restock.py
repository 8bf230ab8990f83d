"""Taking an order's units from stock and putting them back, one statement for all lines."""

from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from ..catalog.models import ProductVariant
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
    """Take ``{variant_id: n}`` units, all or none; returns whether every line had them.

    A conditional ``UPDATE ... SET stock = stock - n WHERE stock >= n AND
    is_active``: the database decides, so stock can never go below 0. The
    caller rolls back when not every row was updated.
    """
    requested = per_variant(quantities)
    updated = ProductVariant.objects.filter(
        pk__in=list(quantities), is_active=True, stock__gte=requested
    ).update(stock=F("stock") - requested, updated_at=timezone.now())
    return updated == len(quantities)


def return_units(quantities, product_ids):
    """Put ``{variant_id: n}`` units back, and refresh the products' totals."""
    lock_variants(list(quantities))
    returned = per_variant(quantities)
    ProductVariant.objects.filter(pk__in=list(quantities)).update(
        stock=F("stock") + returned, updated_at=timezone.now()
    )
    refresh_product_totals(product_ids)
