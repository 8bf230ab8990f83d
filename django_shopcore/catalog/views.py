"""Catalog views: the category, product, variant and image viewsets.

Past 400 lines because each viewset carries its API docs beside it
(``extend_schema_view``); the behaviour is in the shared CatalogViewSet.
"""

from functools import cache
from typing import cast

from django import forms
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.pagination import BasePagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from ..core.cache import digest
from ..core.exceptions import Conflict
from ..core.pagination import ShopcorePageNumberPagination
from ..core.schema import ADMIN_ONLY
from ..core.schema_error_bodies import VALIDATION_ERROR_COMPONENT
from ..core.schema_errors import example, extend_responses, raises
from ..core.settings import shopcore_settings
from ..core.views import ShopcoreViewMixin
from .cache import get_response, response_key, set_response
from .examples import IMAGE_UPDATE_EXAMPLES
from .facet_page import ProductPagination
from .filters import CatalogFilterBackend, CategoryFilterSet, ProductFilterSet
from .images import FirstImageName
from .models import (
    Category,
    Product,
    ProductImage,
    ProductQuerySet,
    ProductVariant,
    sees_inactive,
)
from .pagination import CatalogPagination
from .representations import ValuesRepresentation, fast_representation
from .serializers import ProductImageSerializer, ProductVariantSerializer
from .variants import refresh_product_totals

# FilterSets all of whose filters do nothing without their parameter (filters_nothing()).
PARAMETERLESS_NOOP_FILTERSETS = (CategoryFilterSet, ProductFilterSet)


