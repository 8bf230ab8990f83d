"""The OpenAPI schema and the docs pages: warning-free, valid, complete and as committed.

docs/openapi.yaml is the committed schema; the golden-file test fails with a
diff whenever the generated schema differs, so every API change shows up in
review. After an intended change, rewrite the file and commit it:

    SHOPCORE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/core/test_schema.py
"""

import difflib
import os
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import validate as validate_spec
from rest_framework.permissions import BasePermission
from rest_framework.test import APIClient

from django_shopcore import __version__
from django_shopcore.core.settings import shopcore_settings
from django_shopcore.openapi.views import DESCRIPTION, TAGS, schema_settings

from ..factories import DEFAULT_PASSWORD

GOLDEN_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
UPDATE_GOLDEN = "SHOPCORE_UPDATE_GOLDEN"

# Every shipped route: the contract's (/work/shared/API.md), plus auth/logout-all/.
EXPECTED_OPERATIONS = {
    ("post", "/api/auth/register/"),
    ("post", "/api/auth/login/"),
    ("post", "/api/auth/refresh/"),
    ("post", "/api/auth/logout/"),
    ("post", "/api/auth/logout-all/"),
    ("get", "/api/auth/me/"),
    ("patch", "/api/auth/me/"),
    ("post", "/api/auth/password/"),
    ("post", "/api/auth/password/reset/"),
    ("post", "/api/auth/password/reset/confirm/"),
    *(
        (method, f"/api/{resource}/")
        for resource in ("users", "categories", "products")
        for method in ("get", "post")
    ),
    *(
        (method, f"/api/{resource}/{{id}}/")
        for resource in ("users", "categories", "products")
        for method in ("get", "put", "patch", "delete")
    ),
    ("get", "/api/products/{product_pk}/variants/"),
    ("post", "/api/products/{product_pk}/variants/"),
    *(
        (method, "/api/products/{product_pk}/variants/{id}/")
        for method in ("get", "put", "patch", "delete")
    ),
    ("post", "/api/products/{product_pk}/images/"),
    ("patch", "/api/products/{product_pk}/images/{id}/"),
    ("delete", "/api/products/{product_pk}/images/{id}/"),
    ("post", "/api/carts/"),
    ("get", "/api/carts/{id}/"),
    ("delete", "/api/carts/{id}/"),
    ("post", "/api/carts/{id}/items/"),
    ("patch", "/api/carts/{id}/items/{item_id}/"),
    ("delete", "/api/carts/{id}/items/{item_id}/"),
    ("get", "/api/orders/"),
    ("post", "/api/orders/"),
    ("get", "/api/orders/{id}/"),
    ("post", "/api/orders/{id}/cancel/"),
    ("post", "/api/orders/{id}/mark-paid/"),
    ("post", "/api/orders/{id}/fulfil/"),
}
ADMIN_WRITES = [
    (method, path)
    for method, path in sorted(EXPECTED_OPERATIONS)
    if path.startswith(("/api/categories/", "/api/products/")) and method != "get"
]
PUBLIC_READS = [
    ("get", "/api/categories/"),
    ("get", "/api/categories/{id}/"),
    ("get", "/api/products/"),
    ("get", "/api/products/{id}/"),
    ("get", "/api/products/{product_pk}/variants/"),
    ("get", "/api/products/{product_pk}/variants/{id}/"),
]
THROTTLED = [
    ("post", "/api/auth/register/"),
    ("post", "/api/auth/login/"),
    ("post", "/api/auth/refresh/"),
    ("post", "/api/auth/password/"),
    ("post", "/api/auth/password/reset/"),
    ("post", "/api/auth/password/reset/confirm/"),
    ("patch", "/api/auth/me/"),
]
CDN_SETTINGS = {
    "SWAGGER_UI_DIST": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@latest",
    "SWAGGER_UI_FAVICON_HREF": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@latest/favicon.png",
    "REDOC_DIST": "https://cdn.jsdelivr.net/npm/redoc@latest",
}


def fetch_schema(path="/api/schema/"):
    response = APIClient().get(path)
    assert response.status_code == 200, response.content
    return response.content.decode()


@pytest.fixture(scope="module")
def schema_yaml():
    # No database access: the schema must not depend on the database.
    return fetch_schema()


@pytest.fixture(scope="module")
def schema(schema_yaml):
    return yaml.safe_load(schema_yaml)


