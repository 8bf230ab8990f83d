"""The admin's part: build the storefront's catalog, and update and delete in it."""

import dataclasses
import io
from http import HTTPStatus

from PIL import Image
from shopcore_client import AuthenticatedClient
from shopcore_client.api.categories import (
    categories_create,
    categories_destroy,
    categories_partial_update,
    categories_retrieve,
)
from shopcore_client.api.products import (
    products_create,
    products_destroy,
    products_images_create,
    products_partial_update,
    products_retrieve,
    products_variants_create,
    products_variants_partial_update,
)
from shopcore_client.models import (
    Category,
    CategoryRequest,
    Error,
    PatchedCategoryRequest,
    PatchedProductRequest,
    PatchedProductVariantRequest,
    PatchedProductVariantRequestOptions,
    Product,
    ProductDetail,
    ProductImage,
    ProductImageRequest,
    ProductRequest,
    ProductVariant,
    ProductVariantRequest,
    ProductVariantRequestOptions,
)
from shopcore_client.types import File

from .responses import check, expect, expect_no_content

IMAGE_SIZE = (64, 48)


@dataclasses.dataclass(frozen=True)
class Catalog:
    """What the admin created, for the shopper to find."""

    coffee: Category
    tea: Category
    beans: Category
    brewers: Category
    # name -> product
    products: dict[str, Product]
    # Ethiopia Yirgacheffe's variants by size.
    ethiopia_sizes: dict[str, ProductVariant]


# (category, name, price, stock, description)
PRODUCTS = [
    ("beans", "Ethiopia Yirgacheffe", "14.50", 25, "Floral and citrus, a light roast."),
    ("beans", "Colombia Huila", "12.00", 40, "Caramel and red apple, a medium roast."),
    ("beans", "Sumatra Mandheling", "13.25", 0, "Earthy, a dark roast."),
    ("brewers", "Pour-Over Kettle", "69.00", 19, "Gooseneck spout, temperature control."),
    ("brewers", "Burr Grinder", "129.00", 14, "Conical steel burrs, 40 settings."),
    ("tea", "Sencha", "8.50", 40, "Japanese green tea."),
]


def create_category(
    admin: AuthenticatedClient, name: str, description: str, parent: Category | None = None
) -> Category:
    body = CategoryRequest(
        name=name, description=description, parent=parent.id if parent else None
    )
    return expect(
        categories_create.sync_detailed(client=admin, body=body), HTTPStatus.CREATED, Category
    )


def create_product(
    admin: AuthenticatedClient, category: Category, name: str, price: str, stock: int, text: str
) -> Product:
    body = ProductRequest(
        name=name, category=category.id, price=price, stock=stock, description=text
    )
    return expect(
        products_create.sync_detailed(client=admin, body=body), HTTPStatus.CREATED, Product
    )


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (111, 78, 55)).save(buffer, format="PNG")
    return buffer.getvalue()


def build_catalog(admin: AuthenticatedClient) -> Catalog:
    coffee = create_category(admin, "Coffee", "Beans, and what brews them.")
    tea = create_category(admin, "Tea", "Leaves.")
    beans = create_category(admin, "Beans", "Roasted coffee beans.", coffee)
    brewers = create_category(admin, "Brewers", "Kettles and grinders.", coffee)
    categories = {"beans": beans, "brewers": brewers, "tea": tea}
    products = {
        name: create_product(admin, categories[category], name, price, stock, text)
        for category, name, price, stock, text in PRODUCTS
    }
    ethiopia_sizes = add_sizes(admin, products["Ethiopia Yirgacheffe"])
    add_sizes(admin, products["Colombia Huila"], larger=False)
    upload_image(admin, products["Ethiopia Yirgacheffe"])
    return Catalog(coffee, tea, beans, brewers, products, ethiopia_sizes)


def add_sizes(
    admin: AuthenticatedClient, product: Product, larger: bool = True
) -> dict[str, ProductVariant]:
    """The default variant becomes the 250 g bag; with ``larger``, a 1 kg bag is added."""
    detail = expect(
        products_retrieve.sync_detailed(product.id, client=admin), HTTPStatus.OK, ProductDetail
    )
    check(len(detail.variants) == 1, f"{product.name}: one default variant, {detail.variants}")
    small_options = PatchedProductVariantRequestOptions.from_dict({"size": "250 g"})
    small = expect(
        products_variants_partial_update.sync_detailed(
            product.id,
            detail.variants[0].id,
            client=admin,
            body=PatchedProductVariantRequest(sku=f"P{product.id}-250G", options=small_options),
        ),
        HTTPStatus.OK,
        ProductVariant,
    )
    sizes = {"250 g": small}
    if larger:
        sizes["1 kg"] = expect(
            products_variants_create.sync_detailed(
                product.id,
                client=admin,
                body=ProductVariantRequest(
                    sku=f"P{product.id}-1KG",
                    price="48.00",
                    stock=5,
                    options=ProductVariantRequestOptions.from_dict({"size": "1 kg"}),
                ),
            ),
            HTTPStatus.CREATED,
            ProductVariant,
        )
    return sizes


def upload_image(admin: AuthenticatedClient, product: Product) -> ProductImage:
    upload = File(payload=io.BytesIO(png(IMAGE_SIZE)), file_name="bag.png", mime_type="image/png")
    image = expect(
        products_images_create.sync_detailed(
            product.id,
            client=admin,
            body=ProductImageRequest(image=upload, alt=f"A bag of {product.name}", position=0),
        ),
        HTTPStatus.CREATED,
        ProductImage,
    )
    check((image.width, image.height) == IMAGE_SIZE, f"image size {image.width}x{image.height}")
    return image


def update_and_delete(admin: AuthenticatedClient, catalog: Catalog) -> None:
    """PATCH a category and a product; create then delete a category and a product."""
    tea = expect(
        categories_partial_update.sync_detailed(
            catalog.tea.id,
            client=admin,
            body=PatchedCategoryRequest(description="Green, black and oolong leaves."),
        ),
        HTTPStatus.OK,
        Category,
    )
    check(tea.description == "Green, black and oolong leaves.", f"tea: {tea.description!r}")
    kettle = catalog.products["Pour-Over Kettle"]
    updated = expect(
        products_partial_update.sync_detailed(
            kettle.id, client=admin, body=PatchedProductRequest(description="Gooseneck, 1 l.")
        ),
        HTTPStatus.OK,
        Product,
    )
    check(updated.description == "Gooseneck, 1 l.", f"kettle: {updated.description!r}")

    mugs = create_category(admin, "Mugs", "Short-lived.", catalog.coffee)
    mug = create_product(admin, mugs, "Enamel Mug", "9.00", 3, "Blue.")
    expect_no_content(products_destroy.sync_detailed(mug.id, client=admin))
    expect_no_content(categories_destroy.sync_detailed(mugs.id, client=admin))
    gone = categories_retrieve.sync_detailed(mugs.id, client=admin)
    expect(gone, HTTPStatus.NOT_FOUND, Error)