@cache
def parameter_names(filterset_class):
    """The query parameters the FilterSet's filters read: their names; None when a widget
    reads others (a MultiWidget's suffixed ``<name>_min``, ``<name>_max``)."""
    for filter_ in filterset_class.base_filters.values():
        widget = filter_.extra.get("widget") or filter_.field_class.widget
        if isinstance(widget, forms.MultiWidget) or (
            isinstance(widget, type) and issubclass(widget, forms.MultiWidget)
        ):
            return None
    return tuple(filterset_class.base_filters)


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
    # Non-numeric ids are not routes at all (404), never a database error.
    lookup_value_regex = "[0-9]+"
    # Set by each viewset: a queryset (never a manager), whose model the cache reads.
    queryset: QuerySet
    # finalize_response: conditional_response.
    conditional_reads = True
    # (shared queryset, representation) -> its rows as values (value_rows()).
    value_querysets: dict[tuple[QuerySet, ValuesRepresentation], QuerySet] = {}

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
        if self.reads_unfiltered_rows():
            self.known_count = self.category_partition = None
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
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        row = get_object_or_404(self.value_rows(representation), **lookup)
        return Response(representation.represent([row], request=request)[0])

    def checks_objects(self):
        """Whether a permission class looks at the object itself (it then needs an instance)."""
        return any(
            type(permission).has_object_permission is not BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def filter_queryset(self, queryset):
        self.known_count = self.category_partition = None
        # The filters are list parameters: a detail URL names its object whatever the query says.
        if self.action != "list":
            return queryset
        if self.filters_nothing():
            return queryset
        for backend in (backend_class() for backend_class in self.filter_backends):
            if isinstance(backend, CatalogFilterBackend):
                queryset, self.known_count, self.category_partition = backend.filter_and_count(
                    self.request, queryset, self
                )
            else:
                # A host's extra filtering may narrow what was counted, or what the
                # partition's merge would read.
                queryset = backend.filter_queryset(self.request, queryset, self)
                self.known_count = self.category_partition = None
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
        filterset_class = getattr(self, "filterset_class", None)
        if self.filter_backends != [CatalogFilterBackend] or (
            filterset_class not in PARAMETERLESS_NOOP_FILTERSETS
        ):
            return False
        names = parameter_names(filterset_class)
        return names is not None and not any(name in self.request.query_params for name in names)

    def paginate_queryset(self, queryset):
        if self.known_count is None and self.category_partition is None:
            return super().paginate_queryset(queryset)
        # Only the product filters find these out, and product lists page with CatalogPagination.
        paginator = cast(CatalogPagination, self.paginator)
        return paginator.paginate_queryset(
            queryset,
            self.request,
            view=self,
            known_count=self.known_count,
            category_partition=self.category_partition,
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
    # Pages that carry the facet counts on request (facets=true).
    pagination_class = ProductPagination

    # (the class's queryset, whether it is a detail read with prefetched variants and
    # images, whether the user sees inactive products) -> the queryset built for them.
    base_querysets: dict[tuple[QuerySet, bool, bool], QuerySet] = {}

    def get_queryset(self):
        return self.base_queryset(prefetches=self.action == "retrieve").all()

    def base_queryset(self, prefetches):
        # Built once per shape and only cloned afterwards: an unevaluated queryset
        # is never changed by the methods that derive others from it.
        key = (self.queryset, prefetches, sees_inactive(self.request.user))
        queryset = self.base_querysets.get(key)
        if queryset is None:
            queryset = self.base_querysets[key] = self.build_queryset(prefetches)
        return queryset

    def shared_queryset(self):
        if type(self).get_queryset is ProductViewSet.get_queryset:
            # Values are read without prefetching: the representation reads the relations.
            return self.base_queryset(prefetches=False)
        return super().shared_queryset()

    def build_queryset(self, prefetches):
        queryset = (
            cast(ProductQuerySet, super().get_queryset())
            .visible_to(self.request.user)
            .annotate(first_image=FirstImageName())
        )
        if prefetches:
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


@extend_schema(tags=["Products"])
@extend_schema_view(
    list=extend_schema(
        summary="List a product's variants",
        description="A page of the product's variants, by id. Inactive variants, and the "
        "variants of inactive products, are listed for admins only.",
    ),
    create=extend_schema(
        summary="Add a variant",
        description="`sku` is unique in the shop; `options` maps option names to values. "
        f"The product's `price` and `stock` follow its active variants. {ADMIN_ONLY}",
    ),
    retrieve=extend_schema(summary="Get a variant", description="One variant, by id."),
    update=extend_schema(
        summary="Replace a variant", description=f"All writable fields. {ADMIN_ONLY}"
    ),
    partial_update=extend_schema(
        summary="Update a variant",
        description=f'Only the fields sent, e.g. `{{"stock": 0}}`. {ADMIN_ONLY}',
    ),
    destroy=[
        extend_schema(
            summary="Delete a variant",
            description="A product keeps at least one variant: deleting its last is a 409. "
            f"{ADMIN_ONLY}",
        ),
        extend_responses(
            errors=[
                raises(
                    409,
                    "The product's last variant.",
                    LastVariant=example(
                        {
                            "detail": "This is the product's last variant; "
                            "a product needs at least one."
                        },
                        "Last variant",
                    ),
                )
            ]
        ),
    ],
)
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


@extend_schema(tags=["Products"])
@extend_schema_view(
    create=[
        extend_schema(
            summary="Upload an image",
            description="Multipart: `image` (a JPEG, PNG, GIF or WebP file), `alt`, `position` "
            "(after the last image when left out). A file that is not a valid image, is "
            "damaged or has more than `IMAGE_MAX_PIXELS` pixels is a 400; more than "
            f"`IMAGE_MAX_BYTES` bytes a 413. {ADMIN_ONLY}",
            # A JSON body cannot carry the file: the upload is documented as multipart only.
            request={"multipart/form-data": ProductImageSerializer},
        ),
        extend_responses(
            errors=[
                raises(
                    413,
                    "The file is larger than `IMAGE_MAX_BYTES`.",
                    schema=VALIDATION_ERROR_COMPONENT,
                    ImageTooLarge=example(
                        {"image": ["The image is larger than 10485760 bytes."]}, "Too large"
                    ),
                )
            ]
        ),
    ],
    partial_update=extend_schema(
        summary="Update an image",
        description=f"`alt` and `position`; the file is fixed once uploaded. {ADMIN_ONLY}",
        examples=IMAGE_UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(
        summary="Delete an image",
        description=f"The row now, the stored file once that is committed. {ADMIN_ONLY}",
    ),
)
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
