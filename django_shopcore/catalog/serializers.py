"""Serializers of the catalog: categories, products, their variants and images."""

from decimal import Decimal
from typing import cast

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from ..core.ids import MAX_INT32
from ..core.serializers import (
    CurrencyField,
    DecimalField,
    IntegerPrimaryKeyRelatedField,
    IntegrityErrorAsValidationErrorMixin,
    ModelSerializer,
    SaveGivenFieldsMixin,
)
from ..core.settings import shopcore_settings
from .examples import CATEGORY_EXAMPLES, PRODUCT_EXAMPLES, VARIANT_EXAMPLES
from .images import check_upload, image_url
from .models import (
    OPTION_NAME_MAX_LENGTH,
    OPTION_VALUE_MAX_LENGTH,
    Category,
    Product,
    ProductImage,
    ProductVariant,
)
from .variants import refresh_product_totals, save_options

# More options than any real product has; bounds the rows a variant writes.
MAX_OPTIONS = 20
# A category's or a product's description, in characters: pages of text, not megabytes.
DESCRIPTION_MAX_LENGTH = 20_000
# The product fields that belong to its variants.
VARIANT_FIELDS = ("price", "stock")

# How a product shows its category: these fields of it, in this order.
CATEGORY_SUMMARY_FIELDS = ("id", "name", "slug")


@extend_schema_serializer(
    description="A category: a node of the category tree.", examples=CATEGORY_EXAMPLES
)
class CategorySerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    # A declared field, which DRF's serializer metaclass takes out of the class
    # attributes: it never shadows Field.parent (the enclosing serializer).
    parent = IntegerPrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("The parent category's id, or null for a root category."),
    )

    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "parent",
            "depth",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["depth"]
        # DRF derives the name's and slug's UniqueValidators from the unique constraints.
        extra_kwargs = {
            "name": {"help_text": _("Unique.")},
            # Derived from the name when absent, and kept on rename.
            "slug": {
                "required": False,
                "help_text": _("Unique; derived from the name when left out."),
            },
            "depth": {"help_text": _("0 for a root category, 1 for its children, and so on.")},
            "description": {"max_length": DESCRIPTION_MAX_LENGTH},
        }

    def validate_parent(self, parent):
        category = self.instance or Category()
        if category.would_make_cycle(parent):
            raise serializers.ValidationError(
                _("A category cannot be moved under itself or one of its subcategories.")
            )
        if not category.fits_under(parent):
            raise serializers.ValidationError(_("Categories cannot be nested this deeply."))
        return parent


class CategorySummaryField(IntegerPrimaryKeyRelatedField):
    """Written as a category id; read as the category's ``CATEGORY_SUMMARY_FIELDS``."""

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return {name: getattr(value, name) for name in CATEGORY_SUMMARY_FIELDS}

    def get_choices(self, cutoff=None):
        # Keyed by id: the representation, a dict, cannot be a choice key.
        # Never None: the field is always given a queryset.
        queryset = cast(QuerySet, self.get_queryset())
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "string",
            "minLength": 1,
            "maxLength": OPTION_VALUE_MAX_LENGTH,
        },
        "maxProperties": MAX_OPTIONS,
        "description": f"Option names (at most {OPTION_NAME_MAX_LENGTH} characters, no colon) "
        "to values.",
    }
)
class OptionsField(serializers.JSONField):
    """A variant's options: an object of up to ``MAX_OPTIONS`` text names to text values."""

    default_error_messages = {
        "not_an_object": _("Expected an object of option names to values."),
        "too_many": _("A variant has at most {max} options.").format(max=MAX_OPTIONS),
        "invalid_name": _(
            "Option names are text of 1 to {max} characters, without a colon."
        ).format(max=OPTION_NAME_MAX_LENGTH),
        "invalid_value": _("Option values are text of 1 to {max} characters.").format(
            max=OPTION_VALUE_MAX_LENGTH
        ),
    }

    def to_internal_value(self, data):
        options = super().to_internal_value(data)
        if not isinstance(options, dict):
            self.fail("not_an_object")
        if len(options) > MAX_OPTIONS:
            self.fail("too_many")
        for name, value in options.items():
            # A colon would make ``option=name:value`` ambiguous.
            if not 1 <= len(name) <= OPTION_NAME_MAX_LENGTH or ":" in name or "\x00" in name:
                self.fail("invalid_name")
            if not isinstance(value, str) or not 1 <= len(value) <= OPTION_VALUE_MAX_LENGTH:
                self.fail("invalid_value")
            if "\x00" in value:
                self.fail("invalid_value")
        return options


@extend_schema_serializer(examples=VARIANT_EXAMPLES)
class ProductVariantSerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    """A variant; its writes keep the option rows and the product's price and stock in step."""

    options = OptionsField(required=False)
    price = DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    # The upper bound is PostgreSQL's integer column's.
    stock = serializers.IntegerField(min_value=0, max_value=MAX_INT32, required=False)

    class Meta:
        model = ProductVariant
        fields = [
            "id",
            "product",
            "sku",
            "options",
            "price",
            "stock",
            "is_active",
            "created_at",
            "updated_at",
        ]
        # Set from the URL: a variant never moves to another product.
        read_only_fields = ["product"]

    def create(self, validated_data):
        variant = super().create(validated_data)
        if variant.options:
            save_options(variant)
        refresh_product_totals([variant.product_id])
        return variant

    def update(self, instance, validated_data):
        variant = super().update(instance, validated_data)
        if "options" in validated_data:
            save_options(variant)
        # The options count in the facets too.
        if {"options", "price", "stock", "is_active"} & set(validated_data):
            refresh_product_totals([variant.product_id])
        return variant


