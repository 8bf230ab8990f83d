"""drf-spectacular extensions for the catalog's filters and fields."""

import django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from ..core.ids import ID_MAX_DIGITS
from ..core.schema import PageNumberPaginationExtension, ordering_enum_names
from ..core.settings import shopcore_settings
from .facet_page import ProductFacetsSerializer
from .filter_base import BooleanChoiceFilter
from .filter_fields import ParentReferenceField, SearchField
from .models import Category
from .option_filter import OptionFilter
from .search_filter import ProductOrderingFilter
from .serializers import CATEGORY_SUMMARY_FIELDS

# What the catalog's query parameters mean, where their filters say nothing.
FILTER_DESCRIPTIONS = {
    "min_price": "Only products costing at least this much, e.g. `10.00`.",
    "max_price": "Only products costing at most this much, e.g. `99.99`.",
    "in_stock": "`true` keeps products in stock (stock > 0); `false` those out of stock.",
    "is_active": "`true` keeps active products, `false` inactive ones (which only admins see).",
    "ordering": "Sort keys, comma-separated; a leading `-` sorts descending "
    "(`-price,name`). Repeating the parameter (`ordering=-price&ordering=name`) "
    "adds its keys after the earlier ones. Ties are broken by id, so pages never overlap.",
}


def decimal_string_schema(max_digits, decimal_places):
    """drf-spectacular's schema of a DecimalField, for a decimal query parameter."""
    return {
        "type": "string",
        "format": "decimal",
        "pattern": rf"^-?\d{{0,{max_digits - decimal_places}}}(?:\.\d{{0,{decimal_places}}})?$",
    }


class ShopcoreFilterExtension(DjangoFilterExtension):
    """drf-spectacular's django-filter support, plus what shopcore's filters leave implicit."""

    # Chosen over the contrib extension it refines.
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if isinstance(filter_field, OptionFilter):
            parameters = [
                build_parameter_type(
                    name=field_name,
                    schema={"type": "array", "items": {"type": "string", "pattern": "^[^:]+:.+$"}},
                    location=OpenApiParameter.QUERY,
                    description=str(filter_field.extra["help_text"]),
                    explode=True,
                )
            ]
        elif isinstance(filter_field, BooleanChoiceFilter):
            parameters = [
                build_parameter_type(
                    name=field_name, schema={"type": "boolean"}, location=OpenApiParameter.QUERY
                )
            ]
        else:
            parameters = super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        schema = parameters[0]["schema"]
        if issubclass(filter_field.field_class, SearchField):
            schema["maxLength"] = shopcore_settings.SEARCH_MAX_LENGTH
        elif issubclass(filter_field.field_class, ParentReferenceField):
            # Empty, like every filter left blank, means no filtering.
            schema["pattern"] = rf"^(?:[0-9]{{1,{ID_MAX_DIGITS}}}|null)?$"
        elif filter_field.extra.get("decimal_places") is not None:
            # A decimal as in request bodies: a string, so no digit is lost to floats.
            parameters[0]["schema"] = decimal_string_schema(
                filter_field.extra["max_digits"], filter_field.extra["decimal_places"]
            )
        for parameter in parameters:
            if parameter["name"] in FILTER_DESCRIPTIONS and not filter_field.extra.get(
                "help_text"
            ):
                parameter["description"] = FILTER_DESCRIPTIONS[parameter["name"]]
        if isinstance(filter_field, django_filters.OrderingFilter):
            items = parameters[0]["schema"]["items"]
            items["x-enum-varnames"] = ordering_enum_names(items["enum"])
        if isinstance(filter_field, ProductOrderingFilter):
            parameters[0]["description"] += (
                " `relevance` puts the best matches of `search` first (newest first without one)."
            )
        return parameters


class CategorySummarySerializer(serializers.ModelSerializer):
    """How a product shows its category."""

    class Meta:
        model = Category
        fields = CATEGORY_SUMMARY_FIELDS


class CategorySummaryFieldExtension(OpenApiSerializerFieldExtension):
    """A product's ``category``: written as an id, read as ``{id, name, slug}``."""

    target_class = "django_shopcore.catalog.serializers.CategorySummaryField"
    match_subclasses = True

    # The request's description: a help_text would also wrap the response's $ref in allOf.
    request_description = "The category's id."

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            # Private, as drf-spectacular's own docs have field extensions call it:
            # the field's default schema, which has no public accessor.
            schema = auto_schema._map_serializer_field(
                self.target, direction, bypass_extensions=True
            )
            return {**schema, "description": self.request_description}
        return auto_schema.resolve_serializer(CategorySummarySerializer, direction).ref


class ProductPaginationExtension(PageNumberPaginationExtension):
    """The product pages' parameters (``facets`` among them); registers the facets component
    that their response schema refers to."""

    target_class = "django_shopcore.catalog.facet_page.ProductPagination"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        auto_schema.resolve_serializer(ProductFacetsSerializer, "response")
        return super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
