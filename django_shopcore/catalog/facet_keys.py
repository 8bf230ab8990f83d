"""What a product counts for in the facets: its category, price bucket, stock, activity, options.

Shared by the write path (facet_index.py), which turns a product's change
into count deltas, and the read path (facets.py), which names the buckets.
"""

import bisect
from collections import Counter
from decimal import Decimal
from typing import NamedTuple

from django.core.signals import setting_changed

from ..core.settings import shopcore_settings

# Every product has a sample key in [0, SAMPLE_KEYS), a pseudo-random function
# of its id: the facet estimates read the products below a cut, in key order.
SAMPLE_KEYS = 65536
# Products with one of the last 4096 keys (1 in 16) also carry their name and
# description, so that an estimate can apply a search to them; at the top, so
# that the other estimates, which read from key 0, read narrow rows.
SEARCHABLE_SAMPLE_KEYS = 4096
SEARCHABLE_FROM = SAMPLE_KEYS - SEARCHABLE_SAMPLE_KEYS
# Knuth's multiplicative hash: consecutive ids spread evenly over the keys.
# Computed the same way in SQL (facet_index.sample_key_sql); exact for ids
# below 2**63 / HASH_MULTIPLIER (about 3.5e9).
HASH_MULTIPLIER = 2654435761
HASH_MODULUS = 2**32

# The facet a count row belongs to.
PRODUCT, PRICE, OPTION = "product", "price", "option"
# The count columns: one per (active, in stock) combination, so that one row
# serves every visibility and ``in_stock`` filter.
COUNT_COLUMNS = (
    "active_in_stock",
    "active_out_of_stock",
    "inactive_in_stock",
    "inactive_out_of_stock",
)
OPTION_SEPARATOR = ":"


def sample_key(product_id):
    return product_id * HASH_MULTIPLIER % HASH_MODULUS // (HASH_MODULUS // SAMPLE_KEYS)


def is_searchable(key):
    return key >= SEARCHABLE_FROM


def option_pair(name, value):
    """One option as stored in a product's facet state: ``name:value`` (names hold no colon)."""
    return f"{name}{OPTION_SEPARATOR}{value}"


def split_option_pair(pair):
    name, _separator, value = pair.partition(OPTION_SEPARATOR)
    return name, value


def count_column(is_active, in_stock):
    return COUNT_COLUMNS[(0 if is_active else 2) + (0 if in_stock else 1)]


def count_columns(activities, in_stock):
    """The count columns adding up the products whose ``is_active`` is one of
    ``activities`` and whose stock is ``in_stock`` (None: either)."""
    return [
        count_column(active, stocked)
        for active in activities
        for stocked in ((True, False) if in_stock is None else (in_stock,))
    ]


class PriceBucket(NamedTuple):
    low: Decimal
    high: Decimal | None  # None: no upper bound

    @property
    def label(self):
        """The bucket's key in the count rows; it names both edges, so new edges never
        match counts made with the old ones."""
        return f"{self.low}-{'' if self.high is None else self.high}"


class PriceBuckets:
    """The price facet's buckets, from ``FACET_PRICE_EDGES``: ``[edge, next edge)``, the
    last one unbounded. The first edge is 0, so every price has a bucket."""

    def __init__(self, edges):
        self.edges = [Decimal(str(edge)).quantize(Decimal("0.01")) for edge in edges]
        highs = [*self.edges[1:], None]
        self.buckets = [
            PriceBucket(low, high) for low, high in zip(self.edges, highs, strict=True)
        ]
        self.by_label = {bucket.label: bucket for bucket in self.buckets}

    def of(self, price):
        return self.buckets[max(bisect.bisect_right(self.edges, price) - 1, 0)]


_buckets: dict[tuple, PriceBuckets] = {}


def price_buckets():
    """The buckets of the current ``FACET_PRICE_EDGES`` (built once per value)."""
    edges = tuple(str(edge) for edge in shopcore_settings.FACET_PRICE_EDGES)
    if edges not in _buckets:
        _buckets[edges] = PriceBuckets(edges)
    return _buckets[edges]


def forget_buckets(**kwargs):
    _buckets.clear()


setting_changed.connect(forget_buckets)


class FacetState(NamedTuple):
    """What one product counts for: the ``shopcore_productfacets`` row as values."""

    category_id: int
    is_active: bool
    in_stock: bool
    price: Decimal
    # ``name:value`` pairs of the active variants' options, sorted, each once.
    options: tuple[str, ...]
    # The search text, for searchable sample keys only ('' otherwise).
    name: str
    description: str

    def keys(self, buckets):
        """The (facet, name, value) of every count row this product adds one to."""
        yield PRODUCT, "", ""
        yield PRICE, "", buckets.of(self.price).label
        for pair in self.options:
            yield (OPTION, *split_option_pair(pair))

    def counted(self):
        """The fields the counts depend on (a change of the search text changes none)."""
        return self[:5]


def state_of(product_id, category_id, is_active, stock, price, name, description, pairs):
    """A product's FacetState from its columns and its active variants' option pairs."""
    searchable = is_searchable(sample_key(product_id))
    return FacetState(
        category_id=category_id,
        is_active=is_active,
        in_stock=stock > 0,
        price=Decimal(price),
        options=tuple(sorted(set(pairs))),
        name=name if searchable else "",
        description=description if searchable else "",
    )


def count_deltas(changes, buckets):
    """``{(category_id, facet, name, value): Counter(column -> change)}`` for (old, new)
    state pairs (None for a product that appears or disappears), zero changes dropped."""
    deltas: dict[tuple, Counter] = {}
    for old, new in changes:
        for state, sign in ((old, -1), (new, 1)):
            if state is None:
                continue
            column = count_column(state.is_active, state.in_stock)
            for key in state.keys(buckets):
                deltas.setdefault((state.category_id, *key), Counter())[column] += sign
    return {key: changes for key, changes in deltas.items() if any(changes.values())}
