"""The product list's common shapes from SQL compiled once (PostgreSQL): each shape's page
and count queries built by the list's own filters on placeholders, run with each request's
values.

A list filtered by category, price, stock and activity, in any ordering, has
the same SQL for every request of one *shape*: which filters are given (with
the booleans' and the ordering's values), how the category narrows it (one
category, an array, a merge of per-category scans), who reads it (the public
or staff), and which page (an offset, or a cursor's direction). Each shape's
filtered queryset is built once by the FilterSet's own filters, with
placeholders (core/prepared.py) where the request's values go; its count and
each of its pages are compiled once from it. A request then only validates
its parameters and finds its category subtree, as any list does, and runs
the shape's SQL with its values. Other lists (a search, options, facets, a
host's filters or querysets) are read through the ORM as before.
"""

import datetime
from decimal import Decimal

from django.core.signals import setting_changed
from django.db import models

from ..core.counting import count_compiled_rows
from ..core.prepared import Placeholders, PreparedRows
from ..core.settings import shopcore_settings
from .category_filter import ONE, find_subtree, narrow_to_subtree, narrowing_of
from .facets import FACETS_PARAMETER
from .filters import CatalogFilterBackend, ProductFilterSet, filters_given
from .models import sees_inactive
from .pagination import CatalogPagination, QuerysetPages
from .representations import fast_representation

# The filters whose SQL has the same shape for every value (booleans and
# orderings aside, which are part of the shape).
PREPARED_FILTERS = frozenset(
    {"category", "min_price", "max_price", "in_stock", "is_active", "ordering"}
)
# Filters whose value is a placeholder; the others' values are part of the shape.
VALUE_FILTERS = frozenset({"category", "min_price", "max_price"})
# The placeholder type of a keyset field's values (a cursor's position).
POSITION_TYPES = (
    (models.DateTimeField, datetime.datetime),
    (models.DecimalField, Decimal),
    (models.CharField, str),
    (models.IntegerField, int),
)
# Past this many shapes per process, or pages per shape (any offset and page size
# can be asked for), the compiled queries start afresh: bounded memory.
MAX_TEMPLATES = 256
MAX_PAGES_PER_TEMPLATE = 16


def prepared_pages(view, request):
    """The PreparedPages of this list request of ``view``, or None when it is read through
    the ORM. Raises the 400s of its parameters, as the FilterSet does."""
    if not applies(view, request):
        return None
    given = filters_given(ProductFilterSet, request.query_params)
    if given is None or not PREPARED_FILTERS.issuperset(given):
        return None
    queryset = view.get_queryset()
    data = {}
    if given:  # Without filter parameters there is nothing to validate.
        backend = view.filter_backends[0]()
        data = backend.valid_filterset(request, queryset, view).form.cleaned_data
    if "relevance" in (data.get("ordering") or ()):
        return None  # Its SQL depends on the search (search_filter.py).
    shape, values = [], {}
    for name in given:
        value = data.get(name)
        if value in (None, "", [], ()):
            continue  # The filter leaves the list alone.
        if name == "category":
            found = find_subtree(name, value)
            narrowing = narrowing_of(found, data)
            shape.append((name, narrowing))
            values[name] = found.ids[0] if narrowing == ONE else found.ids
        elif name in VALUE_FILTERS:
            shape.append((name, None))
            values[name] = value
        else:
            shape.append((name, tuple(value) if isinstance(value, list) else value))
    key = (
        type(view),
        fast_representation(view.get_serializer_class()),
        sees_inactive(request.user),
        tuple(shape),
    )
    template = templates.get(key)
    if template is None:
        if len(templates) >= MAX_TEMPLATES:
            templates.clear()
        template = templates[key] = ListTemplate(queryset, shape, request, view)
    return PreparedPages(template, values)


def applies(view, request):
    """Whether the list reads shopcore's own filters, queryset and pages on PostgreSQL."""
    from .viewsets import CatalogViewSet  # The viewsets import this module.

    return (
        shopcore_settings.PREPARED_QUERIES
        and type(view).filter_queryset is CatalogViewSet.filter_queryset
        and view.filter_backends == [CatalogFilterBackend]
        and getattr(view, "filterset_class", None) is ProductFilterSet
        and view.shared_queryset() is not None
        and isinstance(view.paginator, CatalogPagination)
        and FACETS_PARAMETER not in request.query_params
        and PreparedRows.supported(view.shared_queryset())
    )


