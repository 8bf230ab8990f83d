"""Request body examples of the catalog's serializers, for Swagger UI's "Try it out".

Ids refer to objects that must exist: category 1 is the first category a
shop creates (``Electronics`` in ``make demo``'s data). Names are not in the
demo data nor in the README's walkthrough, so the examples succeed there as
they are.
"""

from drf_spectacular.utils import OpenApiExample

# The id the examples give to reference an existing category.
EXISTING_CATEGORY_ID = 1

CATEGORY_EXAMPLES = [
    OpenApiExample(
        "A root category",
        value={"name": "Spices", "description": "Whole and ground spices.", "parent": None},
        request_only=True,
    ),
    OpenApiExample(
        "A subcategory",
        description=f"`parent` is the id of an existing category ({EXISTING_CATEGORY_ID} here).",
        value={
            "name": "Peppercorns",
            "slug": "peppercorns",
            "description": "Black, white, green and pink.",
            "parent": EXISTING_CATEGORY_ID,
        },
        request_only=True,
    ),
]

PRODUCT_EXAMPLES = [
    OpenApiExample(
        "A product",
        description=(
            f"`category` is the id of an existing category ({EXISTING_CATEGORY_ID} here); "
            "the slug is derived from the name."
        ),
        value={
            "name": "Sencha Kabusecha, 100 g",
            "category": EXISTING_CATEGORY_ID,
            "price": "12.90",
            "description": "Shade-grown Japanese green tea, sweet and grassy.",
            "stock": 40,
            "is_active": True,
        },
        request_only=True,
    ),
]

VARIANT_EXAMPLES = [
    OpenApiExample(
        "A variant",
        description="`sku` is unique in the shop; `options` maps option names to values.",
        value={
            "sku": "SENCHA-KABUSECHA-250G",
            "options": {"size": "250 g"},
            "price": "28.50",
            "stock": 12,
            "is_active": True,
        },
        request_only=True,
    ),
]

IMAGE_UPDATE_EXAMPLES = [
    OpenApiExample(
        "New alt text and position",
        value={"alt": "The tin, side view", "position": 0},
        request_only=True,
    ),
]
