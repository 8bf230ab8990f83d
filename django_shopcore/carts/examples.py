"""Request body examples of the cart serializers, for Swagger UI's "Try it out".

Ids refer to objects that must exist: variant 1 is the default variant of the
first product a shop creates (in ``make demo``'s data too); the cart and the
item are those of the path.
"""

from drf_spectacular.utils import OpenApiExample

# The id the examples give to reference an existing, active variant with stock.
EXISTING_VARIANT_ID = 1

ADD_ITEM_EXAMPLES = [
    OpenApiExample(
        "Two units of a variant",
        description=f"`variant` is the id of an active variant ({EXISTING_VARIANT_ID} here).",
        value={"variant": EXISTING_VARIANT_ID, "quantity": 2},
        request_only=True,
    ),
]

CHANGE_ITEM_EXAMPLES = [
    OpenApiExample(
        "Three units",
        value={"quantity": 3},
        request_only=True,
    ),
]
