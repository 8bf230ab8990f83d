"""Hostile input on every endpoint: each gets a clear 4xx, never a 500, and no data changes.

Run with ``DEBUG = False`` (tests.settings) so Django's own guards (allowed
hosts, body size) answer as they do in production; the test client re-raises
any exception a view lets through, so a 500 fails loudly here.
"""

import json
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from django_shopcore.catalog.models import Category, Product
from django_shopcore.core.settings import DEFAULTS

from ..conftest import bearer_client
from ..factories import (
    DEFAULT_PASSWORD,
    AdminFactory,
    CategoryFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NUL = "bad\x00value"
SQL_INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE django_shopcore_product; --",
    "1 UNION SELECT password FROM auth_user --",
    '" OR ""="',
    "%' AND 1=0 UNION SELECT 1 --",
]
BAD_NUMBERS = ["0", "-1", "abc", "1" * 30, "1.5", "0x1", "1 OR 1=1", "1;DROP TABLE x"]
BAD_PRICES = ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1", "1" * 20, "abc"]
# Django's DATA_UPLOAD_MAX_MEMORY_SIZE is 2.5 MB.
THREE_MEGABYTES = 3 * 1024 * 1024

PRODUCT_LIST_PARAMETERS = [
    "category",
    "min_price",
    "max_price",
    "search",
    "in_stock",
    "ordering",
    "page",
    "page_size",
]
# (list path, query parameters, who may read it)
LISTS = [
    ("/api/products/", PRODUCT_LIST_PARAMETERS, "anonymous"),
    ("/api/categories/", ["parent", "ordering", "page", "page_size"], "anonymous"),
    ("/api/users/", ["page", "page_size"], "admin"),
]
LIST_PARAMETERS = [
    pytest.param(path, parameter, who, id=f"{path}?{parameter}")
    for path, parameters, who in LISTS
    for parameter in parameters
]
DETAILS = [
    ("/api/products/{}/", "admin"),
    ("/api/categories/{}/", "admin"),
    ("/api/users/{}/", "admin"),
]


def write_endpoints(shop):
    """Every write of the contract: (name, method, path, client, a valid body)."""
    product, category, user = shop.product, shop.category, shop.user
    return {
        "category-create": (
            "post",
            "/api/categories/",
            shop.admin_client,
            {"name": "Hostile", "slug": "hostile", "description": "d", "parent": category.pk},
        ),
        "category-update": (
            "patch",
            f"/api/categories/{category.pk}/",
            shop.admin_client,
            {"name": "Renamed", "slug": "renamed", "description": "d", "parent": None},
        ),
        "product-create": (
            "post",
            "/api/products/",
            shop.admin_client,
            {
                "name": "Hostile",
                "slug": "hostile",
                "category": category.pk,
                "price": "1.00",
                "description": "d",
                "stock": 1,
            },
        ),
        "product-update": (
            "patch",
            f"/api/products/{product.pk}/",
            shop.admin_client,
            {
                "name": "Renamed",
                "slug": "renamed",
                "category": category.pk,
                "price": "2.00",
                "description": "d",
                "stock": 2,
            },
        ),
        "register": (
            "post",
            "/api/auth/register/",
            shop.anonymous,
            {"username": "newcomer", "email": "new@example.com", "password": DEFAULT_PASSWORD},
        ),
        "login": (
            "post",
            "/api/auth/login/",
            shop.anonymous,
            {"username": user.username, "password": DEFAULT_PASSWORD},
        ),
        "refresh": ("post", "/api/auth/refresh/", shop.anonymous, {"refresh": shop.refresh}),
        "logout": ("post", "/api/auth/logout/", shop.user_client, {"refresh": shop.refresh}),
        "me": (
            "patch",
            "/api/auth/me/",
            shop.user_client,
            {
                "username": "renamed",
                "email": "renamed@example.com",
                "current_password": DEFAULT_PASSWORD,
            },
        ),
        "password": (
            "post",
            "/api/auth/password/",
            shop.user_client,
            {"old_password": DEFAULT_PASSWORD, "new_password": "Another-Strong-Pass-7"},
        ),
        "user-create": (
            "post",
            "/api/users/",
            shop.admin_client,
            {"username": "created", "email": "created@example.com", "password": DEFAULT_PASSWORD},
        ),
        "user-update": (
            "patch",
            f"/api/users/{user.pk}/",
            shop.admin_client,
            {"username": "renamed", "email": "renamed@example.com"},
        ),
    }


