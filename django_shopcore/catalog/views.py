"""Catalog views: the category, product, variant and image viewsets."""

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers, quote_etag
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from ..core.cache import digest
from ..core.exceptions import Conflict
from ..core.pagination import ShopcorePageNumberPagination
from ..core.settings import shopcore_settings
from ..core.views import ShopcoreViewMixin
from .cache import get_response, response_key, set_response
from .filters import CategoryFilterSet, ProductFilterSet
from .models import Category, Product, ProductImage, ProductVariant
from .pagination import CatalogPagination
from .representations import fast_representation
from .serializers import ProductImageSerializer, ProductVariantSerializer
from .variants import refresh_product_totals


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
        return self.get_paginated_response(representation.represent(rows, request=request))

    def retrieve(self, request, *args, **kwargs):
        cached = self.get_cached_response(request)
        if cached is not None:
            return cached
        representation = fast_representation(self.get_serializer_class())
        if representation is None or self.checks_objects():
            return super().retrieve(request, *args, **kwargs)
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        row = get_object_or_404(representation.values(self.get_queryset()), **lookup)
        return Response(representation.represent([row], request=request)[0])

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
        first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by(
            "position", "id"
        )
        queryset = (
            super()
            .get_queryset()
            .visible_to(self.request.user)
            .annotate(first_image=Subquery(first_image.values("image")[:1]))
        )
        if self.action == "retrieve":
            variants = ProductVariant.objects.visible_to(self.request.user).order_by("id")
            queryset = queryset.prefetch_related(
                Prefetch("variants", queryset=variants),
                Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return shopcore_settings.PRODUCT_DETAIL_SERIALIZER
        return shopcore_settings.PRODUCT_SERIALIZER


class VariantViewSet(CatalogViewSet):
    """``products/{product_pk}/variants/``: a product's variants, in id order.

    Non-admins see the active variants of active products only. Every write
    keeps the product's price and stock in step, and a product keeps at
    least one variant (deleting the last one is a 409).
    """

    queryset = ProductVariant.objects.all()
    serializer_class = ProductVariantSerializer
    # Few rows per product: plain pages, no keyset cursors.
    pagination_class = ShopcorePageNumberPagination

    def visible_products(self):
        return Product.objects.visible_to(self.request.user)

    def get_product(self):
        return get_object_or_404(self.visible_products().only("pk"), pk=self.kwargs["product_pk"])

    def get_queryset(self):
        return (
            ProductVariant.objects.visible_to(self.request.user)
            .filter(product_id=self.kwargs["product_pk"], product__in=self.visible_products())
            .order_by("id")
        )

    def list(self, request, *args, **kwargs):
        # An unknown (or hidden) product is a 404, not an empty list.
        self.get_product()
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.save(product=self.get_product())

    def perform_destroy(self, instance):
        with transaction.atomic():
            # Locks every variant of the product (in id order, as a lone-variant
            # product write does), so two deletes cannot each leave the other last.
            siblings = list(
                ProductVariant.objects.select_for_update()
                .filter(product_id=instance.product_id)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if siblings == [instance.pk]:
                raise Conflict(
                    _("This is the product's last variant; a product needs at least one.")
                )
            instance.delete()
            refresh_product_totals([instance.product_id])


class ImageViewSet(
    ShopcoreViewMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """``products/{product_pk}/images/``: upload (multipart), describe, reorder, delete.

    The product detail lists the images; these routes only write. The file
    itself is removed from storage once the deletion is committed.
    """

    queryset = ProductImage.objects.all()
    serializer_class = ProductImageSerializer
    # Uploads are multipart; the PATCH of alt or position may be JSON too.
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    # No PUT: the file is fixed once uploaded, so only a PATCH can change an image.
    http_method_names = ["post", "patch", "delete", "options"]
    lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        return [permission() for permission in shopcore_settings.CATALOG_PERMISSION_CLASSES]

    def get_queryset(self):
        return super().get_queryset().filter(product_id=self.kwargs["product_pk"])

    def perform_create(self, serializer):
        products = Product.objects.only("pk")
        serializer.save(product=get_object_or_404(products, pk=self.kwargs["product_pk"]))

    def perform_destroy(self, instance):
        file = instance.image
        with transaction.atomic():
            instance.delete()
            transaction.on_commit(lambda: file.storage.delete(file.name))
