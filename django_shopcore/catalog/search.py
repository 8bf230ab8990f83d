"""Product keyword search: the SQL of a match and a rank, and collecting few matches first.

On PostgreSQL a keyword matches the stored ``search_vector`` (migration 0002,
weighted full text, prefix queries) or a substring of the name (trigram
index); elsewhere ``icontains`` on the name and description.
"""

import re

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

from ..core.counting import estimate_and_collect, estimate_and_count

# A search keyword: a run of letters and digits. Everything else separates
# keywords, so no input can be a tsquery syntax error.
SEARCH_TOKEN = re.compile(r"[^\W_]+")


def search_tokens(text):
    return SEARCH_TOKEN.findall(text)


def collect_matches(matching, limit):
    """``(estimate, count, candidates)`` of a search's matches.

    ``count`` counts at most ``limit + 1``, and is None when PostgreSQL's
    planner expects more than ``limit``; ``candidates`` is a condition
    selecting the counted rows (None when nothing was counted). On PostgreSQL
    the same query collects their primary keys, so the page reads them by key
    instead of searching again.
    """
    if connections[matching.db].vendor == "postgresql":
        estimate, pks = estimate_and_collect(matching, limit)
        if pks is None:
            return estimate, None, None
        return estimate, len(pks), ColumnInArray("id", pks)
    estimate, found = estimate_and_count(matching, limit, limit)
    return estimate, found, subquery_of_candidates(matching, limit)


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
