"""The shopper browses: the category tree, product lists with every filter, pages, a detail."""

from collections.abc import Iterator
from http import HTTPStatus

from shopcore_client import AuthenticatedClient
from shopcore_client.api.categories import categories_list, categories_retrieve
from shopcore_client.api.products import products_list, products_retrieve
from shopcore_client.models import (
    Category,
    PaginatedCategoryList,
    PaginatedProductList,
    ProductDetail,
    ProductsListOrderingItem,
    ProductVariantOptions,
)
from shopcore_client.types import UNSET, Unset

from .catalog import IMAGE_SIZE, Catalog
from .responses import StorefrontFailure, check, expect

# ProductsListOrderingItem by value: its member names come from the schema.
BY_PRICE = ProductsListOrderingItem("price")
BY_PRICE_DESCENDING = ProductsListOrderingItem("-price")
BY_NAME = ProductsListOrderingItem("name")


def names(page: PaginatedProductList) -> list[str]:
    return [product.name for product in page.results]


def browse_categories(shopper: AuthenticatedClient, catalog: Catalog) -> None:
    roots = expect(
        categories_list.sync_detailed(client=shopper, parent="null"),
        HTTPStatus.OK,
        PaginatedCategoryList,
    )
    check(
        sorted(category.name for category in roots.results) == ["Coffee", "Tea"],
        f"root categories: {roots.results}",
    )
    children = expect(
        categories_list.sync_detailed(client=shopper, parent=str(catalog.coffee.id)),
        HTTPStatus.OK,
        PaginatedCategoryList,
    )
    check(
        sorted(category.name for category in children.results) == ["Beans", "Brewers"],
        f"Coffee's children: {children.results}",
    )
    beans = expect(
        categories_retrieve.sync_detailed(catalog.beans.id, client=shopper),
        HTTPStatus.OK,
        Category,
    )
    check((beans.parent, beans.depth) == (catalog.coffee.id, 1), f"Beans: {beans}")


def expect_names(label: str, page: PaginatedProductList, wanted: list[str]) -> None:
    check(names(page) == wanted, f"{label}: {names(page)}, not {wanted}")
    check(page.count == len(wanted) and page.count_exact, f"{label}: count {page.count}")


def filtered_lists(shopper: AuthenticatedClient, catalog: Catalog) -> None:
    """Every filter of the product list, alone and combined; results in a known order."""
    expect_names(
        "a category by slug, with its subcategories; by price descending, then name",
        list_products(shopper, category="coffee", ordering=[BY_PRICE_DESCENDING, BY_NAME]),
        [
            "Burr Grinder",
            "Pour-Over Kettle",
            "Ethiopia Yirgacheffe",
            "Sumatra Mandheling",
            "Colombia Huila",
        ],
    )
    expect_names(
        "a category by id, a price range",
        list_products(
            shopper,
            category=str(catalog.coffee.id),
            min_price="12.00",
            max_price="70.00",
            ordering=[BY_PRICE],
        ),
        ["Colombia Huila", "Sumatra Mandheling", "Ethiopia Yirgacheffe", "Pour-Over Kettle"],
    )
    expect_names(
        "in stock",
        list_products(shopper, category=str(catalog.beans.id), in_stock=True, ordering=[BY_NAME]),
        ["Colombia Huila", "Ethiopia Yirgacheffe"],
    )
    expect_names(
        "an option", list_products(shopper, option=["size:1 kg"]), ["Ethiopia Yirgacheffe"]
    )
    expect_names(
        "values of one option are alternatives",
        list_products(shopper, option=["size:250 g", "size:1 kg"], ordering=[BY_NAME]),
        ["Colombia Huila", "Ethiopia Yirgacheffe"],
    )
    expect_names(
        "a search",
        list_products(shopper, search="roast", ordering=[BY_PRICE]),
        ["Colombia Huila", "Sumatra Mandheling", "Ethiopia Yirgacheffe"],
    )
    expect_names(
        "a search matches every keyword",
        list_products(shopper, search="dark roast"),
        ["Sumatra Mandheling"],
    )
    expect_names("a search without a keyword", list_products(shopper, search="%"), [])


def list_products(
    shopper: AuthenticatedClient,
    *,
    category: str | Unset = UNSET,
    min_price: str | Unset = UNSET,
    max_price: str | Unset = UNSET,
    in_stock: bool | Unset = UNSET,
    option: list[str] | Unset = UNSET,
    search: str | Unset = UNSET,
    ordering: list[ProductsListOrderingItem] | Unset = UNSET,
    page_size: int = 20,
) -> PaginatedProductList:
    """One page of products; a filter left UNSET is not sent."""
    response = products_list.sync_detailed(
        client=shopper,
        category=category,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        option=option,
        search=search,
        ordering=ordering,
        page_size=page_size,
    )
    return expect(response, HTTPStatus.OK, PaginatedProductList)


def pages(
    shopper: AuthenticatedClient, first: PaginatedProductList
) -> Iterator[PaginatedProductList]:
    """``first`` and every page after it, following each page's ``next`` link as given."""
    page = first
    yield page
    while isinstance(page.next_, str):
        response = shopper.get_httpx_client().get(page.next_)
        if response.status_code != HTTPStatus.OK:
            raise StorefrontFailure(f"{page.next_}: {response.status_code} {response.text[:500]}")
        page = PaginatedProductList.from_dict(response.json())
        check(isinstance(page.previous, str), f"a page after the first links back: {page}")
        yield page


def page_through(shopper: AuthenticatedClient) -> None:
    first = list_products(shopper, category="coffee", ordering=[BY_PRICE], page_size=2)
    seen = [names(page) for page in pages(shopper, first)]
    check(
        seen
        == [
            ["Colombia Huila", "Sumatra Mandheling"],
            ["Ethiopia Yirgacheffe", "Pour-Over Kettle"],
            ["Burr Grinder"],
        ],
        f"pages of 2 by price: {seen}",
    )


def product_detail(shopper: AuthenticatedClient, catalog: Catalog) -> ProductDetail:
    ethiopia = catalog.products["Ethiopia Yirgacheffe"]
    detail = expect(
        products_retrieve.sync_detailed(ethiopia.id, client=shopper), HTTPStatus.OK, ProductDetail
    )
    sizes = sorted(
        variant.options["size"]
        for variant in detail.variants
        if isinstance(variant.options, ProductVariantOptions)
    )
    check(sizes == ["1 kg", "250 g"], f"variants: {detail.variants}")
    # A product's price is its cheapest active variant's, its stock their total.
    check((detail.price, detail.stock) == ("14.50", 30), f"{detail.price}, {detail.stock}")
    check(
        [(image.width, image.height) for image in detail.images] == [IMAGE_SIZE],
        f"images: {detail.images}",
    )
    check(detail.image == detail.images[0].url, f"first image: {detail.image}")
    return detail
