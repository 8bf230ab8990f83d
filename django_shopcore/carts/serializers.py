"""Cart serializers: the cart with its items, and the bodies that add or change a line."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from ..core.ids import MAX_BIGINT
from ..core.serializers import (
    INTEGER_ID_ERROR_MESSAGES,
    CurrencyField,
    FieldsBuiltOnceMixin,
    WholeNumberField,
    integer_id,
)
from ..core.settings import shopcore_settings
from . import rows
from .examples import ADD_ITEM_EXAMPLES, CHANGE_ITEM_EXAMPLES
from .models import Cart, CartItem


class CartItemSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """A line at the variant's current price (read with ``variant__product`` joined)."""

    sku = serializers.CharField(source="variant.sku", read_only=True)
    product = serializers.IntegerField(source="variant.product_id", read_only=True)
    name = serializers.CharField(source="variant.product.name", read_only=True)
    unit_price = serializers.DecimalField(
        source="variant.price", max_digits=10, decimal_places=2, read_only=True
    )
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = CartItem
        fields = [
            "id",
            "variant",
            "sku",
            "product",
            "name",
            "unit_price",
            "quantity",
            "line_total",
        ]
        read_only_fields = fields


# The schema of a cart's answers, which representations.py builds from plain rows.
# No docstring: it would become the schema's description of a cart.
class CartSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    items = CartItemSerializer(many=True, read_only=True)
    subtotal = serializers.SerializerMethodField()
    currency = CurrencyField()

    class Meta:
        model = Cart
        fields = ["id", "items", "subtotal", "currency", "created_at", "updated_at"]
        read_only_fields = fields

    def get_subtotal(self, cart) -> str:
        total = sum((item.line_total for item in cart.items.all()), 0)
        return serializers.DecimalField(max_digits=14, decimal_places=2).to_representation(total)


class QuantityField(WholeNumberField):
    """A line's quantity: 1 to ``CART_MAX_QUANTITY``, read per request (``override_settings``)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)

    def to_internal_value(self, data):
        quantity = super().to_internal_value(data)
        maximum = shopcore_settings.CART_MAX_QUANTITY
        if quantity > maximum:
            raise serializers.ValidationError(
                _("Must be between 1 and {maximum}.").format(maximum=maximum)
            )
        return quantity

    def schema_bounds(self):
        return {"maximum": shopcore_settings.CART_MAX_QUANTITY}


@extend_schema_field(OpenApiTypes.INT)
class ActiveVariantField(serializers.Field):
    """The id of an active variant of an active product; its value ``rows.active_variant``'s dict.

    The id is checked as ``IntegerPrimaryKeyRelatedField`` checks one, with its
    messages; the variant is then read in one plain query (with its product:
    the answer shows the line's name), not as a model instance.
    """

    default_error_messages = {
        **INTEGER_ID_ERROR_MESSAGES,
        "does_not_exist": _("No active variant with id {pk_value}."),
    }

    def to_internal_value(self, data):
        variant_id = integer_id(self, data)
        variant = rows.active_variant(variant_id)
        if variant is None:
            self.fail("does_not_exist", pk_value=variant_id)
        return variant

    def to_representation(self, value):
        return value["id"]

    def schema_bounds(self):
        return {"minimum": 1, "maximum": MAX_BIGINT}


@extend_schema_serializer(examples=ADD_ITEM_EXAMPLES)
class AddItemSerializer(serializers.Serializer):
    """``{variant, quantity}``: an active variant of an active product."""

    variant = ActiveVariantField()
    quantity = QuantityField()


@extend_schema_serializer(examples=CHANGE_ITEM_EXAMPLES)
class ChangeItemSerializer(serializers.Serializer):
    """``{quantity}``: the line's new quantity."""

    quantity = QuantityField()