class ImageUploadField(serializers.ImageField):
    """An uploaded image, checked for size, pixels and integrity (images.check_upload)."""

    def to_internal_value(self, data):
        if hasattr(data, "size") and hasattr(data, "seek"):
            check_upload(data)
        return super().to_internal_value(data)

    def schema_bounds(self):
        return {"maxLength": shopcore_settings.IMAGE_MAX_BYTES}


class ProductImageSerializer(IntegrityErrorAsValidationErrorMixin, ModelSerializer):
    """An image: uploaded once as ``image``, then shown as ``url`` with its size in pixels."""

    image = ImageUploadField(write_only=True)
    url = serializers.SerializerMethodField()
    # Left out: after the product's last image.
    position = serializers.IntegerField(min_value=0, max_value=MAX_INT32, required=False)

    class Meta:
        model = ProductImage
        fields = ["id", "image", "url", "alt", "position", "width", "height"]
        read_only_fields = ["width", "height"]

    def get_fields(self):
        fields = super().get_fields()
        # The file is fixed once uploaded: a new picture is a new image.
        if self.instance is not None:
            fields["image"].read_only = True
        return fields

    def get_url(self, image) -> str:
        return image_url(image.image.name, self.context.get("request"))

    def create(self, validated_data):
        if "position" not in validated_data:
            last = validated_data["product"].images.aggregate(last=Max("position"))["last"]
            # After the last one; at the column's bound, beside it (ties show in id order).
            validated_data["position"] = 0 if last is None else min(last + 1, MAX_INT32)
        return super().create(validated_data)


class FirstImageField(serializers.URLField):
    """A product's first image's URL (by position), or null."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", allow_null=True, **kwargs)

    def to_representation(self, product):
        # The product views annotate it; a product just created has none.
        name = getattr(product, "first_image", None)
        return image_url(name, self.context.get("request"))


@extend_schema_serializer(
    description="A product. Its `category` is written as an id and read as `{id, name, slug}`.",
    examples=PRODUCT_EXAMPLES,
)
class ProductSerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    """A product; its ``price`` and ``stock`` are its variants' (written to a lone variant)."""

    category = CategorySummaryField(queryset=Category.objects.all())
    # Required to create a product (its default variant's); optional in a PUT,
    # which cannot set it on a product of several variants.
    price = DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_('A decimal with 2 places, as a string (`"19.99"`); not negative.'),
    )
    # The upper bound is PostgreSQL's integer column's.
    stock = serializers.IntegerField(
        min_value=0,
        max_value=MAX_INT32,
        required=False,
        help_text=_("Units in stock; not negative. 0 when left out."),
    )
    currency = CurrencyField()
    image = FirstImageField()

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "category",
            "price",
            "description",
            "stock",
            "currency",
            "image",
            "is_active",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            # Derived from the name when absent (with a -2, -3... suffix if taken).
            "slug": {
                "required": False,
                "help_text": _("Unique; derived from the name when left out."),
            },
            "is_active": {
                "help_text": _("Inactive products are hidden from everyone but admins.")
            },
            "description": {"max_length": DESCRIPTION_MAX_LENGTH},
        }

    def get_fields(self):
        fields = super().get_fields()
        fields["price"].required = self.instance is None
        return fields

    def update(self, instance, validated_data):
        variant_values = {
            name: validated_data.pop(name) for name in VARIANT_FIELDS if name in validated_data
        }
        if variant_values:
            self.write_lone_variant(instance, variant_values)
            if not validated_data:  # The totals' UPDATE has set updated_at already.
                return instance
        return super().update(instance, validated_data)

    def write_lone_variant(self, product, values):
        """Writes ``values`` to the product's only variant; a 400 when it has several.

        The variants are locked first (variant rows, then the product row: the
        order of every variant write), so a variant added meanwhile waits.
        """
        variant_ids = list(
            ProductVariant.objects.select_for_update()
            .filter(product=product)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if len(variant_ids) > 1:
            # Sending back the value it has (a PUT of what a GET showed) is no change.
            changed = [name for name, value in values.items() if value != getattr(product, name)]
            if changed:
                message = _("This product has several variants: set it on each variant.")
                raise serializers.ValidationError({name: [message] for name in changed})
            return
        ProductVariant.objects.filter(pk__in=variant_ids).update(
            **values, updated_at=timezone.now()
        )
        refresh_product_totals([product.pk])
        product.price, product.stock = (
            Product.objects.filter(pk=product.pk).values_list("price", "stock").get()
        )


class ProductDetailSerializer(ProductSerializer):
    """A product with its variants (those the caller may see) and images (the view prefetches)."""

    variants = ProductVariantSerializer(many=True, read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "variants", "images"]
