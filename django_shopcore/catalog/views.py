"""Catalog views: the category and product viewsets."""

from typing import cast

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from ..core.cache import digest
from ..core.exceptions import Conflict
from ..core.settings import shopcore_settings
from ..core.views import ShopcoreViewMixin
from .cache import get_response, response_key, set_response
from .filters import CategoryFilterSet, ProductFilterSet
from .models import Category, Product, ProductQuerySet
from .pagination import CatalogPagination
from .representations import fast_representation


class CatalogViewSet(ShopcoreViewMixin, viewsets.ModelViewSet):
    """Public reads, writes as ``CATALOG_PERMISSION_CLASSES`` allow; paged, filtered lists.

    Lists and details of the default serializers are read with ``.values()``
    (representations.py). Anonymous JSON reads are cached when
    ``CACHE_RESPONSES`` is on (cache.py), and every successful read has an
    ETag, answered with 304 on ``If-None-Match``.
    """

    # Fixed rather than taken from the host's DRF defaults: the contract depends on them.
    filter_backends = [DjangoFilterBackend]
    pagination_class = CatalogPagination
    # Non-numeric ids are not routes at all (404), never a database error.
    lookup_value_regex = "[0-9]+"
    # Set by each viewset: a queryset (never a manager), whose model the cache reads.
    queryset: QuerySet

    def get_permissions(self):
        return [permission() for permission in shopcore_settings.CATALOG_PERMISSION_CLASSES]

    def list(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None:
            return super().list(request, *args, **kwargs)
        cast(CatalogPagination, self.paginator).read_rows = representation.values
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(representation.represent(rows))

    def retrieve(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None or self.checks_objects():
            return super().retrieve(request, *args, **kwargs)
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        row = get_object_or_404(representation.values(self.get_queryset()), **lookup)
        return Response(representation.represent([row])[0])

    def checks_objects(self):
        """Whether a permission class looks at the object itself (it then needs an instance)."""
        return any(
            type(permission).has_object_permission is not BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def filter_queryset(self, queryset):
        # The filters are list parameters: a detail URL names its object whatever the query says.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

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
                set_response(self.response_cache_key, (response.content, response["Content-Type"]))
        return conditional_response(request, response, getattr(self, "last_modified", None))


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


class CategoryViewSet(CatalogViewSet):
    queryset = Category.objects.order_by("name", "id")
    filterset_class = CategoryFilterSet

    def get_serializer_class(self):
        return shopcore_settings.CATEGORY_SERIALIZER

    def perform_destroy(self, instance):
        # Checked up front for a clear message; PROTECT still guards against races.
        if instance.children.exists():
            raise Conflict(
                _("Category “%(name)s” still has subcategories; move or delete them first.")
                % {"name": instance.name}
            )
        if instance.products.exists():
            raise Conflict(
                _("Category “%(name)s” still has products; move or delete them first.")
                % {"name": instance.name}
            )
        instance.delete()


class ProductViewSet(CatalogViewSet):
    queryset = Product.objects.select_related("category")
    filterset_class = ProductFilterSet

    def get_queryset(self):
        queryset = cast(ProductQuerySet, super().get_queryset())
        if not getattr(self.request.user, "is_staff", False):
            queryset = queryset.active()
        return queryset

    def get_serializer_class(self):
        return shopcore_settings.PRODUCT_SERIALIZER
