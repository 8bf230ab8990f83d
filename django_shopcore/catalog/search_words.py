"""Several keywords as one search-index condition: each prefix as the words it starts (PostgreSQL).

A keyword is a prefix query (``black:*``); PostgreSQL's full-text index cannot
intersect a prefix with another word as it goes, and gathers every row of
every word the prefix starts first. ``shopcore_search_word`` (migration 0011)
holds every word of every product, so the words a prefix starts are known:
searched for exactly and all at once (``'black' & ('copper' | 'coppery')``),
the index walks the rarest word's rows and skips through the others'.
"""

from django.db import connections
from django.db.models import Q

from .search import SearchVectorMatch, quoted_initial_alias, search_condition

# A prefix that starts more known words than this stays a prefix query: the index then
# reads as many lists, each as long as one word's (and a short prefix can start thousands).
MAX_WORDS = 32


class SearchVectorWords(SearchVectorMatch):
    """``<product>.search_vector @@ query::tsquery``: a query of exact, stored words."""

    def as_sql(self, compiler, connection):
        table = quoted_initial_alias(compiler)
        return f"{table}.search_vector @@ %s::tsquery", [self.query]


def prefix_words(tokens, using):
    """``{token: words}``: the stored words each keyword's prefix query matches, exactly those
    it would match (None for a keyword whose words are too many, or whose query is not one
    prefix, e.g. a stop word). One query."""
    with connections[using].cursor() as cursor:
        # The first MAX_WORDS + 1 stored words from the prefix on: every word it starts is
        # among them unless they all start with it.
        cursor.execute(
            "SELECT prefix.lexemes, prefix.query, ARRAY("
            "SELECT known.word FROM shopcore_search_word known "
            "WHERE known.word >= prefix.lexemes[1] ORDER BY known.word LIMIT %s) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS keyword (token, position) "
            "CROSS JOIN LATERAL (SELECT "
            "tsvector_to_array(to_tsvector('english', keyword.token)) AS lexemes, "
            "to_tsquery('english', keyword.token || ':*')::text AS query) prefix "
            "ORDER BY keyword.position",
            [MAX_WORDS + 1, list(tokens)],
        )
        rows = cursor.fetchall()
    words: dict[str, list[str] | None] = {}
    for token, (lexemes, query, following) in zip(tokens, rows, strict=True):
        words[token] = None
        # Only when the keyword's prefix query is this one lexeme's, as stored words are.
        if len(lexemes) != 1 or query != f"{tsquery_quoted(lexemes[0])}:*":
            continue
        started = [word for word in following if word.startswith(lexemes[0])]
        # Complete when the list reached the table's end or a word the prefix does not start.
        complete = len(following) <= MAX_WORDS or len(started) < len(following)
        distinct = sorted(set(started))
        if complete and len(distinct) <= MAX_WORDS:
            words[token] = distinct
    return words


def tsquery_quoted(word):
    """``word`` as a tsquery's quoted lexeme (quotes doubled, backslashes escaped)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def keyword_conditions(tokens, using):
    """The conditions that together select the products matching every keyword (PostgreSQL).

    The keywords whose words are known become one condition; any other keyword
    stays its own ``search_condition()``. A keyword matches the search vector
    (``A``) or a substring of the name (``N``), so all of them match when
    ``A1 AND ... AND Ak`` (one index condition, the common case) or, for some i,
    ``Ni`` and every other keyword's ``(Aj OR Nj)``: the same rows as
    ``(A1 OR N1) AND ... AND (Ak OR Nk)``, with each name's index read once.
    """
    tokens = list(dict.fromkeys(tokens))
    if len(tokens) < 2:
        return [search_condition(token, "postgresql") for token in tokens]
    words = prefix_words(tokens, using)
    known = [token for token in tokens if words[token] is not None]
    conditions = [search_condition(token, "postgresql") for token in tokens if token not in known]
    if len(known) < 2:
        return [*(search_condition(token, "postgresql") for token in known), *conditions]
    vector = {token: " | ".join(map(tsquery_quoted, words[token])) for token in known}
    name = {token: Q(name__icontains=token) for token in known}
    either = {
        token: Q(SearchVectorWords(vector[token])) | name[token] if vector[token] else name[token]
        for token in known
    }
    # A keyword without any word in the vectors matches names only.
    alternatives = []
    if all(vector.values()):
        alternatives.append(
            Q(SearchVectorWords(" & ".join(f"({vector[token]})" for token in known)))
        )
    for token in known:
        others = [either[other] for other in known if other != token]
        alternatives.append(Q(name[token], *others))
    combined = alternatives[0]
    for alternative in alternatives[1:]:
        combined |= alternative
    return [combined, *conditions]