WRITE_FIELDS = {
    "category-create": ["name", "slug", "description", "parent"],
    "category-update": ["name", "slug", "description", "parent"],
    "product-create": ["name", "slug", "category", "price", "description", "stock"],
    "product-update": ["name", "slug", "category", "price", "description", "stock"],
    "register": ["username", "email", "password"],
    "login": ["username", "password"],
    "refresh": ["refresh"],
    "logout": ["refresh"],
    "me": ["username", "email"],
    "password": ["old_password", "new_password"],
    "user-create": ["username", "email", "password"],
    "user-update": ["username", "email"],
}
WRITES = list(WRITE_FIELDS)
WRITE_FIELD_PARAMETERS = [
    pytest.param(write, field, id=f"{write}.{field}")
    for write, fields in WRITE_FIELDS.items()
    for field in fields
]


class Shop:
    """The data every hostile request runs against, and a client for each kind of caller."""

    def __init__(self):
        self.root = CategoryFactory(name="Root", slug="root")
        self.category = CategoryFactory(name="Child", slug="child", parent=self.root)
        # Fixed words, so no search term below matches by accident.
        self.product = ProductFactory(
            name="Kettle", description="Boils water.", category=self.category, stock=5
        )
        self.user = UserFactory()
        self.admin = AdminFactory()
        self.anonymous = APIClient()
        self.user_client = bearer_client(self.user)
        self.admin_client = bearer_client(self.admin)
        login = self.anonymous.post(
            "/api/auth/login/",
            {"username": self.user.username, "password": DEFAULT_PASSWORD},
            format="json",
        )
        assert login.status_code == 200, login.content
        self.refresh = login.json()["refresh"]

    def client(self, who):
        return {"anonymous": self.anonymous, "user": self.user_client, "admin": self.admin_client}[
            who
        ]


def snapshot():
    """Every catalog row and user, field by field (``last_login`` aside)."""
    users = [
        {key: value for key, value in model_to_dict(user).items() if key != "last_login"}
        | {"password": user.password}
        for user in get_user_model().objects.order_by("pk")
    ]
    return {
        "categories": list(Category.objects.order_by("pk").values()),
        "products": list(Product.objects.order_by("pk").values()),
        "users": users,
    }


@pytest.fixture(autouse=True)
def no_throttling(settings):
    """Many requests from one client in one test: throttles would answer 429 first."""
    settings.SHOPCORE = {"THROTTLE_RATES": dict.fromkeys(DEFAULTS["THROTTLE_RATES"])}


@pytest.fixture
def shop_data():
    return Shop()


@pytest.fixture
def shop(shop_data):
    """The shop, checked after the test: hostile input never changes stored data."""
    before = snapshot()
    yield shop_data
    assert snapshot() == before


def assert_refused(response, *, field=None, statuses=range(400, 500)):
    """A 4xx with a JSON message; a 400 names ``field`` when one is given."""
    assert response.status_code in statuses, (response.status_code, response.content[:500])
    body = response.json()
    assert body, "an error needs a message"
    if field is not None and response.status_code == 400:
        assert field in body, body


def send(client, method, path, body, **extra):
    return getattr(client, method)(
        path, json.dumps(body), content_type="application/json", **extra
    )


# --- NUL bytes ------------------------------------------------------------------


@pytest.mark.parametrize(("path", "parameter", "who"), LIST_PARAMETERS)
def test_nul_byte_in_query_parameter_is_a_400_naming_it(shop, path, parameter, who):
    response = shop.client(who).get(path, {parameter: NUL})
    assert_refused(response, field=parameter, statuses={400})


