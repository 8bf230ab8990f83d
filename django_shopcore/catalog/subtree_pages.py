"""Pages of a category subtree as a merge of per-category index scans (PostgreSQL).

``category_id = ANY(ids)`` cannot use the ``(category_id, sort key, id)``
indexes in sort order: PostgreSQL either walks the sort key's global index,
dropping the rows of other categories (slow when the subtree holds a small
share of the catalog), or reads every row of the subtree and sorts them. A
merged page instead reads, for each category of the subtree, the first rows
of its own index range (a LATERAL join over the ids), keeps the best of them,
and reads those rows by primary key::

    WHERE id = ANY(ARRAY(SELECT branch.key_1 FROM unnest(<ids>) AS subtree(category_id)
                 CROSS JOIN LATERAL (SELECT created_at, id FROM shopcore_product
                     WHERE <every filter and the cursor> AND category_id = subtree.category_id
                     ORDER BY created_at DESC, id DESC LIMIT <n>) AS branch(key_0, key_1)
                 ORDER BY key_0 DESC, key_1 DESC LIMIT <n>))

(An array rather than ``IN (subquery)``: PostgreSQL then plans a primary key
lookup instead of a semi-join, a sixth less planning time.)

That costs one short index scan per category, so it pays off while the
subtree holds a small share of the products; beyond, the global index finds
a page sooner (``worth_merging``).
"""

from typing import NamedTuple

from django.db import connections
from django.db.models import BigIntegerField, BooleanField, Expression, Q, QuerySet, Subquery

from .search import quoted_initial_alias

# Per category, a merged page reads up to a page of rows after an index
# descent; the global index walk reads about page / share rows: merging pays
# while categories x share x PER_CATEGORY_COST < 1. At a million products
# (bench/subtree_plans.py, docs/performance.md) merging won wherever
# categories x share was at most 0.26, walking from 2.4 on: 1/3 is between.
PER_CATEGORY_COST = 3
# Past this many categories, or rows before the page's end (page numbers),
# the plain query: the merge would read too many rows.
MAX_MERGED_CATEGORIES = 500
MAX_MERGED_ROWS = 1000


class CategoryPartition(NamedTuple):
    """A list limited to some categories, split into one list per category."""

    category_ids: list[int]
    # The list with every filter but the category's: one category is added per branch.
    # (With the subtree's ``= ANY`` too, PostgreSQL would misjudge each branch's rows.)
    queryset: QuerySet


def worth_merging(subtree):
    """Whether pages of this subtree (a cache.Subtree) are cheaper merged than walked."""
    if subtree.share is None or not 2 <= len(subtree.ids) <= MAX_MERGED_CATEGORIES:
        return False
    return len(subtree.ids) * subtree.share * PER_CATEGORY_COST < 1


def has_category_index(model, field_name):
    """Whether an index of ``model`` starts with its category, then ``field_name``."""
    return any(list(index.fields[:2]) == ["category", field_name] for index in model._meta.indexes)


class BranchCategory(Expression):
    """The category of the merge's current branch: ``subtree.category_id``."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        return f"{quote('subtree')}.{quote('category_id')}", []


class MergedBranches(Subquery):
    """``(SELECT <pk> FROM unnest(ids) CROSS JOIN LATERAL (<branch>) ... LIMIT n)``.

    ``branch`` selects the ordering's fields (ending with the primary key)
    for the category ``BranchCategory()`` names, ordered and limited.
    """

    def __init__(self, branch, category_ids, ordering, limit):
        super().__init__(branch)
        self.category_ids, self.ordering, self.limit = list(category_ids), ordering, limit

    def as_sql(self, compiler, connection, template=None, **extra_context):
        branch_sql, branch_params = self.query.as_sql(compiler, connection)
        keys = [f"key_{position}" for position in range(len(self.ordering))]
        order = ", ".join(
            f"branch.{key} {'DESC' if descending else 'ASC'}"
            for key, (_name, descending) in zip(keys, self.ordering, strict=True)
        )
        # Only Django's compiled SQL and fixed names are interpolated; values are parameters.
        sql = (
            f"(SELECT branch.{keys[-1]} FROM unnest(%s) AS subtree(category_id) "  # noqa: S608
            f"CROSS JOIN LATERAL {branch_sql} AS branch({', '.join(keys)}) "
            f"ORDER BY {order} LIMIT %s)"
        )
        return sql, (self.category_ids, *branch_params, self.limit)


class PrimaryKeyAmong(Expression):
    """``<table>.<pk> = ANY(ARRAY(<subquery>))``."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, subquery):
        super().__init__()
        self.subquery = subquery

    def get_source_expressions(self):
        return [self.subquery]

    def set_source_expressions(self, exprs):
        (self.subquery,) = exprs

    def as_sql(self, compiler, connection):
        subquery_sql, params = compiler.compile(self.subquery)
        pk = connection.ops.quote_name(compiler.query.model._meta.pk.column)
        return f"{quoted_initial_alias(compiler)}.{pk} = ANY(ARRAY{subquery_sql})", params


def merged_page(page, partition, keyset, limit, cursor=None):
    """``page`` (filtered, ordered by ``keyset``) limited to its first ``limit`` rows by a
    merge over the partition's categories, with the ``cursor`` condition (a Q) in each
    branch too; None where a merge cannot help."""
    if (
        connections[page.db].vendor != "postgresql"
        or limit > MAX_MERGED_ROWS
        or not has_category_index(page.model, keyset.ordering[0][0])
    ):
        return None
    names = [name for name, _descending in keyset.ordering]
    branch = (
        partition.queryset.filter(cursor or Q(), category_id=BranchCategory())
        .order_by(*keyset.signature())
        .values_list(*names)[:limit]
    )
    merged = MergedBranches(branch, partition.category_ids, keyset.ordering, limit)
    return page.filter(PrimaryKeyAmong(merged))
