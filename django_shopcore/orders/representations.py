"""Checkout's 201 body: the order as ``PlacedOrderSerializer`` shows it, without its copying.

A ModelSerializer deep-copies its fields for the order, its address and each
line, which cost more CPU than the checkout's SQL statements; here the
serializers' own field objects, built once, convert each value, so the JSON
is the same whatever REST_FRAMEWORK says about decimals or dates.
``tests/orders/test_placed_order_representation.py`` holds the two to the
same output, field order included.
"""

from ..core.serializers import BuiltOnFirstUse
from .serializers import (
    OrderLineSerializer,
    PlacedOrderSerializer,
    StoredShippingAddressSerializer,
)

# Fields whose values are built from the order's lines and address, not one attribute.
NESTED = ("lines", "shipping_address")


class PlacedOrderRepresentation:
    def __init__(self):
        self.order_fields = converters(PlacedOrderSerializer())
        self.line_fields = converters(OrderLineSerializer())
        self.address_fields = converters(StoredShippingAddressSerializer())

    def represent(self, order):
        """``order``, placed by ``checkout.place_order``, with its ``placed_lines``."""
        nested = {
            "lines": [self.line(line) for line in order.placed_lines],
            "shipping_address": self.address(order.shipping_address),
        }
        return {
            name: nested[name] if name in NESTED else convert(getattr(order, name))
            for name, convert in self.order_fields
        }

    def line(self, line):
        return {
            # A primary key: its id, as DRF's related field shows it (no variant read).
            name: line.variant_id if name == "variant" else convert(getattr(line, name))
            for name, convert in self.line_fields
        }

    def address(self, address):
        return {name: convert(address[name]) for name, convert in self.address_fields}


def converters(serializer):
    """``[(name, to_representation)]`` of the serializer's fields, in its order."""
    return [(name, field.to_representation) for name, field in serializer.fields.items()]


representation = BuiltOnFirstUse(PlacedOrderRepresentation)


def represent(order):
    """Checkout's 201 body for ``order``, as ``PlacedOrderSerializer`` would give it."""
    return representation().represent(order)
