"""Helpers of the order tests: carts filled through the models, checkout requests."""

from decimal import Decimal

from django_shopcore.carts.models import Cart, CartItem

from ..factories import ProductFactory

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


def variant_with(stock=10, price="19.99", **kwargs):
    return ProductFactory(stock=stock, price=Decimal(price), **kwargs).variants.get()


def cart_of(owner=None, lines=()):
    """A cart holding ``lines``: (variant, quantity) pairs."""
    cart = Cart.objects.create(owner=owner)
    CartItem.objects.bulk_create(
        CartItem(cart=cart, variant=variant, quantity=quantity) for variant, quantity in lines
    )
    return cart


def checkout(client, cart, headers=None, **body):
    data = {"cart": str(getattr(cart, "pk", cart)), "shipping_address": ADDRESS, **body}
    return client.post("/api/orders/", data, format="json", headers=headers or {})
