"""Catalog views: the category, product, variant and image viewsets, with their API docs
(``extend_schema_view``); the read path they share is CatalogViewSet (viewsets.py)."""

from typing import cast

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from ..core.exceptions import Conflict
from ..core.pagination import ShopcorePageNumberPagination
from ..core.schema import ADMIN_ONLY
from ..core.schema_error_bodies import VALIDATION_ERROR_COMPONENT
from ..core.schema_errors import example, extend_responses, raises
from ..core.settings import shopcore_settings
from ..core.views import ShopcoreViewMixin
from .examples import IMAGE_UPDATE_EXAMPLES
from .facet_page import ProductPagination
from .filters import CategoryFilterSet, ProductFilterSet
from .images import FirstImageName
from .models import (
    Category,
    Product,
    ProductImage,
    ProductQuerySet,
    ProductVariant,
    sees_inactive,
)
from .serializers import ProductImageSerializer, ProductVariantSerializer
from .variants import refresh_product_totals
from .viewsets import CatalogViewSet


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
