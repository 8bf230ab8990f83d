"""Folding the facet count deltas: each key's rows merged into one, the subtree sums updated.

Writers only append delta rows to FacetCount (facet_index.py). Once about
FOLD_EVERY were appended, the writer that crossed the mark folds them after
its commit, in a transaction of its own: it merges every key's rows into one
and adds the deltas to the FacetRollup of each scope their category's path
names. A category move adds the scopes it leaves and enters up again. Both
hold the tree lock, so the paths they read stay put and they never interleave.
"""

import logging
from collections import defaultdict
from itertools import islice

from django.db import DatabaseError, connections, transaction
from django.db.models import Exists, OuterRef

from .facet_keys import COUNT_COLUMNS
from .facet_models import FacetCount, FacetRollup
from .models import PATH_SEPARATOR, Category, lock_tree

logger = logging.getLogger(__name__)

# Once about this many delta rows were appended, a fold merges them: reads
# add up the unfolded ones, so they stay at most a few thousand rows.
FOLD_EVERY = 1000
# Rows deleted or written per statement.
BATCH_SIZE = 500
# The PostgreSQL advisory lock key of the fold ("shopface" in ASCII): one at a time.
FOLD_LOCK_KEY = 0x73686F7066616365
# The scope of the whole catalog.
CATALOG_SCOPE = 0

COLUMNS_SQL = ", ".join(COUNT_COLUMNS)
SUMS_SQL = ", ".join(f"SUM(f.{column})" for column in COUNT_COLUMNS)
ADD_ROLLUP_SQL = (
    "INSERT INTO shopcore_facetrollup (scope, facet, name, value, {columns}) VALUES {rows} "
    "ON CONFLICT (scope, facet, name, value) DO UPDATE SET {additions}"
)
# A scope's rollup from the folded rows of its subtree (current paths); only
# this module's constants are interpolated.
SUM_SCOPES_SQL = (
    f"INSERT INTO shopcore_facetrollup (scope, facet, name, value, {COLUMNS_SQL}) "  # noqa: S608
    f"SELECT scope.id, f.facet, f.name, f.value, {SUMS_SQL} "
    """FROM shopcore_facetcount f
JOIN shopcore_category c ON c.id = f.category_id
JOIN shopcore_category scope ON c.path LIKE scope.path || '%%'
WHERE scope.id IN ({scopes}) AND NOT f.is_delta
GROUP BY scope.id, f.facet, f.name, f.value
"""
)


def batched(iterable, size=BATCH_SIZE):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def scopes_of(path):
    """The rollup scopes a category's products count in: the catalog, each ancestor, itself."""
    return [CATALOG_SCOPE, *(int(part) for part in path.split(PATH_SEPARATOR) if part)]


def fold_after_commit(using):
    """A fold in its own transaction; a failure is logged and left to the next fold."""
    try:
        fold_deltas(using)
    except DatabaseError:
        logger.warning("The facet counts' fold failed; the next one retries.", exc_info=True)


def fold_deltas(using="default", wait=False):
    """Merge the rows of every key that has deltas into one, and add the deltas to the
    rollups; returns how many rows were merged.

    The rows are locked (in id order) before they are read, deleted exactly as
    read and replaced by their sum, so a delta appended meanwhile waits for
    the next fold and nothing is counted twice. Readers see all of it or none.
    Unless ``wait``, a fold that finds another one at work leaves it to it.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
                cursor.execute(f"SELECT {lock}(%s)::text", [FOLD_LOCK_KEY])
                if cursor.fetchone()[0] == "false":
                    return 0  # Another fold is at it.
        lock_tree(using)
        counts = FacetCount.objects.using(using)
        pending = counts.filter(
            is_delta=True,
            category_id=OuterRef("category_id"),
            facet=OuterRef("facet"),
            name=OuterRef("name"),
            value=OuterRef("value"),
        )
        rows = list(
            counts.filter(Exists(pending))
            .select_for_update()
            .order_by("pk")
            .values_list("pk", "category_id", "facet", "name", "value", "is_delta", *COUNT_COLUMNS)
        )
        sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNT_COLUMNS))
        deltas: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNT_COLUMNS))
        for _pk, category_id, facet, name, value, is_delta, *values in rows:
            key = (category_id, facet, name, value)
            for target in (sums[key], deltas[key]) if is_delta else (sums[key],):
                for index, count in enumerate(values):
                    target[index] += count
        for batch in batched(row[0] for row in rows):
            counts.filter(pk__in=batch).delete()
        counts.bulk_create(
            [
                FacetCount(
                    category_id=key[0],
                    facet=key[1],
                    name=key[2],
                    value=key[3],
                    is_delta=False,
                    **dict(zip(COUNT_COLUMNS, total, strict=True)),
                )
                for key, total in sorted(sums.items())
                if any(total)
            ],
            batch_size=BATCH_SIZE,
        )
        add_to_rollups(deltas, using)
    return len(rows)


def add_to_rollups(deltas, using):
    """Add ``{(category_id, facet, name, value): counts}`` to the rollups of their scopes."""
    categories = {key[0] for key in deltas}
    paths = dict(Category.objects.using(using).filter(pk__in=categories).values_list("pk", "path"))
    changes: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNT_COLUMNS))
    for (category_id, *key), values in deltas.items():
        # A category deleted meanwhile had no products left: nothing to add.
        for scope in scopes_of(paths.get(category_id, "")):
            # Not changes[(scope, *key)]: mypy 2.4 misreads a starred subscript in
            # parentheses as the unparenthesized form that needs Python 3.11.
            scope_key = (scope, *key)
            total = changes[scope_key]
            for index, count in enumerate(values):
                total[index] += count
    rows = [(*key, *total) for key, total in sorted(changes.items()) if any(total)]
    connection = connections[using]
    additions = ", ".join(
        f"{column} = shopcore_facetrollup.{column} + excluded.{column}" for column in COUNT_COLUMNS
    )
    placeholders = f"({', '.join(['%s'] * (4 + len(COUNT_COLUMNS)))})"
    with connection.cursor() as cursor:
        for batch in batched(rows):
            # Only this module's literals are interpolated; the values are parameters.
            sql = ADD_ROLLUP_SQL.format(
                columns=COLUMNS_SQL,
                rows=", ".join([placeholders] * len(batch)),
                additions=additions,
            )
            cursor.execute(sql, [value for row in batch for value in row])
    FacetRollup.objects.using(using).filter(**dict.fromkeys(COUNT_COLUMNS, 0)).delete()


def fold_before_category_delete(sender, instance, using, **kwargs):
    """A category is deleted only without products, but its unfolded deltas (products
    that moved out) still owe its ancestors' rollups: fold them while its path exists;
    its own rows, all zero then, go with it."""
    fold_deltas(using, wait=True)


def rehome_rollups(old_path, new_path, using):
    """After a category moved from ``old_path`` to ``new_path`` (in the move's transaction,
    which holds the tree lock): the scopes it left and entered are added up again."""
    moved = scopes_of(new_path)[-1]
    scopes = sorted((set(scopes_of(old_path)) | set(scopes_of(new_path))) - {moved, CATALOG_SCOPE})
    if not scopes:
        return
    FacetRollup.objects.using(using).filter(scope__in=scopes).delete()
    with connections[using].cursor() as cursor:
        # Only integers (category ids) are interpolated.
        cursor.execute(SUM_SCOPES_SQL.format(scopes=", ".join(map(str, scopes))), [])
