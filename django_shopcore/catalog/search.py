"""Product keyword search: the SQL of a match and a rank, and collecting few matches first.

On PostgreSQL a keyword matches the stored ``search_vector`` (migration 0002,
weighted full text, prefix queries) or a substring of the name (trigram
index); elsewhere ``icontains`` on the name and description. SearchPlan
chooses which conditions' indexes collect the matches.
"""

import math
import re

from django.core.signals import setting_changed
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    ExpressionWrapper,
    FloatField,
    Q,
    Value,
    When,
)

from ..core.counting import (
    EstimateMemo,
    estimate_and_collect,
    estimate_and_count,
    primary_keys_sql,
)
from ..core.settings import shopcore_settings

# A search keyword: a run of letters and digits. Everything else separates
# keywords, so no input can be a tsquery syntax error.
SEARCH_TOKEN = re.compile(r"[^\W_]+")


def search_tokens(text):
    return SEARCH_TOKEN.findall(text)


# A search's matches are collected (at most ``limit + 1`` of them) unless the planner
# expects more than this many times ``limit``: its estimates of a name's substrings are
# often off by more than half (black copper at 1M: 3,119 for 1,900 matches, whose price
# index walk costs 22 ms against 13 to collect them), while collecting in vain reads
# every match's index entry first (17 ms for two common words, 19,000 matches).
COLLECT_MARGIN = 2


def collect_matches(matching, limit, plan=None, order=()):
    """``(estimate, count, candidates)`` of a search's matches.

    ``count`` counts at most ``limit + 1``, and is None when PostgreSQL's
    planner expects more than ``limit * COLLECT_MARGIN`` (or more than ``limit``
    were counted lately: estimate_and_collect()); ``candidates`` is a condition
    selecting the counted rows (None when nothing was counted). On PostgreSQL
    the same query collects their primary keys, so the page reads them by key
    instead of searching again, by the ``plan`` (a SearchPlan) when given; a
    ColumnInArray whose ``values`` are sorted by ``order`` (estimate_and_collect()).
    """
    if connections[matching.db].vendor != "postgresql":
        estimate, found = estimate_and_count(matching, limit, limit)
        return estimate, found, subquery_of_candidates(matching, limit)
    estimate, pks = estimate_and_collect(matching, limit, limit * COLLECT_MARGIN, plan, order)
    if pks is None:
        return estimate, None, None
    return estimate, len(pks), ColumnInArray("id", pks)


# A keyword's condition is checked row by row, on the rows that the search's other
# conditions leave, when the planner expects its own index to find at least this many
# times as many rows: a row in a common word's bitmap (its prefix query gathers every row
# holding a word it starts) costs about an eighth of a row checked, measured at 1M.
RECHECK_RATIO = 8
# The planner's estimates of a search's parts, by their SQL: they change only when the
# table is analyzed, and are remembered like large_estimates.
part_estimates = EstimateMemo()
setting_changed.connect(part_estimates.clear)


class SearchPlan:
    """Which conditions of a search find its matches through their index (PostgreSQL).

    ``filtered`` is the list's queryset without the search, ``conditions``
    the search's (keyword_conditions(): one for all the keywords whose words
    are known, one per other keyword); ``narrowing``, when given, is
    ``(before, condition)`` with ``filtered`` being ``before`` narrowed by
    ``condition`` (the category filter). A search condition's (or that one's)
    index is read unless the planner expects it to find
    RECHECK_RATIO times the rows that the other conditions leave (their
    shares of the table multiplied, as the planner multiplies
    selectivities); such a condition is checked on those rows instead
    (``Unindexed``). The estimates are learnt by the search's first query
    (which reads every index, as PostgreSQL chooses) and used from the next on.
    """

    def __init__(self, filtered, conditions, narrowing=None):
        self.filtered, self.narrowing = filtered, narrowing
        self.conditions = list(conditions)

    @classmethod
    def of(cls, filtered, conditions, narrowing=None):
        """A plan, or None when the search has one condition only (keywords that are one,
        no category to narrow): no other condition could then leave fewer rows than its
        index finds, and learning the estimates would only cost time."""
        if len(conditions) + (narrowing is not None) < 2:
            return None
        return cls(filtered, conditions, narrowing)

    def parts(self):
        """The querysets whose estimates rows() needs: the table, ``filtered``, each
        condition alone."""
        table = self.filtered.model._default_manager.using(self.filtered.db)
        alone = [table.filter(condition) for condition in self.conditions]
        return [table.all(), self.filtered, *alone]

    def __call__(self):
        """What estimate_and_collect() asks of a plan."""
        parts = self.parts()
        keys = [estimate_key(part) for part in parts]
        known = [part_estimates.get(key) for key in keys]
        if None not in known:
            return self.rows(known), (), None

        def learn(estimates):
            timeout = shopcore_settings.COUNT_ESTIMATE_TIMEOUT
            for key, estimate in zip(keys, estimates, strict=True):
                part_estimates.set(key, estimate, timeout)

        return None, parts, learn

    def rows(self, estimates):
        """The search's rows with the conditions to check row by row as such, or None when
        every index is worth reading; ``estimates`` as ``parts()``."""
        table, filtered, *alone = estimates
        table = max(table, 1)
        found: dict[object, int] = dict(enumerate(alone))
        start = filtered
        if self.narrowing is not None:
            # The narrowing condition is one more part, its share the filtered rows'.
            found[NARROWING], start = filtered, table
        share = {part: min(estimate / table, 1.0) for part, estimate in found.items()}
        rechecked: set[object] = set()
        # The commonest first: a condition checked row by row no longer narrows the others.
        for part, estimate in sorted(found.items(), key=lambda item: -item[1]):
            indexed = [share[other] for other in found if other not in rechecked | {part}]
            if estimate >= RECHECK_RATIO * max(start * math.prod(indexed), 1):
                rechecked.add(part)
        if not rechecked:
            return None
        rows = self.filtered
        if NARROWING in rechecked:
            before, condition = self.narrowing
            rows = before.filter(Unindexed(condition))
        for part, condition in enumerate(self.conditions):
            rows = rows.filter(Unindexed(condition) if part in rechecked else condition)
        return rows


