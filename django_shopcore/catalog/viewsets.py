"""The base of the catalog's viewsets: public reads of ``.values()`` rows, paged and
filtered, cached and conditional (ETag); the viewsets themselves are in views.py."""

from typing import cast

from django.db import connections
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from rest_framework import status, viewsets
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.pagination import BasePagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from ..core.cache import digest
from ..core.prepared import Placeholders, PreparedRows
from ..core.settings import shopcore_settings
from ..core.views import ShopcoreViewMixin
from .cache import get_response, response_key, set_response
from .filters import CatalogFilterBackend, filters_given
from .pagination import CatalogPagination
from .prepared_lists import prepared_pages
from .representations import ValuesRepresentation, fast_representation


class CatalogViewSet(ShopcoreViewMixin, viewsets.ModelViewSet):
    """Public reads, writes as ``CATALOG_PERMISSION_CLASSES`` allow; paged, filtered lists.

    Lists and details of the default serializers are read with ``.values()``
    (representations.py). Anonymous JSON reads are cached when
    ``CACHE_RESPONSES`` is on (cache.py), and every successful read has an
    ETag, answered with 304 on ``If-None-Match``.
    """

    # Fixed rather than taken from the host's DRF defaults: the contract depends on them.
    filter_backends = [CatalogFilterBackend]
    pagination_class: type[BasePagination] | None = CatalogPagination
    # The filtered list's number of rows when its filtering found it out (a
    # RowCount), passed to the paginator so that it does not count them again;
    # and the CategoryPartition when its pages are best merged per category.
    known_count = None
    category_partition = None
    # Every row's key in the list's order, when the filtering found them out (a KnownOrder).
    known_order = None
    # Non-numeric ids are not routes at all (404), never a database error.
    lookup_value_regex = "[0-9]+"
    # Set by each viewset: a queryset (never a manager), whose model the cache reads.
    queryset: QuerySet
    # finalize_response: conditional_response.
    conditional_reads = True
    # (shared queryset, representation) -> its rows as values (value_rows()).
    value_querysets: dict[tuple[QuerySet, ValuesRepresentation], QuerySet] = {}
    # (shared queryset, representation) -> the detail's row by primary key (detail_row()).
    prepared_details: dict[tuple[QuerySet, ValuesRepresentation], PreparedRows] = {}

    def get_permissions(self):
        return [permission() for permission in shopcore_settings.CATALOG_PERMISSION_CLASSES]

    def list(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None:
            return super().list(request, *args, **kwargs)
        paginator = cast(CatalogPagination, self.paginator)
        pages = prepared_pages(self, request)
        if pages is not None:
            rows = paginator.paginate_pages(pages, request)
        elif self.reads_unfiltered_rows():
            self.known_count = self.category_partition = self.known_order = None
            paginator.read_rows = None
            rows = self.paginate_queryset(self.value_rows(representation))
        else:
            paginator.read_rows = representation.values
            rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(representation.represent(rows, request=request))

    def retrieve(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None or self.checks_objects():
            return super().retrieve(request, *args, **kwargs)
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        return Response(
            representation.represent([self.detail_row(representation, value)], request)[0]
        )

    def detail_row(self, representation, value):
        """The row the detail URL names (404 if none), as ``representation`` reads it; on
        PostgreSQL by primary key from SQL compiled once (PreparedRows)."""
        rows = self.value_rows(representation)
        shared = self.shared_queryset()
        if (
            not shopcore_settings.PREPARED_QUERIES
            or self.lookup_field != "pk"
            or shared is None
            or not PreparedRows.supported(rows)
        ):
            return get_object_or_404(rows, **{self.lookup_field: value})
        key = (shared, representation)
        prepared = self.prepared_details.get(key)
        if prepared is None:
            placeholder = Placeholders("pk")
            prepared = self.prepared_details[key] = PreparedRows(
                rows.filter(**placeholder).order_by(), **placeholder
            )
        found = prepared.rows(pk=primary_key(self.queryset.model, value, rows.db))
        if not found:
            raise not_found(self.queryset.model)
        return found[0]

    def checks_objects(self):
        """Whether a permission class looks at the object itself (it then needs an instance)."""
        return any(
            type(permission).has_object_permission is not BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def filter_queryset(self, queryset):
        self.known_count = self.category_partition = self.known_order = None
        # The filters are list parameters: a detail URL names its object whatever the query says.
        if self.action != "list":
            return queryset
        if self.filters_nothing():
            return queryset
        for backend in (backend_class() for backend_class in self.filter_backends):
            if isinstance(backend, CatalogFilterBackend):
                filtered = backend.filter_and_count(self.request, queryset, self)
                queryset, self.known_count = filtered.queryset, filtered.known_count
                self.category_partition = filtered.category_partition
                self.known_order = filtered.known_order
            else:
                # A host's extra filtering may narrow what was counted, or what the
                # partition's merge would read.
                queryset = backend.filter_queryset(self.request, queryset, self)
                self.known_count = self.category_partition = self.known_order = None
        return queryset

    def value_rows(self, representation):
        """The rows of get_queryset() as ``representation`` reads them (``.values()``)."""
        shared = self.shared_queryset()
        if shared is None:
            return representation.values(self.get_queryset())
        # Built once per shared queryset, then only cloned (as get_queryset() clones).
        key = (shared, representation)
        rows = self.value_querysets.get(key)
        if rows is None:
            rows = self.value_querysets[key] = representation.values(shared)
        return rows.all()

    def shared_queryset(self):
        """The queryset that get_queryset() clones for every request like this one, when
        there is one (a subclass's own get_queryset() may differ per request): None."""
        if type(self).get_queryset is GenericAPIView.get_queryset:
            return self.queryset
        return None

    def reads_unfiltered_rows(self):
        """Whether a list's rows are read straight from value_rows(): nothing to filter,
        and no filter_queryset() of a subclass to run."""
        return type(self).filter_queryset is CatalogViewSet.filter_queryset and (
            self.filters_nothing()
        )

    def filters_nothing(self):
        """Whether filtering would return the queryset as it is: shopcore's own backend and
        FilterSet, and no parameter that one of its filters reads.

        Each of their filters leaves the queryset alone on an empty value (the
        form is then valid too), so building the FilterSet and its form would
        only cost time: most of a plain first page's, after its query.
        """
        if self.filter_backends != [CatalogFilterBackend]:
            return False
        filterset_class = getattr(self, "filterset_class", None)
        return filters_given(filterset_class, self.request.query_params) == ()

    def paginate_queryset(self, queryset):
        if self.known_count is None and self.category_partition is None:
            # (known_order comes with known_count.)
            return super().paginate_queryset(queryset)
        # Only the product filters find these out, and product lists page with CatalogPagination.
        paginator = cast(CatalogPagination, self.paginator)
        return paginator.paginate_queryset(
            queryset,
            self.request,
            view=self,
            known_count=self.known_count,
            category_partition=self.category_partition,
            known_order=self.known_order,
        )

    def get_cached_response(self, request):
        """The cached response to an anonymous JSON GET, if any; remembers the key for a miss."""
        self.response_cache_key = self.last_modified = None
        if request.method != "GET" or not request.user.is_anonymous:
            return None
        if getattr(request.accepted_renderer, "format", None) != "json":
            return None
        self.response_cache_key, self.last_modified = response_key(self.queryset.model, request)
        if self.response_cache_key is None:
            return None
        cached = get_response(self.response_cache_key)
        if cached is None:
            return None
        content, content_type = cached
        return HttpResponse(content, content_type=content_type)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method != "GET" or response.status_code != status.HTTP_200_OK:
            return response
        if isinstance(response, Response):
            response.render()
            if getattr(self, "response_cache_key", None):
                content = (response.content, response["Content-Type"])
                set_response(self.response_cache_key, content, self.last_modified)
        return conditional_response(request, response, getattr(self, "last_modified", None))


def not_found(model):
    """The 404 that ``get_object_or_404`` raises, with its message."""
    return Http404(f"No {model._meta.object_name} matches the given query.")


def primary_key(model, value, using):
    """The primary key a detail URL's digits name; a 404 when no key can be that large
    (the ORM's lookup would find nothing)."""
    field = model._meta.pk
    key = int(value)
    minimum, maximum = connections[using].ops.integer_field_range(field.get_internal_type())
    if not minimum <= key <= maximum:
        raise not_found(model)
    return key


def conditional_response(request, response, last_modified_ns):
    """Adds ETag (and Last-Modified when known); 304 when the client's copy is current."""
    etag = quote_etag(digest(response.content))
    last_modified = last_modified_ns // 10**9 if last_modified_ns else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is None:
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
    else:
        response = not_modified
    # Admins see inactive products: a shared cache must not hand their copy to others.
    patch_vary_headers(response, ["Authorization"])
    return response