class ListTemplate:
    """One list shape: its filtered queryset on placeholders, and the compiled queries of
    its count and of each of its pages, each compiled on first use."""

    def __init__(self, queryset, shape, request, view):
        self.placeholders = Placeholders()
        filterset = ProductFilterSet(
            queryset=queryset, request=request, only=tuple(name for name, _ in shape)
        )
        shapes = dict(shape)
        for name in filterset.application_order(shapes):
            if name == "category":
                ids = (
                    [self.placeholders.of(int, name)]
                    if shapes[name] == ONE
                    else self.placeholders.array(name)
                )
                queryset = narrow_to_subtree(filterset, queryset, ids, shapes[name])
            elif name in VALUE_FILTERS:
                queryset = filterset.filters[name].filter(
                    queryset, self.placeholders.of(Decimal, name)
                )
            else:
                value = shapes[name]
                value = list(value) if isinstance(value, tuple) else value
                queryset = filterset.filters[name].filter(queryset, value)
        self.pages = QuerysetPages(
            queryset,
            fast_representation(view.get_serializer_class()).values,
            filterset.category_partition,
        )
        self.keyset = self.pages.keyset
        self.count_rows = PreparedRows(queryset.order_by().values("pk"), **self.placeholders)
        # ("number", offset, limit) or ("cursor", backward, limit) -> its PreparedRows.
        self.page_rows = {}

    def page(self, offset, limit):
        key = ("number", offset, limit)
        prepared = self.page_rows.get(key)
        if prepared is None:
            rows = self.pages.page_rows(self.pages.queryset, offset, limit)
            prepared = self.remember(key, PreparedRows(rows, **self.placeholders))
        return prepared

    def remember(self, key, prepared):
        # Another thread may clear the dict meanwhile: callers keep what they built.
        if len(self.page_rows) >= MAX_PAGES_PER_TEMPLATE:
            self.page_rows.clear()
        self.page_rows[key] = prepared
        return prepared

    def beyond(self, backward, limit):
        """The rows after (``backward``: before) the position placeholders ``position_<i>``."""
        key = ("cursor", backward, limit)
        prepared = self.page_rows.get(key)
        if prepared is None:
            placeholders = Placeholders()
            placeholders.update(self.placeholders)
            position = [
                placeholders.of(position_type(field), f"position_{index}")
                for index, field in enumerate(self.keyset.fields)
            ]
            rows = self.pages.rows_beyond(position, backward, limit)
            prepared = self.remember(key, PreparedRows(rows, **placeholders))
        return prepared


def position_type(field):
    for field_class, value_type in POSITION_TYPES:
        if isinstance(field, field_class):
            return value_type
    raise TypeError(f"No placeholder for a position in {field!r}.")


class PreparedPages:
    """The pages and count of one request's list, from its shape's ListTemplate (what
    CatalogPagination reads, as it reads a QuerysetPages)."""

    # Facets count through the ORM: with ``facets`` the list is not prepared.
    queryset = None

    def __init__(self, template, values):
        self.template, self.values = template, values
        self.keyset = template.keyset

    def page(self, offset, limit):
        return self.template.page(offset, limit).rows(**self.values)

    def page_beyond(self, position, backward, limit):
        positions = {f"position_{index}": value for index, value in enumerate(position)}
        return self.template.beyond(backward, limit).rows(**self.values, **positions)

    def count(self):
        alias, compiled, params = self.template.count_rows.statement(self.values)
        return count_compiled_rows(alias, compiled.sql, tuple(params))


# (view class, representation, whether staff reads, shape) -> ListTemplate.
templates: dict[tuple, ListTemplate] = {}


def forget_templates(**kwargs):
    # Settings shape the SQL (visibility, representations, page depth): start afresh.
    templates.clear()


setting_changed.connect(forget_templates)
