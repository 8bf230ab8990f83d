"""Checkout's 201 body: the order as ``PlacedOrderSerializer`` shows it, without its copying.

A ModelSerializer deep-copies its fields for the order, its address and each
line, which cost more CPU than the checkout's SQL statements; here the
serializers' own field objects, built once, convert each value, so the JSON
is the same whatever REST_FRAMEWORK says about decimals or dates.
``tests/orders/test_placed_order_representation.py`` holds the two to the
same output, field order included.
"""

from django.core.signals import setting_changed

from .serializers import (
    OrderLineSerializer,
    PlacedOrderSerializer,
    StoredShippingAddressSerializer,
)

# Fields shown as the model holds them: no conversion.
AS_STORED = {"id", "number", "email", "currency", "sku", "product_name", "quantity"}


class PlacedOrderRepresentation:
    def __init__(self):
        self.order_fields = self.converters(
            PlacedOrderSerializer().fields, nested=("lines", "shipping_address")
        )
        self.line_fields = self.converters(OrderLineSerializer().fields)
        self.address_fields = self.converters(StoredShippingAddressSerializer().fields)

    @staticmethod
    def converters(fields, nested=()):
        """``[(name, to_representation or None)]`` in the serializer's order (None: as stored)."""
        return [
            (name, None if name in AS_STORED or name in nested else field.to_representation)
            for name, field in fields.items()
        ]

    def represent(self, order):
        """``order``, placed by ``checkout.place_order``, with its ``placed_lines``."""
        values = {
            "lines": [self.line(line) for line in order.placed_lines],
            "shipping_address": self.address(order.shipping_address),
        }
        return {
            name: values[name]
            if name in values
            else (convert(getattr(order, name)) if convert else getattr(order, name))
            for name, convert in self.order_fields
        }

    def line(self, line):
        return {name: self.line_value(line, name, convert) for name, convert in self.line_fields}

    @staticmethod
    def line_value(line, name, convert):
        if name == "variant":  # A primary key: its id, as DRF's related field shows it.
            return line.variant_id
        value = getattr(line, name)
        return convert(value) if convert else value

    def address(self, address):
        return {name: convert(address[name]) for name, convert in self.address_fields}


# Built on first use: the serializers' fields read REST_FRAMEWORK's settings.
_representation: list[PlacedOrderRepresentation] = []


def represent(order):
    """Checkout's 201 body for ``order``, as ``PlacedOrderSerializer`` would give it."""
    if not _representation:
        _representation.append(PlacedOrderRepresentation())
    return _representation[0].represent(order)


def forget_representation(*, setting, **kwargs):
    if setting == "REST_FRAMEWORK":
        _representation.clear()


setting_changed.connect(forget_representation)
