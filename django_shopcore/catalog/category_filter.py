"""The product list's ``category`` filter: a category and its subcategories."""

from django.db import connections
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from ..core.ids import is_digits
from .cache import subtree
from .search import ColumnInArray
from .subtree_pages import CategoryPartition, worth_merging


def category_reference(value):
    """The Q selecting the category a ``category`` parameter names: an id, else a slug."""
    return Q(pk=int(value)) if is_digits(value) else Q(slug=value)


def category_cache_name(value):
    """One name per category reference (``007`` and ``7`` are the same id)."""
    return f"id:{int(value)}" if is_digits(value) else f"slug:{value}"


# How a category filter narrows a list: to one category, to an array of categories,
# or to an array whose pages are merged per category (subtree_pages.py).
ONE, ANY, MERGED = "one", "any", "merged"


def filter_category(filterset, queryset, name, value):
    """``queryset``'s products in the subtree ``value`` names; may set
    ``filterset.category_partition``, and sets ``filterset.category_narrowing`` to
    ``(queryset, condition)``."""
    found = find_subtree(name, value)
    narrowing = narrowing_of(found, filterset.form.cleaned_data)
    return narrow_to_subtree(filterset, queryset, found.ids, narrowing)


def find_subtree(name, value):
    """The Subtree (cache.py) of the category ``value`` names; a 400 naming ``name`` if none."""
    found = subtree(category_reference(value), category_cache_name(value))
    if not found.ids:
        raise ValidationError({name: [_("No category has this id or slug.")]})
    return found


def narrowing_of(found, data):
    """ONE, ANY or MERGED: how the list filtered by ``data`` (the filter form's cleaned
    data) is best narrowed to the subtree ``found``."""
    # A literal id list (cached), not a subquery: PostgreSQL then knows how
    # many products to expect. One category is an equality, which the
    # (category_id, sort key, id) indexes serve in order; ``= ANY`` is not
    # served in order, so pages of a small subtree are merged per category.
    if len(found.ids) == 1:
        return ONE
    # Not with a search (its pages read the matches, or walk an index meeting
    # them soon) or an option (each category's scan would look for matches
    # that its products may not have at all).
    if not (data.get("search") or data.get("option")) and worth_merging(found):
        return MERGED
    return ANY


def narrow_to_subtree(filterset, queryset, ids, narrowing):
    """``queryset`` narrowed to the categories ``ids`` as ``narrowing`` says."""
    if narrowing == ONE:
        return narrow(filterset, queryset, Q(category_id=ids[0]))
    if narrowing == MERGED:
        # ``queryset`` holds every other filter (late_filters).
        filterset.category_partition = CategoryPartition(ids, queryset)
    if connections[queryset.db].vendor == "postgresql":
        return narrow(filterset, queryset, Q(ColumnInArray("category_id", ids)))
    return narrow(filterset, queryset, Q(category_id__in=ids))


def narrow(filterset, queryset, condition):
    # The search after it (late_filters) may check the condition row by row instead.
    filterset.category_narrowing = (queryset, condition)
    return queryset.filter(condition)