def operations(schema):
    return {
        (method, path): operation
        for path, path_item in schema["paths"].items()
        for method, operation in path_item.items()
    }


def generator_messages():
    return [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]


# Generation and validity.


@pytest.mark.user_model_agnostic
def test_the_served_schema_is_generated_without_warnings_and_is_valid():
    schema = yaml.safe_load(fetch_schema())
    assert not GENERATOR_STATS, generator_messages()
    validate_spec(schema)
    validate_schema(schema)


@pytest.mark.user_model_agnostic
def test_the_spectacular_command_runs_warning_free_and_validates(tmp_path):
    # The host's own `manage.py spectacular` run: --fail-on-warn raises on any warning.
    output = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))
    validate_spec(yaml.safe_load(output.read_text()))


@pytest.mark.user_model_agnostic
def test_the_schema_is_served_as_json_too():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_schema_matches_the_committed_golden_file(schema_yaml):
    if settings.AUTH_USER_MODEL != "auth.User":
        pytest.skip("docs/openapi.yaml describes Django's default user model")
    if os.environ.get(UPDATE_GOLDEN):
        GOLDEN_FILE.write_text(schema_yaml, encoding="utf-8")
    committed = GOLDEN_FILE.read_text(encoding="utf-8") if GOLDEN_FILE.exists() else ""
    if schema_yaml != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                schema_yaml.splitlines(keepends=True),
                fromfile="docs/openapi.yaml (committed)",
                tofile="generated",
            )
        )
        pytest.fail(
            "The API schema changed. If intended, rerun with "
            f"{UPDATE_GOLDEN}=1 and commit docs/openapi.yaml.\n\n{diff}",
            pytrace=False,
        )


# What the schema lists.


@pytest.mark.user_model_agnostic
def test_the_schema_lists_exactly_the_shipped_routes(schema):
    assert set(operations(schema)) == EXPECTED_OPERATIONS


def test_schema_info_and_tags_default_to_shopcores(schema):
    assert schema["info"]["description"] == DESCRIPTION
    assert schema["info"]["version"] == __version__
    assert schema["tags"] == TAGS
    assert all(tag["description"] for tag in schema["tags"])


@pytest.mark.user_model_agnostic
def test_every_operation_is_described_and_tagged(schema):
    tags = {tag["name"] for tag in TAGS}
    for key, operation in operations(schema).items():
        assert operation.get("summary"), key
        assert operation.get("description"), key
        assert len(operation["tags"]) == 1 and operation["tags"][0] in tags, key


def test_operations_are_tagged_by_resource(schema):
    for (_, path), operation in operations(schema).items():
        resource = path.split("/")[2]
        expected = {"auth": "Auth", "users": "Users"}.get(resource, resource.title())
        assert operation["tags"] == [expected], path


@pytest.mark.user_model_agnostic
def test_every_error_response_has_a_shared_schema_and_an_example(schema):
    shared = {
        f"#/components/schemas/{name}"
        for name in ("Error", "ValidationError", "StockConflict", "PriceConflict")
    }
    for key, operation in operations(schema).items():
        for status_code, response in operation["responses"].items():
            if not status_code.startswith("4"):
                continue
            content = response["content"]["application/json"]
            refs = {item["$ref"] for item in content["schema"].get("anyOf", [content["schema"]])}
            assert refs <= shared, (key, status_code)
            assert content["examples"], (key, status_code)
            assert response["description"], (key, status_code)


def test_the_product_ordering_parameter_lists_its_choices(schema):
    parameters = {p["name"]: p for p in operations(schema)["get", "/api/products/"]["parameters"]}
    enum = set(parameters["ordering"]["schema"]["items"]["enum"])
    assert {"price", "-price", "created_at", "-created_at"} <= enum
    assert parameters["min_price"]["schema"]["format"] == "decimal"
    assert re.match(parameters["min_price"]["schema"]["pattern"], "10.50")
    assert not re.match(parameters["min_price"]["schema"]["pattern"], "1.005")
    assert parameters["in_stock"]["schema"]["type"] == "boolean"
    assert parameters["search"]["schema"]["maxLength"] == shopcore_settings.SEARCH_MAX_LENGTH
    # Repeatable: ?option=size:M&option=size:L.
    assert parameters["option"]["schema"]["type"] == "array"
    assert parameters["option"]["explode"] is True
    assert all(parameter.get("description") for parameter in parameters.values())


