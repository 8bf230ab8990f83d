"""The SQL of every variant write's product refresh: locks, totals, facet states, options.

Each checkout, restock and variant edit runs these; as ORM queries their
compiling cost more CPU than the rest of a checkout's statements together,
so they are written once here (core/rows.py converts their values).
"""

from decimal import Decimal
from typing import NamedTuple, cast

from django.db import connections, models

from ..core.ids import MAX_INT32
from ..core.rows import as_bool, as_decimal, as_json, exponent_of, fetch_all, placeholders, table
from .facet_keys import FacetState, option_pair
from .facet_models import ProductFacets
from .models import Product, ProductVariant, VariantOption

PRICE_EXPONENT = exponent_of(cast(models.DecimalField, Product._meta.get_field("price")))


class ProductColumns(NamedTuple):
    """What a product's FacetState is made of, besides its id and options."""

    category_id: int
    is_active: bool
    stock: int
    price: Decimal
    name: str
    description: str


def as_price(value):
    return as_decimal(value, PRICE_EXPONENT)


def lock_products(ids, using):
    """Row-lock the products ``ids`` (sorted), in id order: writers of several cannot deadlock."""
    lock = " FOR UPDATE" if connections[using].features.has_select_for_update else ""
    fetch_all(
        f"SELECT id FROM {table(Product, using)} "  # noqa: S608
        f"WHERE id IN ({placeholders(len(ids))}) ORDER BY id{lock}",
        ids,
        using,
    )


def update_totals(ids, now, using):
    """Set each product's ``price`` (its lowest active variant's) and ``stock`` (their total).

    Correlated subqueries on the variants' product index. A product without
    active variants keeps its last price and has no stock; a total beyond the
    column's range is capped, so the CHECK stays valid.
    """
    products, variants = table(Product, using), table(ProductVariant, using)
    active = f"FROM {variants} v WHERE v.product_id = {products}.id AND v.is_active"
    field = cast(models.DateTimeField, Product._meta.get_field("updated_at"))
    updated_at = field.get_db_prep_value(now, connections[using])
    # Only identifiers and placeholders are interpolated; values are parameters.
    fetch_all(
        f"UPDATE {products} SET "  # noqa: S608
        f"price = COALESCE((SELECT MIN(v.price) {active}), {products}.price), "
        "stock = COALESCE((SELECT CASE WHEN SUM(v.stock) > %s THEN %s ELSE SUM(v.stock) END "
        f"{active}), 0), updated_at = %s "
        f"WHERE id IN ({placeholders(len(ids))})",
        [MAX_INT32, MAX_INT32, updated_at, *ids],
        using,
    )


def products_with_states(ids, using) -> list[tuple[int, ProductColumns, FacetState | None]]:
    """``[(product_id, columns, stored)]`` in id order: the product's ``category_id``,
    ``is_active``, ``stock``, ``price``, ``name``, ``description``, and its stored
    FacetState (None when it has none yet)."""
    state_columns = ", ".join(f"f.{name}" for name in FacetState._fields)
    rows = fetch_all(
        "SELECT p.id, p.category_id, p.is_active, p.stock, p.price, p.name, p.description, "  # noqa: S608
        f"f.product_id, {state_columns} "
        f"FROM {table(Product, using)} p LEFT JOIN {table(ProductFacets, using)} f "
        f"ON f.product_id = p.id WHERE p.id IN ({placeholders(len(ids))}) ORDER BY p.id",
        ids,
        using,
    )
    return [
        (
            product_id,
            ProductColumns(category_id, as_bool(is_active), stock, as_price(price), name, text),
            stored_state(stored),
        )
        for product_id, category_id, is_active, stock, price, name, text, *stored in rows
    ]


def stored_state(values):
    """The FacetState of a stored row's values (after its product_id); None for no row."""
    if values[0] is None:
        return None
    category_id, is_active, in_stock, price, options, name, description = values[1:]
    return FacetState(
        category_id=category_id,
        is_active=as_bool(is_active),
        in_stock=as_bool(in_stock),
        price=as_price(price),
        # As state_of() orders them, whatever order the rebuild's SQL wrote.
        options=tuple(sorted(as_json(options))),
        name=name,
        description=description,
    )


def active_option_pairs(ids, using):
    """``{product_id: [name:value, ...]}``: the options of the products' active variants."""
    rows = fetch_all(
        "SELECT v.product_id, o.name, o.value "  # noqa: S608
        f"FROM {table(VariantOption, using)} o JOIN {table(ProductVariant, using)} v "
        f"ON v.id = o.variant_id WHERE v.product_id IN ({placeholders(len(ids))}) "
        "AND v.is_active",
        ids,
        using,
    )
    pairs: dict[int, list[str]] = {}
    for product_id, name, value in rows:
        pairs.setdefault(product_id, []).append(option_pair(name, value))
    return pairs
