"""Catalog pagination: page numbers near the top of a list, keyset cursors beyond a depth."""

import math

from django.core import signing
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..core.counting import RowCount, count_rows
from ..core.pagination import ShopcorePageNumberPagination
from ..core.query import single_query_param
from ..core.settings import shopcore_settings
from .keysets import Keyset
from .subtree_pages import merged_page

CURSOR_SALT = "django_shopcore.pagination.cursor"


class QuerysetPages:
    """The rows of a list's pages and its count, read through the ORM."""

    def __init__(self, queryset, read_rows=None, category_partition=None, known_order=None):
        self.queryset = queryset
        # Turns a page's queryset into the rows returned (e.g. ``.values()``).
        self.read_rows = read_rows
        self.category_partition = category_partition
        # A KnownOrder when the filtering found out every row's key in order.
        self.known_order = known_order
        self.keyset = Keyset.of(queryset)

    def page(self, offset, limit):
        queryset, start = self.known_page(offset, limit)
        return list(self.page_rows(queryset, start, limit))

    def known_page(self, offset, limit):
        """``(queryset, offset)`` to read a page from: when every row's key is known in
        this order, the page's own rows by key, instead of reading every row to sort them.

        Only for the very queryset the filtering returned: a host's filter added
        after it would not be in ``known.rows``.
        """
        known = self.known_order
        if (
            known is None
            or self.queryset is not known.listed
            or self.keyset is None
            or known.signature != self.keyset.signature()
        ):
            return self.queryset, offset
        return known.rows.filter(pk__in=known.keys[offset : offset + limit]), 0

    def page_beyond(self, position, backward, limit):
        return list(self.rows_beyond(position, backward, limit))

    def rows_beyond(self, position, backward, limit):
        """The queryset of the ``limit`` rows after ``position`` (before it when ``backward``)."""
        beyond = self.keyset.beyond(position, backward)
        page = self.queryset.filter(beyond)
        if backward:
            page = page.order_by(*self.keyset.reversed_ordering())
        return self.page_rows(page, 0, limit, cursor=beyond)

    def page_rows(self, queryset, offset, limit, cursor=None):
        """The queryset of ``limit`` rows of ``queryset`` from ``offset``, as ``read_rows``
        reads them; ``cursor`` is the condition a cursor page added to ``queryset``."""
        keyset = Keyset.of(queryset) if self.category_partition else None
        if keyset is not None:
            merged = merged_page(
                queryset, self.category_partition, keyset, offset + limit, cursor=cursor
            )
            queryset = queryset if merged is None else merged
        rows = queryset[offset : offset + limit]
        return self.read_rows(rows) if self.read_rows else rows

    def count(self):
        return count_rows(self.queryset)