@pytest.mark.parametrize("path", ["/api/categories/", "/api/products/", "/api/users/"])
def test_pages_are_bounded(schema, path):
    parameters = {p["name"]: p for p in operations(schema)["get", path]["parameters"]}
    assert parameters["page"]["schema"]["minimum"] == 1
    page_size = parameters["page_size"]["schema"]
    assert page_size["minimum"] == 1
    assert page_size["maximum"] == shopcore_settings.MAX_PAGE_SIZE
    # A default would be sent by generated clients, overriding the host's PAGE_SIZE.
    assert "default" not in page_size
    assert "PAGE_SIZE" in parameters["page_size"]["description"]


@override_settings(SHOPCORE={"MAX_PAGE_SIZE": 50})
def test_the_page_size_bound_follows_the_setting():
    schema = yaml.safe_load(fetch_schema())
    parameters = operations(schema)["get", "/api/products/"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 50


def test_ids_in_paths_are_integers_or_a_carts_uuid(schema):
    for key, operation in operations(schema).items():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                if key[1].startswith("/api/carts/") and parameter["name"] == "id":
                    assert parameter["schema"] == {"type": "string", "format": "uuid"}, key
                    continue
                # A bigint column's ids (auth.User's may be an int's).
                assert parameter["schema"]["type"] == "integer", key
                assert parameter["schema"]["format"] in ("int32", "int64"), key
                assert parameter["schema"]["minimum"] == 1, key


def test_the_bearer_scheme_is_simplejwts(schema):
    scheme = schema["components"]["securitySchemes"]["jwtAuth"]
    assert {key: scheme[key] for key in ("type", "scheme", "bearerFormat")} == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    # What OWASP's ruleset asks of a JWT scheme: that it says it follows RFC 8725.
    assert "RFC8725" in scheme["description"]


@pytest.mark.parametrize(("method", "path"), ADMIN_WRITES)
def test_admin_writes_need_the_bearer_token(schema, method, path):
    operation = operations(schema)[method, path]
    assert operation["security"] == [{"jwtAuth": []}]
    assert {"401", "403"} <= set(operation["responses"])
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


@pytest.mark.parametrize(("method", "path"), PUBLIC_READS)
def test_public_reads_take_an_optional_token(schema, method, path):
    operation = operations(schema)[method, path]
    assert {} in operation["security"]
    assert {"jwtAuth": []} in operation["security"]
    assert "403" not in operation["responses"]


def test_replacing_a_user_does_not_require_a_password(schema):
    components = schema["components"]["schemas"]
    create = operations(schema)["post", "/api/users/"]["requestBody"]["content"]
    update = operations(schema)["put", "/api/users/{id}/"]["requestBody"]["content"]
    create_ref = create["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    update_ref = update["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "password" in components[create_ref]["required"]
    assert "password" not in components[update_ref]["required"]


def test_user_management_is_for_admins_only(schema):
    for (_, path), operation in operations(schema).items():
        if path.startswith("/api/users/"):
            assert operation["security"] == [{"jwtAuth": []}]
            assert "403" in operation["responses"]


def test_detail_routes_and_paged_lists_document_404(schema):
    for (method, path), operation in operations(schema).items():
        if "{id}" in path or (method == "get" and path.endswith(("categories/", "products/"))):
            assert "404" in operation["responses"], (method, path)


def test_operations_with_a_body_document_413(schema):
    for key, operation in operations(schema).items():
        if "requestBody" in operation:
            examples = operation["responses"]["413"]["content"]["application/json"]["examples"]
            details = [example["value"].get("detail", "") for example in examples.values()]
            assert any(str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in d for d in details), key


def test_image_uploads_document_their_own_413_and_multipart_body(schema):
    operation = operations(schema)["post", "/api/products/{product_pk}/images/"]
    examples = operation["responses"]["413"]["content"]["application/json"]["examples"]
    assert "ImageTooLarge" in examples
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_deleting_a_category_documents_409(schema):
    response = operations(schema)["delete", "/api/categories/{id}/"]["responses"]["409"]
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert response["content"]["application/json"]["examples"]


@pytest.mark.parametrize(("method", "path"), THROTTLED)
def test_throttled_operations_document_429(schema, method, path):
    response = operations(schema)[method, path]["responses"]["429"]
    assert "Retry-After" in response["headers"]


def test_login_documents_bad_credentials_and_has_no_security(schema):
    operation = operations(schema)["post", "/api/auth/login/"]
    assert operation["security"] == []
    assert {"400", "401", "429"} <= set(operation["responses"])
    response_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    login = schema["components"]["schemas"][response_schema["$ref"].rsplit("/", 1)[1]]
    assert {"access", "refresh"} <= set(login["properties"])


def test_write_and_read_shapes_are_separate_components(schema):
    components = schema["components"]["schemas"]
    assert {"id", "created_at"} <= set(components["Product"]["properties"])
    assert not {"id", "created_at"} & set(components["ProductRequest"]["properties"])
    # A product's category is written as an id and read as an object holding it.
    assert components["ProductRequest"]["properties"]["category"]["type"] == "integer"
    assert components["Product"]["properties"]["category"] == {
        "$ref": "#/components/schemas/CategorySummary"
    }
    assert "id" in components["CategorySummary"]["properties"]


def test_prices_are_documented_as_non_negative_decimal_strings(schema):
    price = schema["components"]["schemas"]["ProductRequest"]["properties"]["price"]
    assert price["type"] == "string"
    assert re.match(price["pattern"], "19.99")
    assert not re.match(price["pattern"], "-19.99")


def test_unicode_slugs_have_no_ascii_only_pattern(schema):
    components = schema["components"]["schemas"]
    for name in ("Category", "Product", "CategorySummary"):
        assert "pattern" not in components[name]["properties"]["slug"], name


def test_the_parent_filter_takes_an_id_or_null(schema):
    parameters = operations(schema)["get", "/api/categories/"]["parameters"]
    pattern = next(p for p in parameters if p["name"] == "parent")["schema"]["pattern"]
    assert re.match(pattern, "12") and re.match(pattern, "null")
    assert not re.match(pattern, "shoes")


@pytest.mark.user_model_agnostic
def test_request_bodies_are_json_only_but_image_uploads(schema):
    for key, operation in operations(schema).items():
        if "requestBody" not in operation:
            continue
        expected = {"application/json"}
        if key == ("post", "/api/products/{product_pk}/images/"):
            # The upload carries a file, which a JSON body cannot.
            expected = {"multipart/form-data"}
        elif "/images/" in key[1]:  # alt and position, as JSON or as a form
            expected.add("multipart/form-data")
        assert set(operation["requestBody"]["content"]) == expected, key


def test_the_400_examples_name_real_fields(schema):
    create = operations(schema)["post", "/api/products/"]["responses"]["400"]
    examples = create["content"]["application/json"]["examples"]
    request_fields = schema["components"]["schemas"]["ProductRequest"]["properties"]
    assert set(examples["InvalidInput"]["value"]) <= set(request_fields)
    assert set(examples["MalformedJson"]["value"]) == {"detail"}
    listing = operations(schema)["get", "/api/products/"]["responses"]["400"]
    (invalid,) = listing["content"]["application/json"]["examples"].values()
    assert set(invalid["value"]) == {"page_size"}


def test_the_multipart_only_upload_s_400_example_names_its_file_field(schema):
    upload = operations(schema)["post", "/api/products/{product_pk}/images/"]
    examples = upload["responses"]["400"]["content"]["application/json"]["examples"]
    assert examples["InvalidInput"]["value"] == {"image": ["No file was submitted."]}


@pytest.mark.django_db
def test_a_login_token_sent_as_the_bearer_scheme_says_authorizes_admin_writes(schema, admin_user):
    # What Swagger UI does after "Authorize": `Authorization: Bearer <access>`.
    login_fields = {
        admin_user.USERNAME_FIELD: admin_user.get_username(),
        "password": DEFAULT_PASSWORD,
    }
    client = APIClient()
    access = client.post("/api/auth/login/", login_fields, format="json").json()["access"]
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = client.post("/api/categories/", {"name": "Shoes"}, format="json")
    assert response.status_code == 201


@pytest.mark.urls("tests.urls_prefixed")
def test_the_schema_follows_the_mount_point():
    schema = yaml.safe_load(fetch_schema("/shop/v1/schema/"))
    assert {path.split("/")[1:3] == ["shop", "v1"] for path in schema["paths"]} == {True}
    operation = schema["paths"]["/shop/v1/products/"]["get"]
    assert operation["operationId"] == "products_list"
    assert operation["tags"] == ["Products"]


@pytest.mark.urls("tests.urls_partial")
def test_tags_do_not_depend_on_the_mount_point():
    schema = yaml.safe_load(fetch_schema("/reference/schema/"))
    assert schema["paths"]["/store/products/"]["get"]["tags"] == ["Products"]
    assert schema["paths"]["/accounts/users/"]["get"]["tags"] == ["Users"]
    assert schema["paths"]["/accounts/auth/login/"]["post"]["tags"] == ["Auth"]


# Settings: the host's win.


@override_settings(SPECTACULAR_SETTINGS={"TITLE": "Host API", "TAGS": []})
def test_schema_settings_leave_what_the_host_set():
    defaults = schema_settings()
    assert "TITLE" not in defaults
    assert "TAGS" not in defaults
    assert defaults["DESCRIPTION"] == DESCRIPTION
    assert defaults["COMPONENT_SPLIT_REQUEST"] is True


@override_settings(SPECTACULAR_SETTINGS={})
def test_schema_settings_fill_in_what_the_host_left_unset():
    assert schema_settings()["TITLE"] == "django-shopcore"
    assert schema_settings()["VERSION"] == __version__


# The docs pages.


@pytest.fixture
def cdn_settings():
    """A host whose SPECTACULAR_SETTINGS point the docs assets at a CDN."""
    with (
        override_settings(SPECTACULAR_SETTINGS={**settings.SPECTACULAR_SETTINGS, **CDN_SETTINGS}),
        patched_settings(CDN_SETTINGS),
    ):
        yield


@pytest.mark.user_model_agnostic
@pytest.mark.parametrize("url_name", ["shopcore_docs:swagger-ui", "shopcore_docs:redoc"])
@pytest.mark.parametrize("host_uses_a_cdn", [False, True])
def test_docs_pages_load_only_local_sidecar_assets(request, url_name, host_uses_a_cdn):
    if host_uses_a_cdn:
        request.getfixturevalue("cdn_settings")
    response = APIClient().get(reverse(url_name))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the page loads something from the internet"
    assets = re.findall(r'(?:src|href)="/static/(drf_spectacular_sidecar/[^"]+)"', html)
    assert assets
    for asset in assets:
        assert finders.find(asset), f"{asset} is not a local static file"
    assert f'"{reverse("shopcore_docs:schema")}"' in html


@pytest.mark.parametrize("url_name", ["shopcore_docs:swagger-ui", "shopcore_docs:redoc"])
def test_docs_pages_forbid_the_browser_every_other_host(url_name):
    # ReDoc's bundle fetches its footer logo from cdn.redoc.ly unless the page forbids it.
    policy = APIClient().get(reverse(url_name))["Content-Security-Policy"]
    directives = dict(directive.split(" ", 1) for directive in policy.split("; "))
    assert directives["default-src"] == "'self'"
    for name, sources in directives.items():
        assert not re.search(r"https?:|\*", sources), f"{name} allows another host: {sources}"


def test_swagger_ui_keeps_the_token_and_shows_no_operation_ids():
    html = APIClient().get(reverse("shopcore_docs:swagger-ui")).content.decode()
    assert '"persistAuthorization": true' in html
    assert '"displayOperationId": false' in html
    assert "<title>django-shopcore</title>" in html


class NeedsAProfile(BasePermission):
    """A host permission reading what a bare user does not have."""

    def has_permission(self, request, view):
        return request.user.profile.can_write


class Broken(BasePermission):
    def has_permission(self, request, view):
        raise RuntimeError("a bug in the permission")


def generate_schema():
    with patched_settings(schema_settings()):
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.django_db
def test_a_permission_needing_more_than_a_user_is_documented_as_refusing(settings):
    settings.SHOPCORE = {"CATALOG_PERMISSION_CLASSES": [f"{__name__}.NeedsAProfile"]}

    responses = generate_schema()["paths"]["/api/products/"]["get"]["responses"]

    assert "403" in responses


@pytest.mark.django_db
def test_a_permission_that_fails_otherwise_fails_the_schema(settings):
    settings.SHOPCORE = {"CATALOG_PERMISSION_CLASSES": [f"{__name__}.Broken"]}

    with pytest.raises(RuntimeError, match="a bug in the permission"):
        generate_schema()
