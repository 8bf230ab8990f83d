"""What clients generated from the schema rely on, checked against the live responses.

Required response fields are the ones every real response has; operations
that read no credentials have ``security: []``; ordering enums have names;
password fields their length; ``page_size`` no default of the host's; the
views that send ETags document their 304; every integer has its width, and
every bound of a request body is documented and enforced.
"""

import re

import pytest
import yaml
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from django_shopcore.carts.models import Cart
from django_shopcore.catalog.models import ProductImage
from django_shopcore.core.settings import shopcore_settings

from ..conftest import bearer_client
from ..factories import (
    DEFAULT_PASSWORD,
    AdminFactory,
    CategoryFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
)
from ..orders.helpers import ADDRESS, cart_of, variant_with
from .test_schema import fetch_schema, operations
from .test_schema_examples import body_examples, prepare

# The operations that read no credentials at all: clients must not ask for a token.
NO_CREDENTIALS = [
    ("post", "/api/auth/register/"),
    ("post", "/api/auth/login/"),
    ("post", "/api/auth/refresh/"),
    ("post", "/api/auth/password/reset/"),
    ("post", "/api/auth/password/reset/confirm/"),
]
# Components that only error responses use; their optional keys really may be absent.
ERROR_COMPONENTS = {"Error", "ValidationError"}


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load(fetch_schema())


def component_name(ref):
    return ref.rsplit("/", 1)[1]


def success_schemas(schema):
    """``(method, path, status, body schema)`` of every JSON success response."""
    for (method, path), operation in operations(schema).items():
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            if status.startswith("2") and content:
                yield method, path, status, content["schema"]


def referenced_components(schema, node, found=None):
    """The names of the components ``node`` refers to, directly or through others."""
    found = set() if found is None else found
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and component_name(ref) not in found:
            found.add(component_name(ref))
            referenced_components(
                schema, schema["components"]["schemas"][component_name(ref)], found
            )
        for value in node.values():
            referenced_components(schema, value, found)
    elif isinstance(node, list):
        for value in node:
            referenced_components(schema, value, found)
    return found


def response_components(schema):
    found = set()
    for *_, body in success_schemas(schema):
        referenced_components(schema, body, found)
    return found


# Required fields.


# The keys a response has only when asked for: a product page's `facets` (with `facets=true`).
OPTIONAL_ON_REQUEST = {"PaginatedProductList": ["facets"]}


def test_every_field_of_a_success_response_component_is_required(schema):
    components = schema["components"]["schemas"]
    optional = {
        name: sorted(
            set(components[name].get("properties", {})) - set(components[name].get("required", []))
        )
        for name in response_components(schema)
    }
    assert {name: fields for name, fields in optional.items() if fields} == OPTIONAL_ON_REQUEST
    assert not response_components(schema) & ERROR_COMPONENTS


def test_request_components_keep_their_optional_fields(schema):
    components = schema["components"]["schemas"]
    assert "slug" not in components["CategoryRequest"]["required"]
    assert "required" not in components["PatchedProductRequest"]
    assert set(components["ProductRequest"]["required"]) == {"name", "category", "price"}


def test_only_error_details_are_optional_in_the_error_component(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][component_name(node["$ref"])]
    return node


def mismatches(schema, value, node, where):
    """How ``value`` differs from ``node``: keys not required, required keys absent, nulls."""
    node = resolve(schema, node)
    alternatives = node.get("anyOf") or node.get("oneOf") or node.get("allOf")
    if alternatives:
        problems = [mismatches(schema, value, item, where) for item in alternatives]
        if value is None and node.get("nullable"):
            return []
        return min(problems, key=len)
    if value is None:
        return [] if node.get("nullable") else [f"{where}: null, not nullable"]
    if node.get("type") == "array":
        return [
            problem
            for index, item in enumerate(value)
            for problem in mismatches(schema, item, node["items"], f"{where}[{index}]")
        ]
    if node.get("type") != "object" or "properties" not in node:
        return []
    keys, required = set(value), set(node.get("required", []))
    problems = [f"{where}: {key!r} is in the response, not required" for key in keys - required]
    problems += [f"{where}: {key!r} is required, not in the response" for key in required - keys]
    for key in keys & set(node["properties"]):
        problems += mismatches(schema, value[key], node["properties"][key], f"{where}.{key}")
    return problems