@pytest.mark.parametrize(("template", "who"), DETAILS)
@pytest.mark.parametrize("segment", ["%00", "1%00", "%001"])
def test_nul_byte_in_path_segment_is_a_404(shop, template, who, segment):
    response = shop.client(who).get(template.format(segment))
    assert response.status_code == 404


@pytest.mark.parametrize(("write", "field"), WRITE_FIELD_PARAMETERS)
def test_nul_byte_in_body_field_is_refused(shop, write, field):
    method, path, client, body = write_endpoints(shop)[write]
    response = send(client, method, path, {**body, field: NUL})
    assert_refused(response, field=field)


# --- search text ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a" * 10_000, "🛒" * 10_000, "é" * 201])
def test_overlong_search_is_a_400_naming_search(shop, text):
    response = shop.anonymous.get("/api/products/", {"search": text})
    assert_refused(response, field="search", statuses={400})


def test_emoji_search_finds_the_words_around_the_emoji(shop_data):
    deluxe = ProductFactory(name="Cart 🛒 deluxe", category=shop_data.category)
    ProductFactory(name="Cart 🛒 basic", category=shop_data.category)

    found = shop_data.anonymous.get("/api/products/", {"search": "🛒 deluxe"})
    only_emoji = shop_data.anonymous.get("/api/products/", {"search": "🛒"})

    assert found.status_code == 200
    assert [row["id"] for row in found.json()["results"]] == [deluxe.pk]
    # An emoji is no search word: alone, it is a search with no word, which matches nothing.
    assert only_emoji.status_code == 200
    assert only_emoji.json()["count"] == 0
    assert only_emoji.json()["results"] == []


def test_assert_refused_needs_the_named_field_in_a_400():
    def response(body):
        return SimpleNamespace(status_code=400, json=lambda: body, content=b"")

    assert_refused(response({"price": ["A valid number is required."]}), field="price")
    with pytest.raises(AssertionError):
        assert_refused(response({"detail": "Bad request."}), field="price")


# --- numbers: pages, sizes, ids, prices --------------------------------------------


