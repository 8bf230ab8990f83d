"""The product list's ``search`` filter and its ``relevance`` ordering."""

from django.db import connections
from django.utils.translation import gettext_lazy as _

from ..core.counting import RowCount, row_count
from ..core.settings import shopcore_settings
from .filter_base import StableOrderingFilter
from .keysets import Keyset, KnownOrder
from .search import (
    SearchPlan,
    collect_matches,
    search_condition,
    search_rank,
    search_tokens,
    subquery_of_candidates,
)
from .search_words import keyword_conditions


class ProductOrderingFilter(StableOrderingFilter):
    """Adds ``relevance``: best matches of ``search`` first (newest first without a search)."""

    relevance = "relevance"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["choices"] = [*self.extra["choices"], (self.relevance, _("Relevance"))]

    def filter(self, qs, value):
        if self.relevance not in (value or ()):
            return super().filter(qs, value)
        tokens = search_tokens(self.parent.form.cleaned_data.get("search") or "")
        others = [param for param in value if param != self.relevance]
        if not tokens:
            return super().filter(qs, others)
        rank = search_rank(tokens, connections[qs.db].vendor)
        ordering = ["-search_rank", *(self.get_ordering_value(param) for param in others)]
        return qs.annotate(search_rank=rank).order_by(*ordering, "-id")


def filter_search(filterset, queryset, value):
    """``queryset``'s rows matching every keyword of ``value``; sets ``filterset.known_count``
    when the matches were counted on the way, and ``filterset.known_order`` when they were
    also sorted."""
    # An empty search= never gets here (django-filter skips empty values): no filter.
    tokens = search_tokens(value)
    if not tokens:
        # Only punctuation (`%`, `!!!`): no keyword to match, so nothing matches.
        filterset.known_count = RowCount(0, True)
        return queryset.none()
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        conditions = keyword_conditions(tokens, queryset.db)
    else:
        conditions = [search_condition(token, vendor) for token in tokens]
    matching = queryset
    for condition in conditions:
        matching = matching.filter(condition)
    # Collect the matches first, at most SEARCH_CANDIDATES + 1 of them, from
    # the search indexes (the count is then known to the paginator); on
    # PostgreSQL, not when the planner expects far more than that anyway.
    limit = shopcore_settings.SEARCH_CANDIDATES
    plan = None
    if vendor == "postgresql":
        plan = SearchPlan.of(queryset, conditions, filterset.category_narrowing)
    # The list's order (applied before the search), for the matches to be collected in.
    keyset = Keyset.of(queryset) if vendor == "postgresql" else None
    order = keyset.ordering if keyset is not None else ()
    estimate, found, candidates = collect_matches(matching, limit, plan, order)
    if found is None:
        filterset.known_count = RowCount(estimate, False)
    else:
        filterset.known_count = row_count(estimate, found, limit)
        if not found:
            return queryset.none()
        if keyset is not None and found <= limit:
            # Every match, in order: a page reads its own rows only (CatalogPagination).
            listed = queryset.filter(candidates)
            filterset.known_order = KnownOrder(
                keyset.signature(), candidates.values, queryset, listed
            )
            return listed
    # Ranking reads every row it ranks: only the candidates are ranked.
    ranked = ProductOrderingFilter.relevance in (filterset.form.cleaned_data.get("ordering") or ())
    if (found is None or found > limit) and not ranked:
        # Common words: an ordered index scan meets matches soon enough.
        return matching
    # Few matches (or ranked ones): sort only them, instead of walking a
    # sort index through the whole table looking for them.
    if candidates is None:
        candidates = subquery_of_candidates(matching, limit)
    return queryset.filter(candidates)
