"""Catalog shapes: how the category tree, the category sizes and the creation dates look.

``grown`` is a shop that grew one product at a time: products on every level
of the tree, Zipf-sized categories, creation dates rising with the ids.
``imported`` is a catalog loaded in bulk from another system: products on the
leaves only, log-normally sized leaves (a typical one of about 700 products
at a million, second-level categories of about 12 leaves), creation dates
drawn at random, so not in id order.
"""

import itertools
import math
from datetime import timedelta
from typing import NamedTuple

CREATION_SPAN = timedelta(days=3 * 365)
# Grown: creation dates follow product ids, each shifted by up to this much either way.
CREATION_JITTER_SECONDS = 3 * 24 * 3600
CATEGORY_ZIPF_EXPONENT = 1.0
# Imported: about this many leaves per second-level category, and the spread
# (sigma of the logarithm) of the leaves' sizes.
LEAVES_PER_GROUP = 12
LEAF_SIZE_SIGMA = 1.0


class CategorySpec(NamedTuple):
    name: str
    description: str
    parent_index: int | None


class Shape:
    """One way of laying out a catalog; the subclasses below are the choices."""

    name = ""
    help = ""

    def parent_indexes(self, rng, count):
        """Each category's parent (an index into the list, parents first), None for roots."""
        raise NotImplementedError

    def category_weights(self, rng, parents):
        """Each category's share of the products, in ``parents`` order (0 for none)."""
        raise NotImplementedError

    def creation_seconds(self, rng, number, count, span_seconds):
        """When product ``number`` (1 to ``count``) was created, in seconds into the span."""
        raise NotImplementedError

    def category_specs(self, vocabulary, rng, count):
        """``count`` categories with unique names, three levels deep."""
        used_names: set[str] = set()
        specs = []
        for parent_index in self.parent_indexes(rng, count):
            name = _unique_category_name(vocabulary, rng, used_names)
            description = " ".join(rng.choices(vocabulary.words[:2000], k=12)).capitalize() + "."
            specs.append(CategorySpec(name, description, parent_index))
        return specs


def _unique_category_name(vocabulary, rng, used_names):
    # Mid-ranked words: common enough to look familiar, varied enough to be unique.
    while True:
        name = " ".join(rng.sample(vocabulary.words[20:3000], rng.randint(1, 2))).title()
        if name.lower() not in used_names:
            used_names.add(name.lower())
            return name


class GrownShape(Shape):
    name = "grown"
    help = (
        "products on every level, Zipf-sized categories (the biggest holds about an "
        "eighth of them), creation dates rising with the ids"
    )

    def parent_indexes(self, rng, count):
        """~n^(1/3) roots, ~n^(2/3) children, the rest grandchildren; parents at random."""
        roots = max(1, round(count ** (1 / 3)))
        children = min(count - roots, roots * roots)
        grandchildren = count - roots - children
        parents: list[int | None] = [None] * roots
        parents += [rng.randrange(roots) for _ in range(children)]
        parents += [roots + rng.randrange(children) for _ in range(grandchildren)]
        return parents

    def category_weights(self, rng, parents):
        ranks = list(range(len(parents)))
        rng.shuffle(ranks)
        return [1 / (rank + 1) ** CATEGORY_ZIPF_EXPONENT for rank in ranks]

    def creation_seconds(self, rng, number, count, span_seconds):
        jitter = (rng.random() - 0.5) * 2 * CREATION_JITTER_SECONDS
        return min(span_seconds, max(0.0, number * span_seconds / max(count, 1) + jitter))


class ImportedShape(Shape):
    name = "imported"
    help = (
        "products on the leaves only, log-normal leaf sizes (median about 650 at 1M "
        "products), about 12 leaves per second-level category, random creation dates"
    )

    def parent_indexes(self, rng, count):
        """~n^(1/3) roots, then second-level groups of about LEAVES_PER_GROUP leaves each.

        Every root gets a group and every group a leaf first (while there are
        enough), the rest go to random parents: so leaves are at depth 2.
        """
        roots = max(1, round(count ** (1 / 3)))
        groups = min(count - roots, max(roots, round((count - roots) / (LEAVES_PER_GROUP + 1))))
        leaves = count - roots - groups
        parents: list[int | None] = [None] * roots
        parents += [_spread(rng, index, roots) for index in range(groups)]
        parents += [roots + _spread(rng, index, groups) for index in range(leaves)]
        return parents

    def category_weights(self, rng, parents):
        has_children = {parent for parent in parents if parent is not None}
        return [
            0.0 if index in has_children else rng.lognormvariate(0.0, LEAF_SIZE_SIGMA)
            for index in range(len(parents))
        ]

    def creation_seconds(self, rng, number, count, span_seconds):
        return rng.random() * span_seconds


def _spread(rng, index, parent_count):
    """One child per parent first, then parents at random."""
    return index if index < parent_count else rng.randrange(parent_count)


SHAPES = {shape.name: shape for shape in (GrownShape(), ImportedShape())}
DEFAULT_SHAPE = GrownShape.name


def cumulative(weights):
    """Running totals, for ``bisect`` on ``random() * total``; zero weights are never hit."""
    totals = list(itertools.accumulate(weights))
    if not totals or not math.isfinite(totals[-1]) or totals[-1] <= 0:
        raise ValueError("no category can hold products")
    return totals