@pytest.fixture
def shop(db):
    """A shop with one of everything, and the clients that see it."""
    root = CategoryFactory()
    category = CategoryFactory(parent=root)
    product = ProductFactory(category=category)
    VariantFactory(product=product, sku="TEE-M", options={"size": "M"})
    ProductImage.objects.create(
        product=product, image="shopcore/products/a.png", width=1, height=1
    )
    ProductFactory(category=category, is_active=False)
    customer, admin = UserFactory(), AdminFactory()
    order_cart = cart_of(customer, [(variant_with(stock=10), 1)])
    order = bearer_client(customer).post(
        "/api/orders/",
        {"cart": str(order_cart.pk), "shipping_address": ADDRESS},
        format="json",
    )
    assert order.status_code == 201, order.content
    return {
        "category": category,
        "product": product,
        "variant": product.variants.order_by("id").first(),
        "customer": customer,
        "admin": admin,
        "cart": cart_of(lines=[(variant_with(stock=10), 1)]),
        "order": order.json()["id"],
    }


def login_body(user):
    return {user.USERNAME_FIELD: user.get_username(), "password": DEFAULT_PASSWORD}


# (method, path in the schema, who calls, the path's ids, the body) for each success body.
def calls(shop):
    customer, admin = shop["customer"], shop["admin"]
    product, cart = shop["product"], shop["cart"]
    ids = {"product_pk": product.pk}
    refresh = APIClient().post("/api/auth/login/", login_body(customer), format="json")
    return [
        ("get", "/api/categories/", None, {}, None),
        ("get", "/api/categories/{id}/", None, {"id": shop["category"].pk}, None),
        ("post", "/api/categories/", admin, {}, {"name": "New"}),
        ("get", "/api/products/", None, {}, None),
        ("get", "/api/products/", admin, {}, None),
        ("get", "/api/products/{id}/", None, {"id": product.pk}, None),
        (
            "post",
            "/api/products/",
            admin,
            {},
            {"name": "New", "category": shop["category"].pk, "price": "1.00"},
        ),
        ("get", "/api/products/{product_pk}/variants/", None, ids, None),
        (
            "get",
            "/api/products/{product_pk}/variants/{id}/",
            None,
            {**ids, "id": shop["variant"].pk},
            None,
        ),
        ("get", "/api/users/", admin, {}, None),
        ("get", "/api/users/{id}/", admin, {"id": customer.pk}, None),
        ("get", "/api/auth/me/", customer, {}, None),
        (
            "post",
            "/api/auth/register/",
            None,
            {},
            {"username": "newbie", "email": "newbie@example.com", "password": DEFAULT_PASSWORD},
        ),
        ("post", "/api/auth/login/", None, {}, login_body(customer)),
        ("post", "/api/auth/refresh/", None, {}, {"refresh": refresh.json()["refresh"]}),
        ("post", "/api/auth/password/reset/", None, {}, {"email": customer.email}),
        ("post", "/api/carts/", None, {}, {}),
        ("get", "/api/carts/{id}/", None, {"id": cart.pk}, None),
        (
            "post",
            "/api/carts/{id}/items/",
            None,
            {"id": cart.pk},
            {"variant": shop["variant"].pk, "quantity": 1},
        ),
        ("get", "/api/orders/", customer, {}, None),
        ("get", "/api/orders/{id}/", customer, {"id": shop["order"]}, None),
    ]


def call(method, path, user, ids, body):
    client = bearer_client(user) if user is not None else APIClient()
    url = path.format(**ids)
    return (
        getattr(client, method)(url, body, format="json") if body is not None else client.get(url)
    )


def body_schema(schema, method, path, status):
    return operations(schema)[method, path]["responses"][str(status)]["content"][
        "application/json"
    ]["schema"]


