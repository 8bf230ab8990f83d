"""Serializers of the catalog: categories and products."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..core.ids import MAX_INT32
from ..core.serializers import (
    DecimalField,
    IntegerPrimaryKeyRelatedField,
    IntegrityErrorAsValidationErrorMixin,
    ModelSerializer,
    SaveGivenFieldsMixin,
)
from .models import Category, Product

# How a product shows its category: these fields of it, in this order.
CATEGORY_SUMMARY_FIELDS = ("id", "name", "slug")


@extend_schema_serializer(description="A category: a node of the category tree.")
class CategorySerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    parent = IntegerPrimaryKeyRelatedField(
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
        queryset = self.get_queryset()
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


@extend_schema_serializer(
    description="A product. Its `category` is written as an id and read as `{id, name, slug}`."
)
class ProductSerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    category = CategorySummaryField(queryset=Category.objects.all())
    price = DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_('A decimal with 2 places, as a string (`"19.99"`); not negative.'),
    )
    # The upper bound is PostgreSQL's integer column's.
    stock = serializers.IntegerField(
        min_value=0,
        max_value=MAX_INT32,
        required=False,
        help_text=_("Units in stock; not negative. 0 when left out."),
    )

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
        }