@pytest.mark.parametrize(("path", "who"), [(path, who) for path, _, who in LISTS])
@pytest.mark.parametrize("parameter", ["page", "page_size"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_page_numbers_are_a_400_naming_them(shop, path, who, parameter, value):
    response = shop.client(who).get(path, {parameter: value})
    assert_refused(response, field=parameter, statuses={400})


@pytest.mark.parametrize(("template", "who"), DETAILS)
@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_bad_ids_in_paths_are_a_404(shop, template, who, value, method):
    response = getattr(shop.client(who), method)(template.format(value), {}, format="json")
    assert response.status_code == 404, response.content[:300]


def fullwidth(digits):
    return "".join(chr(ord(digit) - ord("0") + ord("\uff10")) for digit in digits)


@pytest.mark.parametrize(("template", "who"), DETAILS)
@pytest.mark.parametrize(
    "spelling",
    [" {}", "+{}", "{}.0", "{}%20", "%20{}"],
    ids=["space", "plus", "dot", "trailing", "leading"],
)
@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_other_spellings_of_an_existing_id_are_a_404(shop, template, who, spelling, method):
    """Only ASCII digits name an object; int() would also take " 7", "+7" and fullwidth 7."""
    pk = {"products": shop.product.pk, "categories": shop.category.pk, "users": shop.user.pk}[
        template.split("/")[2]
    ]
    for value in [spelling.format(pk), fullwidth(str(pk))]:
        response = getattr(shop.client(who), method)(template.format(value), {}, format="json")
        assert response.status_code == 404, (value, response.status_code, response.content[:300])


RELATED_ID_FIELDS = [
    ("product-create", "category"),
    ("product-update", "category"),
    ("category-create", "parent"),
    ("category-update", "parent"),
]
# Beyond a bigint, in JSON and as digits (int() refuses strings of 4,300 digits or more).
HUGE_IDS = [2**63, -(2**63) - 1, int("1" * 30), "1" * 30, "9" * 5000]


@pytest.mark.parametrize(("write", "field"), RELATED_ID_FIELDS)
@pytest.mark.parametrize("value", ["0", "-1", "abc", -1, 0, True, [], {}, *HUGE_IDS])
def test_bad_ids_in_bodies_are_a_400_naming_the_field(shop, write, field, value):
    method, path, client, body = write_endpoints(shop)[write]
    response = send(client, method, path, {**body, field: value})
    assert_refused(response, field=field, statuses={400})


# What int() or the ORM would turn into the id of the root category.
ID_SPELLINGS = {
    "space": lambda pk: f" {pk}",
    "trailing-space": lambda pk: f"{pk} ",
    "newline": lambda pk: f"{pk}\n",
    "plus": lambda pk: f"+{pk}",
    "dot": lambda pk: f"{pk}.0",
    "fullwidth": lambda pk: fullwidth(str(pk)),
    "float": float,
    "fraction": lambda pk: pk + 0.5,
    "true": lambda pk: True,
}


@pytest.mark.parametrize(("write", "field"), RELATED_ID_FIELDS)
@pytest.mark.parametrize("spell", ID_SPELLINGS.values(), ids=ID_SPELLINGS)
def test_other_spellings_of_an_existing_id_in_bodies_are_a_400(shop, write, field, spell):
    """A related id is a JSON integer or a string of ASCII digits, nothing int() would coerce."""
    method, path, client, body = write_endpoints(shop)[write]
    response = send(client, method, path, {**body, field: spell(shop.root.pk)})
    assert_refused(response, field=field, statuses={400})
    assert "Expected pk value" in response.json()[field][0]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1" * 30, "\uff11"])
def test_bad_category_filter_is_refused_or_empty(shop, value):
    response = shop.anonymous.get("/api/products/", {"category": value})
    if response.status_code == 200:
        assert response.json()["count"] == 0
    else:
        assert_refused(response, field="category")


@pytest.mark.parametrize("write", ["product-create", "product-update"])
@pytest.mark.parametrize("price", [*BAD_PRICES, 1e300, -0.01, 10**20])
def test_bad_prices_are_a_400_naming_price(shop, write, price):
    method, path, client, body = write_endpoints(shop)[write]
    response = send(client, method, path, {**body, "price": price})
    assert_refused(response, field="price", statuses={400})


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_json_number_literals_are_a_400(shop, literal):
    body = f'{{"name": "n", "category": {shop.category.pk}, "price": {literal}}}'
    response = shop.admin_client.post("/api/products/", body, content_type="application/json")
    assert_refused(response, statuses={400})


@pytest.mark.parametrize("parameter", ["min_price", "max_price"])
# A negative bound is a valid, if useless, decimal.
@pytest.mark.parametrize("price", [price for price in BAD_PRICES if price != "-1"])
def test_bad_price_filters_are_a_400_naming_them(shop, parameter, price):
    response = shop.anonymous.get("/api/products/", {parameter: price})
    assert_refused(response, field=parameter, statuses={400})


@pytest.mark.parametrize("stock", [-1, 2**31, "1" * 30, "NaN", 1.5, "abc"])
def test_bad_stock_is_a_400_naming_stock(shop, stock):
    method, path, client, body = write_endpoints(shop)["product-update"]
    response = send(client, method, path, {**body, "stock": stock})
    assert_refused(response, field="stock", statuses={400})


# --- malformed bodies, content types, methods, sizes ---------------------------------


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    "raw", ['{"name": ', "{'name': 'x'}", "[1, 2", "\x00", '{"a": 1}}', "null", "[]", '"x"']
)
def test_malformed_json_is_a_400(shop, write, raw):
    method, path, client, _ = write_endpoints(shop)[write]
    response = getattr(client, method)(path, raw, content_type="application/json")
    assert_refused(response, statuses={400})


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "image/png"])
def test_unsupported_content_type_is_a_415(shop, write, content_type):
    method, path, client, body = write_endpoints(shop)[write]
    response = getattr(client, method)(path, json.dumps(body), content_type=content_type)
    assert_refused(response, statuses={415})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/products/"),
        ("patch", "/api/products/"),
        ("delete", "/api/products/"),
        ("put", "/api/categories/"),
        ("delete", "/api/categories/"),
        ("post", "/api/products/{product}/"),
        ("post", "/api/categories/{category}/"),
        ("put", "/api/users/"),
        ("delete", "/api/users/"),
        ("post", "/api/users/{user}/"),
        ("get", "/api/auth/register/"),
        ("put", "/api/auth/register/"),
        ("get", "/api/auth/login/"),
        ("delete", "/api/auth/login/"),
        ("get", "/api/auth/refresh/"),
        ("get", "/api/auth/logout/"),
        ("delete", "/api/auth/me/"),
        ("post", "/api/auth/me/"),
        ("get", "/api/auth/password/"),
        ("post", "/api/schema/"),
        ("delete", "/api/docs/"),
    ],
)
def test_unsupported_method_is_a_405(shop, method, path):
    path = path.format(product=shop.product.pk, category=shop.category.pk, user=shop.user.pk)
    response = getattr(shop.admin_client, method)(path, {}, format="json")
    assert response.status_code == 405, (response.status_code, response.content[:300])


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("shape", ["long field", "padding field"])
def test_three_megabyte_body_is_refused(shop, write, shape):
    method, path, client, body = write_endpoints(shop)[write]
    first_field = WRITE_FIELDS[write][0]
    if shape == "long field":
        body = {**body, first_field: "x" * THREE_MEGABYTES}
    else:
        # A valid request carrying an ignored 3 MB field must not be parsed whole.
        body = {**body, "padding": "x" * THREE_MEGABYTES}
    response = send(client, method, path, body)
    assert_refused(response, statuses={413})
    assert "larger than" in response.json()["detail"]


