"""The demo catalog's rows: each product with its variants (and image rows), generated lazily.

A product's ``price`` and ``stock`` are computed here from its active
variants (lowest price, total stock), as the catalog maintains them.
"""

import bisect
import itertools
import math
from datetime import datetime, timedelta
from typing import NamedTuple

from .options import DEFAULT_VARIANT, assign_schemes
from .shapes import CREATION_SPAN, cumulative
from .vocabulary import DESCRIPTION_WORDS, NAME_SKIPPED_RANKS, NAME_WORDS, WORD_STREAM_SIZE

MIN_PRICE_CENTS, MAX_PRICE_CENTS = 50, 200_000
OUT_OF_STOCK_RATE = 0.15
INACTIVE_RATE = 0.03
# Of the variants after a product's first (which stays active).
INACTIVE_VARIANT_RATE = 0.02
# Of the variants of a product in stock.
OUT_OF_STOCK_VARIANT_RATE = 0.1
# How many images a product has: none, one, two, three.
IMAGE_COUNT_WEIGHTS = (10, 40, 30, 20)


class ProductRow(NamedTuple):
    id: int
    name: str
    slug: str
    category_id: int
    price: str
    description: str
    stock: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


class VariantRow(NamedTuple):
    id: int
    product_id: int
    sku: str
    # (name, value) pairs; ``{}`` (no pairs) for a default variant.
    options: tuple[tuple[str, str], ...]
    price: str
    stock: int
    is_active: bool


class ImageRow(NamedTuple):
    product_id: int
    image: str
    alt: str
    position: int
    width: int
    height: int


class Placeholder(NamedTuple):
    """A stored placeholder file that image rows point to."""

    name: str
    width: int
    height: int


class GeneratedProduct(NamedTuple):
    product: ProductRow
    variants: list[VariantRow]
    images: list[ImageRow]


def generate_products(vocabulary, rng, shape, count, categories, now, placeholders=()):
    """Yield ``count`` GeneratedProducts, lazily, laid out as ``shape`` says.

    ``categories`` is a list of (id, weight) pairs: a category's weight is
    its share of the products. With ``placeholders``, most products get 1-3
    image rows pointing at them.
    """
    category_ids = [category_id for category_id, _weight in categories]
    weights = [weight for _category_id, weight in categories]
    totals = cumulative(weights)
    schemes = assign_schemes(weights)
    # Small catalogs get shorter streams: overlapping windows do no harm there.
    stream_size = min(WORD_STREAM_SIZE, max(count, 1000) * 8)
    words = vocabulary.stream(rng, stream_size)
    name_words = vocabulary.stream(rng, stream_size, NAME_SKIPPED_RANKS)
    # Shared strings: one title per vocabulary word, not one per stream position.
    title_of = {word: word.title() for word in vocabulary.words}
    titles = [title_of[word] for word in name_words]
    start = now - CREATION_SPAN
    span_seconds = CREATION_SPAN.total_seconds()
    # Bound once: this loop runs a million times.
    random, expovariate = rng.random, rng.expovariate
    name_lengths = NAME_WORDS[1] - NAME_WORDS[0] + 1
    description_lengths = DESCRIPTION_WORDS[1] - DESCRIPTION_WORDS[0] + 1
    image_counts = list(itertools.accumulate(IMAGE_COUNT_WEIGHTS))
    variant_id = 0
    for number in range(1, count + 1):
        offset = int(random() * stream_size)
        name_end = offset + NAME_WORDS[0] + int(random() * name_lengths)
        description_offset = int(random() * stream_size)
        description_end = (
            description_offset + DESCRIPTION_WORDS[0] + int(random() * description_lengths)
        )
        description = " ".join(words[description_offset:description_end])
        index = bisect.bisect(totals, random() * totals[-1])
        created_at = start + timedelta(
            seconds=shape.creation_seconds(rng, number, count, span_seconds)
        )
        # Most products are edited soon after creation, a few recently.
        updated_at = created_at + (now - created_at) * random() ** 4
        name = " ".join(titles[offset:name_end])
        slug = f"{'-'.join(name_words[offset:name_end])}-{number}"
        base_cents = _base_price_cents(rng)
        # Most variants cost the base price: formatted once per product.
        base_price = _price_cents(base_cents, 1.0)
        base_money = _money(base_price)
        in_stock = random() >= OUT_OF_STOCK_RATE
        specs = schemes[index](rng)
        if specs[0] is DEFAULT_VARIANT:
            # The one variant: active, with the product's SKU, price and stock.
            variant_id += 1
            total_stock = min(int(expovariate(1 / 40)) + 1, 5000) if in_stock else 0
            lowest = base_price
            variants = [VariantRow(variant_id, number, slug, (), base_money, total_stock, True)]
        else:
            variants, lowest, total_stock = [], MAX_PRICE_CENTS, 0
            sku_prefix = f"{number:07d}-"
            for spec in specs:
                variant_id += 1
                is_active = not variants or random() >= INACTIVE_VARIANT_RATE
                stock = (
                    min(int(expovariate(1 / 15)) + 1, 5000)
                    if in_stock and random() >= OUT_OF_STOCK_VARIANT_RATE
                    else 0
                )
                if spec.price_factor == 1.0:
                    cents, money = base_price, base_money
                else:
                    cents = _price_cents(base_cents, spec.price_factor)
                    money = _money(cents)
                if is_active:
                    total_stock += stock
                    lowest = min(lowest, cents)
                variants.append(
                    VariantRow(
                        variant_id,
                        number,
                        sku_prefix + spec.code,
                        spec.options,
                        money,
                        stock,
                        is_active,
                    )
                )
        product = ProductRow(
            number,
            name,
            slug,
            category_ids[index],
            _money(lowest),
            f"{description[0].upper()}{description[1:]}.",
            total_stock,
            random() >= INACTIVE_RATE,
            created_at,
            updated_at,
        )
        images = []
        if placeholders:
            for position in range(bisect.bisect(image_counts, random() * image_counts[-1])):
                image, width, height = placeholders[int(random() * len(placeholders))]
                alt = f"{name}, view {position + 1}" if position else name
                images.append(ImageRow(number, image, alt, position, width, height))
        yield GeneratedProduct(product, variants, images)


def _base_price_cents(rng):
    """A log-normal price (median about 25.00), half of them ending in .99."""
    cents = round(rng.lognormvariate(math.log(2500), 1.0))
    if rng.random() < 0.5:
        cents = cents - cents % 100 + 99
    return cents


def _price_cents(base_cents, factor):
    cents = base_cents if factor == 1.0 else round(base_cents * factor)
    if base_cents % 100 == 99:
        cents = cents - cents % 100 + 99
    return min(MAX_PRICE_CENTS, max(MIN_PRICE_CENTS, cents))


def _money(cents):
    return f"{cents // 100}.{cents % 100:02d}"
