"""Variant option schemes of the demo catalog: size x colour grids, one option, or none.

Each category gets a scheme (apparel-like ones a grid of sizes and colours),
chosen so that the schemes' shares of the products match SCHEME_SHARES and
a million products have about three million variants.
"""

import bisect
import functools
import itertools
from typing import NamedTuple

MAX_VARIANTS = 12


class OptionValue(NamedTuple):
    # The (name, value) pair a variant's options hold.
    pair: tuple[str, str]
    # In the SKU: unique among the values of one option.
    code: str
    # Multiplies the product's base price.
    price_factor: float = 1.0


def _values(name, *values):
    return [OptionValue((name, value), code, factor) for value, code, factor in values]


SIZES = _values(
    "size",
    ("XS", "XS", 1.0),
    ("S", "S", 1.0),
    ("M", "M", 1.0),
    ("L", "L", 1.0),
    ("XL", "XL", 1.0),
    ("XXL", "XXL", 1.1),
)
SHOE_SIZES = [OptionValue(("size", str(size)), str(size)) for size in range(36, 47)]
# Most common first: drawn with Zipf weights (black is 14 times as common as orange).
COLORS = _values(
    "color",
    ("black", "BK", 1.0),
    ("white", "WH", 1.0),
    ("navy", "NV", 1.0),
    ("grey", "GY", 1.0),
    ("blue", "BL", 1.0),
    ("red", "RD", 1.0),
    ("green", "GN", 1.0),
    ("beige", "BE", 1.0),
    ("brown", "BR", 1.0),
    ("pink", "PK", 1.0),
    ("olive", "OL", 1.0),
    ("burgundy", "BU", 1.0),
    ("yellow", "YL", 1.0),
    ("orange", "OR", 1.0),
    ("purple", "PU", 1.0),
    ("teal", "TL", 1.0),
    ("cream", "CR", 1.0),
    ("khaki", "KH", 1.0),
    ("silver", "SV", 1.05),
    ("gold", "GD", 1.1),
)
COLOR_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, len(COLORS) + 1)))
MATERIALS = _values(
    "material",
    ("cotton", "CO", 1.0),
    ("linen", "LI", 1.2),
    ("wool", "WO", 1.3),
    ("oak", "OK", 1.4),
    ("walnut", "WN", 1.7),
    ("steel", "ST", 1.0),
    ("glass", "GL", 1.1),
    ("ceramic", "CE", 0.9),
    ("bamboo", "BA", 0.8),
    ("leather", "LE", 1.6),
)
STORAGE = _values(
    "storage",
    ("64 GB", "64", 1.0),
    ("128 GB", "128", 1.15),
    ("256 GB", "256", 1.35),
    ("512 GB", "512", 1.7),
    ("1 TB", "1T", 2.2),
)


class VariantSpec(NamedTuple):
    """One variant of a product: its options as (name, value) pairs, SKU suffix, price factor."""

    options: tuple[tuple[str, str], ...]
    code: str
    price_factor: float


# A product with one default variant: no options.
DEFAULT_VARIANT = VariantSpec((), "", 1.0)
SINGLE = [DEFAULT_VARIANT]


def _between(rng, low, high):
    """An integer from ``low`` to ``high``: randint's, from one random() (several times faster)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng, choices, cumulative_weights):
    return choices[bisect.bisect(cumulative_weights, rng.random() * cumulative_weights[-1])]


def _run(rng, values, length):
    """A contiguous run of ``length`` of ``values`` (sizes S-L, 38-42)."""
    start = _between(rng, 0, len(values) - length)
    return tuple(values[start : start + length])


def _colors(rng, count):
    """``count`` distinct colours, common ones more often (Zipf weights), in palette order."""
    chosen = {_pick(rng, range(len(COLORS)), COLOR_WEIGHTS)}
    while len(chosen) < count:
        chosen.add(_pick(rng, range(len(COLORS)), COLOR_WEIGHTS))
    return tuple(COLORS[index] for index in sorted(chosen))


# Grids repeat (common colours, common size runs): each is built once while it is in use.
@functools.lru_cache(maxsize=4096)
def _one(values):
    return [VariantSpec((value.pair,), value.code, value.price_factor) for value in values]


@functools.lru_cache(maxsize=4096)
def _two(first_values, second_values):
    """Every combination of two options' values (at most MAX_VARIANTS)."""
    return [
        VariantSpec((a.pair, b.pair), f"{a.code}-{b.code}", a.price_factor * b.price_factor)
        for a in first_values
        for b in second_values
    ][:MAX_VARIANTS]


APPAREL_SIZE_COUNTS = ((2, 3, 4, 5), list(itertools.accumulate((15, 25, 30, 30))))
APPAREL_COLOR_COUNTS = ((1, 2, 3), list(itertools.accumulate((35, 35, 30))))
SHOE_SIZE_COUNTS = ((3, 4, 5, 6, 7, 8), list(itertools.accumulate((10, 15, 20, 25, 20, 10))))


def apparel(rng):
    """Size x colour: 2-5 sizes in a run, 1-3 colours; one in ten is one-size."""
    if rng.random() < 0.1:
        return SINGLE
    sizes = _run(rng, SIZES, _pick(rng, *APPAREL_SIZE_COUNTS))
    colors = _colors(rng, min(_pick(rng, *APPAREL_COLOR_COUNTS), MAX_VARIANTS // len(sizes)))
    return _two(sizes, colors)


def footwear(rng):
    """Shoe size x colour: 3-8 sizes in a run, 1-2 colours."""
    sizes = _run(rng, SHOE_SIZES, _pick(rng, *SHOE_SIZE_COUNTS))
    colors = _colors(rng, 1 if rng.random() < 0.6 else min(2, MAX_VARIANTS // len(sizes)))
    return _two(sizes, colors)


def electronics(rng):
    """Colour (2-4), sometimes x storage (2-3 in a run); three in ten have one variant."""
    if rng.random() < 0.3:
        return SINGLE
    colors = _colors(rng, _between(rng, 2, 4))
    if rng.random() < 0.3:
        return _two(colors, _run(rng, STORAGE, 2 if rng.random() < 0.6 else 3))
    return _one(colors)


def home(rng):
    """One option, material (2-4) or colour (2-5); four in ten have one variant."""
    if rng.random() < 0.4:
        return SINGLE
    if rng.random() < 0.5:
        return _one(tuple(rng.sample(MATERIALS, _between(rng, 2, 4))))
    return _one(_colors(rng, _between(rng, 2, 5)))


def single(rng):
    """Books, food, media: one default variant."""
    return SINGLE


# Each scheme's share of the products: 3.0 variants per product on average,
# about half of the products with one.
SCHEME_SHARES = {apparel: 0.2, footwear: 0.05, electronics: 0.15, home: 0.25, single: 0.35}


def assign_schemes(category_weights):
    """A scheme per category, so that each scheme's share of the weight is close to its target.

    Largest categories first, each to the scheme furthest below its share:
    deterministic, and balanced whatever the sizes.
    """
    total = sum(category_weights) or 1.0
    assigned = dict.fromkeys(SCHEME_SHARES, 0.0)
    schemes = [single] * len(category_weights)
    for index in sorted(range(len(category_weights)), key=lambda i: -category_weights[i]):
        if not category_weights[index]:
            continue
        scheme = max(SCHEME_SHARES, key=lambda s: SCHEME_SHARES[s] - assigned[s] / total)
        schemes[index] = scheme
        assigned[scheme] += category_weights[index]
    return schemes