# --- SQL-looking strings ----------------------------------------------------------


@pytest.mark.parametrize(("path", "parameter", "who"), LIST_PARAMETERS)
@pytest.mark.parametrize("text", SQL_INJECTIONS)
def test_sql_in_query_parameter_is_inert(shop, path, parameter, who, text):
    response = shop.client(who).get(path, {parameter: text})
    if response.status_code == 200:
        # Taken as plain text: it matches nothing, in particular not every row.
        assert response.json()["count"] == 0
    else:
        assert_refused(response, field=parameter, statuses={400})


@pytest.mark.parametrize(("write", "field"), WRITE_FIELD_PARAMETERS)
@pytest.mark.parametrize("text", SQL_INJECTIONS[:2])
def test_sql_in_body_field_is_inert(shop_data, write, field, text):
    method, path, client, body = write_endpoints(shop_data)[write]
    before = snapshot()
    response = send(client, method, path, {**body, field: text})
    assert response.status_code < 500, response.content[:300]
    after = snapshot()
    for table, rows in before.items():
        # Nothing is dropped or deleted; a create adds its one row at most.
        assert {row["id"] for row in rows} <= {row["id"] for row in after[table]}
        assert len(after[table]) <= len(rows) + 1
    if response.status_code < 300 and response.content and field in response.json():
        # Free text is stored verbatim, as text.
        assert response.json()[field] == text


def test_sql_in_login_does_not_authenticate(shop):
    for text in SQL_INJECTIONS:
        response = shop.anonymous.post(
            "/api/auth/login/", {"username": text, "password": text}, format="json"
        )
        assert response.status_code in {400, 401}, response.content


# --- hosts ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/products/", "/api/auth/login/", "/api/schema/"])
@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "testserver.evil.example"])
def test_unknown_host_is_a_400(shop, path, host):
    response = shop.anonymous.get(path, HTTP_HOST=host)
    assert response.status_code == 400
