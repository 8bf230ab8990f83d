"""Serializers of the catalog: categories and products."""

from decimal import Decimal
from typing import cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from ..core.ids import MAX_INT32
from ..core.serializers import (
    IntegerPrimaryKeyRelatedField,
    IntegrityErrorAsValidationErrorMixin,
    ModelSerializer,
    SaveGivenFieldsMixin,
)
from .models import Category, Product


class CategorySerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    # A declared field, not Field.parent: DRF's metaclass takes it off the class.
    parent = IntegerPrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Category.objects.all(), allow_null=True, required=False
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
        extra_kwargs = {
            "name": {"validators": [UniqueValidator(queryset=Category.objects.all())]},
            # Derived from the name when absent, and kept on rename.
            "slug": {
                "required": False,
                "validators": [UniqueValidator(queryset=Category.objects.all())],
            },
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
    """Written as a category id; read as ``{"id", "name", "slug"}``."""

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return {"id": value.pk, "name": value.name, "slug": value.slug}

    def get_choices(self, cutoff=None):
        # Keyed by id: the representation, a dict, cannot be a choice key.
        # Never None: the field is always given a queryset.
        queryset = cast(QuerySet, self.get_queryset())
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


class ProductSerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    category = CategorySummaryField(queryset=Category.objects.all())
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    # The upper bound is PostgreSQL's integer column's.
    stock = serializers.IntegerField(min_value=0, max_value=MAX_INT32, required=False)

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
                "validators": [UniqueValidator(queryset=Product.objects.all())],
            },
        }
