"""Request body examples of the checkout serializer, for Swagger UI's "Try it out".

The cart is one that ``carts/`` created and ``carts/{id}/items/`` filled, by
the user placing the order (or by nobody).
"""

from drf_spectacular.utils import OpenApiExample

# A UUID, as the schema says a cart id is: replace it with the id that `carts/` returned.
CART_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"

CHECKOUT_EXAMPLES = [
    OpenApiExample(
        "A cart shipped to London",
        description="`cart` is the `id` that `carts/` returned, with at least one item. Add "
        "`expected_total` (the total shown to the buyer) to get a 409 if the prices changed.",
        value={
            "cart": CART_PLACEHOLDER,
            "shipping_address": {
                "name": "Ada Lovelace",
                "line1": "12 St James's Square",
                "line2": "",
                "city": "London",
                "postal_code": "SW1Y 4JH",
                "country": "GB",
            },
        },
        request_only=True,
    ),
]