class CatalogPagination(ShopcorePageNumberPagination):
    """``?page=N&page_size=M`` near the top of a list, ``?cursor=`` links below.

    A malformed ``page``, ``page_size`` or ``cursor`` is a 400 naming the
    parameter; a page past the end is a 404, as in DRF. Page numbers reach
    ``MAX_PAGE_DEPTH`` rows; the ``next`` link of the deepest page carries a
    cursor, and cursor pages go on for as long as the list does, each one an
    index range scan from the previous page's last row.
    """

    cursor_query_param = "cursor"
    # Turns the page's queryset into the rows to return (e.g. ``.values()``);
    # the count query keeps the plain queryset, without the joins of the rows.
    read_rows = None
    # DRF's page controls need a Django Paginator, which would count every row.
    display_page_controls = False
    # Set per request by paginate_queryset().
    request: Request
    page_size: int
    row_count: RowCount | None
    pages: "QuerysetPages"

    def paginate_queryset(
        self,
        queryset,
        request,
        view=None,
        known_count=None,
        category_partition=None,
        known_order=None,
    ):
        """A page of ``queryset``; ``known_count`` is its row count when the filtering found
        it out, ``category_partition`` (a CategoryPartition) when its pages are best read
        as a merge of one list per category (subtree_pages.py), ``known_order`` (a
        KnownOrder) when the filtering found out every row's key in order."""
        pages = QuerysetPages(queryset, self.read_rows, category_partition, known_order)
        return self.paginate_pages(pages, request, known_count)

    def paginate_pages(self, pages, request, known_count=None):
        """A page of ``pages``: QuerysetPages, or the same rows read another way (the
        PreparedPages of prepared_lists.py)."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.pages = pages
        self.keyset = pages.keyset
        # What facets count (facet_page.py); None when the rows are not read by the ORM.
        self.count_queryset = getattr(pages, "queryset", None)
        self.next_cursor = self.previous_cursor = None
        self.next_page = self.previous_page = None
        raw_cursor = single_query_param(request, self.cursor_query_param)
        if raw_cursor is not None:
            rows = self.paginate_by_cursor(raw_cursor)
        else:
            rows = self.paginate_by_number()
        if known_count is not None:
            self.row_count = known_count
        return rows

    def paginate_by_number(self):
        self.row_count = None
        number = self.get_page_number(self.request)
        offset = (number - 1) * self.page_size
        if offset >= shopcore_settings.MAX_PAGE_DEPTH:
            raise ValidationError(
                {
                    self.page_query_param: [
                        _(
                            "Page numbers reach %(depth)d rows deep; follow the `next` links, "
                            "which use a `cursor` beyond that."
                        )
                        % {"depth": shopcore_settings.MAX_PAGE_DEPTH}
                    ]
                }
            )
        rows = self.pages.page(offset, self.page_size + 1)
        has_next = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if not rows and number > 1:
            raise NotFound(self.invalid_page_message)
        if self.row_count is None and not has_next:
            # The last page: the count comes free.
            self.row_count = RowCount(offset + len(rows), True)
        if has_next:
            if offset + self.page_size < shopcore_settings.MAX_PAGE_DEPTH or not self.keyset:
                self.next_page = number + 1
            else:
                self.next_cursor = self.encode_cursor(rows[-1], backward=False)
        if number > 1:
            self.previous_page = number - 1
        return rows

    def paginate_by_cursor(self, raw_cursor):
        self.row_count = None
        if self.keyset is None:
            raise ValidationError(
                {self.cursor_query_param: [_("This ordering cannot be paged with a cursor.")]}
            )
        position, backward = self.decode_cursor(raw_cursor)
        rows = self.pages.page_beyond(position, backward, self.page_size + 1)
        has_more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backward:
            rows.reverse()
        if rows:
            # The row the cursor pointed at is beyond the other edge: there is a page there.
            if backward:
                self.next_cursor = self.encode_cursor(rows[-1], backward=False)
                if has_more:
                    self.previous_cursor = self.encode_cursor(rows[0], backward=True)
            else:
                self.previous_cursor = self.encode_cursor(rows[0], backward=True)
                if has_more:
                    self.next_cursor = self.encode_cursor(rows[-1], backward=False)
        return rows

    def encode_cursor(self, row, backward):
        payload = {"o": self.keyset.signature(), "v": self.keyset.position_of(row)}
        if backward:
            payload["b"] = 1
        return signing.dumps(payload, salt=CURSOR_SALT, compress=True)

    def decode_cursor(self, raw_cursor):
        invalid = ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})
        try:
            payload = signing.loads(raw_cursor, salt=CURSOR_SALT)
        except (signing.BadSignature, ValueError):
            raise invalid from None
        if not isinstance(payload, dict) or payload.get("o") != self.keyset.signature():
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        _("This cursor was made for another ordering; start again from page 1.")
                    ]
                }
            )
        try:
            position = self.keyset.parse_position(payload.get("v"))
        except ValueError:
            raise invalid from None
        return position, bool(payload.get("b"))

    def get_page_number(self, request, paginator=None):
        # ``paginator``: DRF's signature; the pages are ``self.pages``.
        if single_query_param(request, self.page_query_param) in self.last_page_strings:
            return self.last_page_number()
        return super().get_page_number(request, paginator=None)

    def last_page_number(self):
        self.row_count = self.pages.count()
        if not self.row_count.exact:
            raise ValidationError(
                {
                    self.page_query_param: [
                        _("This list is too long for 'last'; follow the `next` links instead.")
                    ]
                }
            )
        return max(1, math.ceil(self.row_count.value / self.page_size))

    def get_count(self):
        if self.row_count is None:
            self.row_count = self.pages.count()
        return self.row_count

    def get_paginated_response(self, data):
        count = self.get_count()
        return Response(
            {
                "count": count.value,
                "count_exact": count.exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if self.next_cursor is not None:
            url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
            return replace_query_param(url, self.cursor_query_param, self.next_cursor)
        if self.next_page is not None:
            url = self.request.build_absolute_uri()
            return replace_query_param(url, self.page_query_param, self.next_page)
        return None

    def get_previous_link(self):
        if self.previous_cursor is not None:
            url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
            return replace_query_param(url, self.cursor_query_param, self.previous_cursor)
        if self.previous_page is None:
            return None
        url = self.request.build_absolute_uri()
        if self.previous_page == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.previous_page)

    def get_paginated_response_schema(self, schema):
        response_schema = super().get_paginated_response_schema(schema)
        response_schema["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "False when `count` is an estimate (more than a threshold of rows).",
            "example": True,
        }
        response_schema["required"].append("count_exact")
        return response_schema

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "An opaque position from a `next` or `previous` link.",
                "schema": {"type": "string"},
            }
        )
        return parameters
