"""Catalog views: the category and product viewsets."""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers, quote_etag
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from ..core.cache import digest
from ..core.exceptions import Conflict
from ..core.schema import ADMIN_ONLY
from ..core.schema_errors import example, extend_responses, raises
from ..core.settings import shopcore_settings
from ..core.views import ShopcoreViewMixin
from .cache import get_response, response_key, set_response
from .filters import CatalogFilterBackend, CategoryFilterSet, ProductFilterSet
from .models import Category, Product
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
    filter_backends = [CatalogFilterBackend]
    pagination_class = CatalogPagination
    # The filtered list's number of rows when its filtering found it out (a
    # RowCount), passed to the paginator so that it does not count them again.
    known_count = None
    # Non-numeric ids are not routes at all (404), never a database error.
    lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        return [permission() for permission in shopcore_settings.CATALOG_PERMISSION_CLASSES]

    def list(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None:
            return super().list(request, *args, **kwargs)
        self.paginator.read_rows = representation.values
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
        self.known_count = None
        # The filters are list parameters: a detail URL names its object whatever the query says.
        if self.action != "list":
            return queryset
        for backend in (backend_class() for backend_class in self.filter_backends):
            if isinstance(backend, CatalogFilterBackend):
                queryset, self.known_count = backend.filter_and_count(self.request, queryset, self)
            else:
                # A host's extra filtering may narrow what was counted.
                queryset = backend.filter_queryset(self.request, queryset, self)
                self.known_count = None
        return queryset

    def paginate_queryset(self, queryset):
        return self.paginator.paginate_queryset(
            queryset, self.request, view=self, known_count=self.known_count
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


@extend_schema(tags=["Categories"])
@extend_schema_view(
    list=extend_schema(
        summary="List categories",
        description="A page of categories, by name. `parent` narrows to the children of one "
        "category (or to the roots with `parent=null`).",
    ),
    create=extend_schema(
        summary="Create a category",
        description=f"The slug is derived from the name when left out. {ADMIN_ONLY}",
    ),
    retrieve=extend_schema(summary="Get a category", description="One category, by id."),
    update=extend_schema(
        summary="Replace a category",
        description="All writable fields. Moving a category under itself or one of its "
        f"subcategories is a 400. {ADMIN_ONLY}",
    ),
    partial_update=extend_schema(
        summary="Update a category",
        description="Only the fields sent. Moving a category under itself or one of its "
        f"subcategories is a 400. {ADMIN_ONLY}",
    ),
    destroy=[
        extend_schema(
            summary="Delete a category",
            description="Only an empty category: one with subcategories or products is a 409. "
            f"{ADMIN_ONLY}",
        ),
        extend_responses(
            errors=[
                raises(
                    409,
                    "The category still has subcategories or products.",
                    HasProducts=example(
                        {
                            "detail": "Category “Shoes” still has products; "
                            "move or delete them first."
                        },
                        "Category with products",
                    ),
                )
            ]
        ),
    ],
)
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


@extend_schema(tags=["Products"])
@extend_schema_view(
    list=extend_schema(
        summary="List products",
        description="A page of products, newest first. Every filter is optional and they "
        "combine: `category` includes its subcategories, `min_price` and `max_price` are "
        "inclusive, `search` matches all its keywords against the name and description, "
        "`in_stock=true` keeps products with stock. Inactive products are listed for "
        "admins only.",
    ),
    create=extend_schema(
        summary="Create a product",
        description="`category` is a category id. The slug is derived from the name when left "
        f"out. Negative prices and stock are a 400. {ADMIN_ONLY}",
    ),
    retrieve=extend_schema(
        summary="Get a product",
        description="One product, by id; its `category` is read as `{id, name, slug}`. "
        "Inactive products are found for admins only.",
    ),
    update=extend_schema(
        summary="Replace a product", description=f"All writable fields. {ADMIN_ONLY}"
    ),
    partial_update=extend_schema(
        summary="Update a product",
        description=f'Only the fields sent, e.g. `{{"stock": 0}}`. {ADMIN_ONLY}',
    ),
    destroy=extend_schema(summary="Delete a product", description=ADMIN_ONLY),
)
class ProductViewSet(CatalogViewSet):
    queryset = Product.objects.select_related("category")
    filterset_class = ProductFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if not getattr(self.request.user, "is_staff", False):
            queryset = queryset.active()
        return queryset

    def get_serializer_class(self):
        return shopcore_settings.PRODUCT_SERIALIZER