@pytest.mark.django_db
def test_real_responses_have_exactly_the_required_fields(schema, shop):
    problems, rendered = [], set()
    for method, path, user, ids, body in calls(shop):
        response = call(method, path, user, ids, body)
        assert 200 <= response.status_code < 300, (method, path, response.content)
        node = body_schema(schema, method, path, response.status_code)
        referenced_components(schema, node, rendered)
        problems += mismatches(schema, response.json(), node, f"{method} {path}")
    assert problems == []
    # Every component of a success response was checked against a real one.
    assert response_components(schema) - rendered == set()


# Security.


@pytest.mark.parametrize(("method", "path"), NO_CREDENTIALS)
def test_operations_that_read_no_credentials_have_no_security(schema, method, path):
    assert operations(schema)[method, path]["security"] == []


def test_only_the_operations_that_read_no_credentials_have_no_security(schema):
    unsecured = [key for key, op in operations(schema).items() if op.get("security") == []]
    assert sorted(unsecured) == sorted(NO_CREDENTIALS)
    assert all("security" in operation for operation in operations(schema).values())


@pytest.mark.django_db
def test_a_stale_token_does_not_stop_a_login(user):
    # What `security: []` promises: no credentials are read, so none can be refused.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer expired-or-garbage")
    response = client.post("/api/auth/login/", login_body(user), format="json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_public_reads_take_no_token_but_read_one_if_sent(schema, api_client):
    # Why they list the bearer scheme beside `{}`: a token sent is checked (and shows
    # an admin inactive products), so clients must be able to send it.
    assert operations(schema)["get", "/api/products/"]["security"] == [{"jwtAuth": []}, {}]
    assert api_client.get("/api/products/").status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert api_client.get("/api/products/").status_code == 401


# Enum names, lengths and defaults.


def enum_schemas(schema):
    """``(where, schema)`` of every parameter schema (or its items) that has an enum."""
    for (method, path), operation in operations(schema).items():
        for parameter in operation.get("parameters", []):
            for node in (parameter["schema"], parameter["schema"].get("items", {})):
                if "enum" in node:
                    yield f"{method} {path} {parameter['name']}", parameter["name"], node


def test_every_ordering_enum_has_readable_names(schema):
    orderings = [(where, node) for where, name, node in enum_schemas(schema) if name == "ordering"]
    assert len(orderings) >= 2
    for where, node in orderings:
        names = node["x-enum-varnames"]
        assert len(names) == len(node["enum"]) == len(set(names)), where
        for key, name in zip(node["enum"], names, strict=True):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), (where, name)
            expected = key.removeprefix("-").upper() + ("_DESC" if key.startswith("-") else "")
            assert name == expected, where
    products = dict(orderings)["get /api/products/ ordering"]
    names = dict(zip(products["enum"], products["x-enum-varnames"], strict=True))
    assert names["-price"] == "PRICE_DESC" and names["price"] == "PRICE"


def password_fields(schema):
    for name, component in schema["components"]["schemas"].items():
        for field, node in component.get("properties", {}).items():
            if "password" in field:
                yield f"{name}.{field}", node


def test_password_fields_have_the_enforced_max_length(schema):
    fields = dict(password_fields(schema))
    assert len(fields) >= 7
    assert {where: node.get("maxLength") for where, node in fields.items()} == dict.fromkeys(
        fields, shopcore_settings.PASSWORD_MAX_LENGTH
    )


