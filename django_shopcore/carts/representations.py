"""The cart as ``CartSerializer`` shows it, from the plain rows of rows.py.

A ModelSerializer copies its fields for every cart and every line and reads
each value through model instances; here the serializer's own field objects,
built once, convert only the values that need it (prices and date-times), so
the JSON is the same whatever REST_FRAMEWORK says about decimals or dates.
``tests/carts/test_cart_representation.py`` holds the two to the same output.
"""

from decimal import Decimal

from rest_framework import serializers

from ..core.serializers import BuiltOnFirstUse
from ..core.settings import shopcore_settings
from .serializers import CartItemSerializer, CartSerializer


class CartRepresentation:
    def __init__(self):
        cart_fields = CartSerializer().fields
        item_fields = CartItemSerializer().fields
        self.cart_id = cart_fields["id"].to_representation
        self.created_at = cart_fields["created_at"].to_representation
        self.updated_at = cart_fields["updated_at"].to_representation
        self.unit_price = item_fields["unit_price"].to_representation
        self.line_total = item_fields["line_total"].to_representation
        # As CartSerializer.get_subtotal shows it.
        self.subtotal = serializers.DecimalField(max_digits=14, decimal_places=2).to_representation

    def represent(self, cart, lines):
        """``cart`` (``rows.cart_of``'s dict) holding ``lines`` (``rows.lines_of``'s)."""
        items, subtotal = [], Decimal(0)
        for line in lines:
            total = line["price"] * line["quantity"]
            subtotal += total
            items.append(
                {
                    "id": line["id"],
                    "variant": line["variant_id"],
                    "sku": line["sku"],
                    "product": line["product_id"],
                    "name": line["name"],
                    "unit_price": self.unit_price(line["price"]),
                    "quantity": line["quantity"],
                    "line_total": self.line_total(total),
                }
            )
        return {
            "id": self.cart_id(cart["id"]),
            "items": items,
            "subtotal": self.subtotal(subtotal),
            "currency": shopcore_settings.CURRENCY,
            "created_at": self.created_at(cart["created_at"]),
            "updated_at": self.updated_at(cart["updated_at"]),
        }


representation = BuiltOnFirstUse(CartRepresentation)


def represent(cart, lines):
    """The cart's JSON body, as ``CartSerializer`` would give it."""
    return representation().represent(cart, lines)
