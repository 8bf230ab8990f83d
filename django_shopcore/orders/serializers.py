"""Order serializers: the order with its line snapshots, and the checkout body."""

import unicodedata

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..catalog.serializers import OptionsField
from ..core.countries import COUNTRY_CODES
from ..core.serializers import DecimalField, FieldsBuiltOnceMixin, TextField, TextOnlyMixin
from .examples import CHECKOUT_EXAMPLES
from .models import Order, OrderLine

# Unicode categories refused in an address: control characters and line/paragraph separators.
CONTROL_CATEGORIES = {"Cc", "Zl", "Zp"}


def no_control_characters(value):
    if any(unicodedata.category(char) in CONTROL_CATEGORIES for char in value):
        raise serializers.ValidationError(_("Control characters are not allowed."))


def address_field(max_length, **kwargs):
    return TextField(max_length=max_length, validators=[no_control_characters], **kwargs)


class ShippingAddressSerializer(serializers.Serializer):
    name = address_field(200)
    line1 = address_field(200)
    line2 = address_field(200, required=False, allow_blank=True, default="")
    city = address_field(100)
    postal_code = address_field(20)
    # ISO 3166-1 alpha-2, upper case ("DE").
    country = TextField(min_length=2, max_length=2)

    def validate_country(self, country):
        if country not in COUNTRY_CODES:
            raise serializers.ValidationError(
                _("Not an ISO 3166-1 alpha-2 country code (upper case, e.g. DE).")
            )
        return country


class CartIdField(TextOnlyMixin, serializers.UUIDField):
    """A cart's UUID as a string (DRF's field also turns an integer into a UUID)."""


class StoredShippingAddressSerializer(ShippingAddressSerializer):
    """An order's address as checkout stored it: every field, ``line2`` "" when not given."""

    # Always in the stored address (checkout fills its default), so always rendered.
    line2 = address_field(200, allow_blank=True)


@extend_schema_serializer(examples=CHECKOUT_EXAMPLES)
class CheckoutSerializer(serializers.Serializer):
    cart = CartIdField()
    shipping_address = ShippingAddressSerializer()
    # The total the buyer saw; a different computed total is a 409 (the prices changed).
    expected_total = DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)


class OrderLineSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    # The variant's options when ordered (typed in the schema, unlike a bare JSON field).
    options = OptionsField(read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "variant",
            "sku",
            "product_name",
            "options",
            "unit_price",
            "quantity",
            "line_total",
        ]
        read_only_fields = fields


class OrderSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    # Stored as given at checkout; shown with the same fields.
    shipping_address = StoredShippingAddressSerializer(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "email",
            "shipping_address",
            "lines",
            "subtotal",
            "total",
            "currency",
            "payment_due_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PlacedOrderSerializer(OrderSerializer):
    """Checkout's answer: the order as placed, its lines from memory (``placed_lines``)."""

    lines = OrderLineSerializer(many=True, read_only=True, source="placed_lines")