# SearchPlan's name of its narrowing condition among the search's (their positions).
NARROWING = object()


def estimate_key(queryset):
    sql, params = primary_keys_sql(queryset)
    return queryset.db, sql, repr(params)


def subquery_of_candidates(matching, limit):
    # The LIMIT keeps PostgreSQL from flattening the subquery, so it collects
    # the matches from the search indexes before sorting them.
    return Q(pk__in=matching.order_by().values("pk")[: limit + 1])


def quoted_initial_alias(compiler):
    """The query's main table or alias, quoted as the compiler quotes it."""
    alias = compiler.query.get_initial_alias()
    # Django 6.1 quotes aliases too and deprecates quote_name_unless_alias().
    quote = getattr(compiler, "quote_name", None) or compiler.quote_name_unless_alias
    return quote(alias)


class SearchVectorMatch(Expression):
    """``<product>.search_vector @@ to_tsquery('english', query)``.

    The stored column (migration 0002) is not a model field. Named through the
    compiled query's own alias, so that the condition also works inside a
    subquery, where the product table is ``U0``.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, query):
        super().__init__()
        self.query = query

    def as_sql(self, compiler, connection):
        table = quoted_initial_alias(compiler)
        return f"{table}.search_vector @@ to_tsquery('english', %s)", [self.query]


class SearchRank(SearchVectorMatch):
    """``ts_rank(<product>.search_vector, to_tsquery('english', query))``: names weigh more."""

    output_field = FloatField()
    conditional = False

    def as_sql(self, compiler, connection):
        table = quoted_initial_alias(compiler)
        return f"ts_rank({table}.search_vector, to_tsquery('english', %s))", [self.query]


class Unindexed(ExpressionWrapper):
    """``(condition) IS TRUE``: what ``condition`` selects, as a test no index serves.

    A WHERE drops NULL as it drops false, so the rows are the same; the
    planner checks it on the rows other conditions' indexes found instead of
    reading an index for it too (SearchPlan).
    """

    def __init__(self, condition):
        super().__init__(condition, output_field=BooleanField())

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        return f"({sql}) IS TRUE", params


class ColumnInArray(Expression):
    """``<product>.<column> = ANY(%s)``, the values as one array parameter (PostgreSQL).

    What ``IN (...)`` becomes in PostgreSQL, same plan and estimate, without
    Django preparing and compiling a parameter per value: a subtree can hold
    hundreds of categories.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column, values):
        super().__init__()
        self.column, self.values = column, list(values)

    def as_sql(self, compiler, connection):
        table = quoted_initial_alias(compiler)
        return f"{table}.{connection.ops.quote_name(self.column)} = ANY(%s)", [self.values]


def search_rank(tokens, vendor):
    """How well a product matches all ``tokens``; higher is better."""
    if vendor == "postgresql":
        return SearchRank(" & ".join(f"{token}:*" for token in tokens))
    # Elsewhere: how many keywords the name holds (the description matched the rest).
    in_name = [
        Case(When(name__icontains=token, then=Value(1.0)), default=Value(0.0)) for token in tokens
    ]
    return ExpressionWrapper(sum(in_name[1:], in_name[0]), output_field=FloatField())


def search_condition(token, vendor):
    """Where one keyword matches: see docs/database.md for the indexes behind it."""
    if vendor == "postgresql":
        # The stored ``search_vector`` column with a prefix query, or a
        # substring of the name (trigram index) for what stemming misses.
        return Q(SearchVectorMatch(f"{token}:*")) | Q(name__icontains=token)
    return Q(name__icontains=token) | Q(description__icontains=token)