@override_settings(SHOPCORE={"PASSWORD_MAX_LENGTH": 64})
@pytest.mark.django_db
def test_the_password_max_length_follows_the_setting_and_is_enforced():
    fields = dict(password_fields(yaml.safe_load(fetch_schema())))
    assert {node["maxLength"] for node in fields.values()} == {64}
    body = {"username": "longpass", "email": "long@example.com", "password": "Aa1-" * 16 + "x"}
    response = APIClient().post("/api/auth/register/", body, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


@override_settings(SHOPCORE={"PAGE_SIZE": 7})
def test_the_schema_does_not_depend_on_the_host_s_page_size():
    # A default baked in from PAGE_SIZE would be sent by every generated client.
    with override_settings(SHOPCORE={}):
        default = fetch_schema()
    assert fetch_schema() == default


# Conditional reads.


@pytest.mark.django_db
def test_the_reads_that_send_an_etag_document_a_304(schema, shop):
    for method, path, user, ids, body in calls(shop):
        if method != "get":
            continue
        operation = operations(schema)[method, path]
        response = call(method, path, user, ids, body)
        documented = "304" in operation["responses"]
        assert documented == ("ETag" in response), path
        if not documented:
            continue
        names = [parameter["name"] for parameter in operation["parameters"]]
        assert "If-None-Match" in names, path
        assert "ETag" in operation["responses"]["200"]["headers"], path
        client = bearer_client(user) if user is not None else APIClient()
        again = client.get(path.format(**ids), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, path


def test_every_catalog_read_documents_a_304(schema):
    reads = [
        path
        for (method, path), operation in operations(schema).items()
        if method == "get" and path.startswith(("/api/categories/", "/api/products/"))
    ]
    assert reads
    assert [
        path for path in reads if "304" not in operations(schema)["get", path]["responses"]
    ] == []


@pytest.mark.django_db
def test_a_new_cart_is_rendered_with_every_required_field(schema):
    # A cart just created has no items: still every key.
    response = APIClient().post("/api/carts/", {}, format="json")
    node = body_schema(schema, "post", "/api/carts/", 201)
    assert mismatches(schema, response.json(), node, "cart") == []
    assert Cart.objects.filter(pk=response.json()["id"]).exists()


# Sizes.


def subschemas(node):
    """``node`` and every schema inside it."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from subschemas(value)


def request_components(schema):
    return {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("Request")
    }


def test_every_integer_has_the_format_that_holds_its_range(schema):
    int32 = (-(2**31), 2**31 - 1)
    integers = [node for node in subschemas(schema) if node.get("type") == "integer"]
    assert integers
    for node in integers:
        fits_int32 = (
            int32[0] <= node.get("minimum", -(2**63)) and node.get("maximum", 2**63) <= int32[1]
        )
        assert node["format"] == ("int32" if fits_int32 else "int64"), node


# What a schema of each type in a request body must bound.
BOUNDED = {
    "string": lambda node: bool({"maxLength", "enum"} & set(node)),
    "integer": lambda node: {"minimum", "maximum"} <= set(node),
    "array": lambda node: "maxItems" in node,
    "object": lambda node: "additionalProperties" not in node or "maxProperties" in node,
}


def test_request_bodies_bound_every_string_integer_array_and_map(schema):
    unbounded = [
        (name, node)
        for name, component in request_components(schema).items()
        for node in subschemas(component)
        if not BOUNDED.get(node.get("type"), lambda node: True)(node)
    ]
    assert unbounded == []


def one_too_many(node):
    """A value just past ``node``'s documented bound, or None when it has none to test."""
    if node.get("type") == "string" and "maxLength" in node and "format" not in node:
        return "x" * (node["maxLength"] + 1)
    if node.get("type") == "integer" and "maximum" in node:
        return node["maximum"] + 1
    return None


def json_request_schema(schema, operation):
    content = operation.get("requestBody", {}).get("content", {})
    return resolve(schema, content["application/json"]["schema"])


@pytest.mark.django_db
def test_every_bound_of_a_request_body_is_enforced_with_a_400_naming_the_field(schema):
    # Each operation's first example, with one field past its bound: the server
    # refuses what the schema refuses, so clients can trust the schema's bounds.
    accepted, tried = [], 0
    for method, path, examples in body_examples(schema):
        component = json_request_schema(schema, operations(schema)[method, path])
        for field, node in component.get("properties", {}).items():
            value = one_too_many(node)
            if value is None or not examples:
                continue
            tried += 1
            with transaction.atomic():
                body = {**next(iter(examples.values()))["value"]}
                client, url = prepare(path, body)
                body[field] = value
                response = getattr(client, method)(url, body, format="json")
                if response.status_code != 400 or field not in response.json():
                    accepted.append((method, path, field, response.status_code))
                transaction.set_rollback(True)
    assert tried >= 20
    assert accepted == []
