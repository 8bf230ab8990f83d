"""The product list's pages: on ``facets=true`` they carry the facet counts, documented here."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..core.ids import MAX_BIGINT
from .facets import FACETS_PARAMETER, facets_requested, product_facets
from .pagination import CatalogPagination

# The component drf-spectacular names after ProductFacetsSerializer.
FACETS_COMPONENT = "#/components/schemas/ProductFacets"


class ProductPagination(CatalogPagination):
    """CatalogPagination; ``facets=true`` adds ``facets`` (facets.py) after ``results``."""

    with_facets = False

    def paginate_queryset(
        self,
        queryset,
        request,
        view=None,
        known_count=None,
        category_partition=None,
        known_order=None,
    ):
        # Checked first: a bad value is a 400 before any query.
        self.with_facets = facets_requested(request)
        return super().paginate_queryset(
            queryset,
            request,
            view=view,
            known_count=known_count,
            category_partition=category_partition,
            known_order=known_order,
        )

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.with_facets:
            response.data["facets"] = product_facets(
                self.request, self.count_queryset, self.get_count()
            )
        return response

    def get_paginated_response_schema(self, schema):
        response_schema = super().get_paginated_response_schema(schema)
        response_schema["properties"]["facets"] = {"$ref": FACETS_COMPONENT}
        return response_schema

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": FACETS_PARAMETER,
                "required": False,
                "in": "query",
                "description": "`true` adds `facets` to the page: how many products each "
                "category child, price bucket and option value would list, given every other "
                "filter. Anything but `true`, `false` or empty is a 400.",
                "schema": {"type": "boolean"},
            },
        ]


class CategoryFacetSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT)
    name = serializers.CharField()
    slug = serializers.CharField()
    count = serializers.IntegerField(
        min_value=0, max_value=MAX_BIGINT, help_text=_("Products in the category and its subtree.")
    )


class PriceFacetSerializer(serializers.Serializer):
    min = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_("The lowest price in the bucket."),
    )
    max = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        allow_null=True,
        help_text=_("Prices in the bucket are below this; null for the last bucket."),
    )
    count = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT)


class OptionFacetSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT)


@extend_schema_serializer(
    description="Facet counts (with `facets=true`): the products that match every filter "
    "of the request but the facet's own. `category`: the children of the filtered category "
    "(the roots without one), each counted over its subtree, by name. `price`: the buckets of "
    "`FACET_PRICE_EDGES`, all of them, ignoring `min_price` and `max_price`. `options`: per "
    "option name, the values of the active variants, most products first, ignoring that "
    "name's `option` values (values of one name are alternatives); zero counts are left out."
)
class ProductFacetsSerializer(serializers.Serializer):
    """The ``facets`` object, for the schema (facets.py builds it)."""

    category = CategoryFacetSerializer(many=True)
    price = PriceFacetSerializer(many=True)
    options = serializers.DictField(child=OptionFacetSerializer(many=True))
    exact = serializers.BooleanField(
        help_text=_(
            "False when some counts are estimates, scaled up from a sample of the catalog: "
            "lists whose count is an estimate (`count_exact` false), filtered by more than "
            "category, stock and activity."
        )
    )
