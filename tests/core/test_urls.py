"""URL includes: the whole API, each part alone, and a mount point other than api/."""

import pytest
from django.http import HttpResponse
from django.urls import Resolver404, get_resolver, include, path, resolve, reverse

pytestmark = pytest.mark.user_model_agnostic

NAMESPACES = {"shopcore_catalog", "shopcore_auth", "shopcore_docs"}

# A host with routes of its own beside the API (this module is their URLconf).
urlpatterns = [
    path("api/host-before/", lambda request: HttpResponse("host")),
    path("api/", include("django_shopcore.urls")),
    path("pages/about/", lambda request: HttpResponse("about")),
]


def test_the_whole_api_has_every_namespace():
    assert set(get_resolver("tests.urls").namespace_dict) >= NAMESPACES


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("shopcore_docs:schema", "/api/schema/"),
        ("shopcore_docs:swagger-ui", "/api/docs/"),
        ("shopcore_docs:redoc", "/api/redoc/"),
        ("shopcore_catalog:category-list", "/api/categories/"),
        ("shopcore_catalog:product-list", "/api/products/"),
        ("shopcore_auth:register", "/api/auth/register/"),
        ("shopcore_auth:login", "/api/auth/login/"),
        ("shopcore_auth:refresh", "/api/auth/refresh/"),
        ("shopcore_auth:logout", "/api/auth/logout/"),
        ("shopcore_auth:me", "/api/auth/me/"),
        ("shopcore_auth:password", "/api/auth/password/"),
        ("shopcore_auth:user-list", "/api/users/"),
    ],
)
def test_the_whole_api_mounted_under_api(name, path):
    assert reverse(name) == path
    assert resolve(path).namespace == name.split(":")[0]


@pytest.mark.urls("tests.urls_partial")
def test_each_part_mounts_alone_with_its_namespace():
    resolver = get_resolver("tests.urls_partial")
    assert set(resolver.namespace_dict) == NAMESPACES
    prefixes = {name: prefix for name, (prefix, _) in resolver.namespace_dict.items()}
    assert prefixes == {
        "shopcore_catalog": "store/",
        "shopcore_auth": "accounts/",
        "shopcore_docs": "reference/",
    }
    assert reverse("shopcore_docs:schema") == "/reference/schema/"
    assert reverse("shopcore_catalog:product-list") == "/store/products/"
    assert reverse("shopcore_auth:login") == "/accounts/auth/login/"


@pytest.mark.urls("tests.urls_partial")
def test_a_part_brings_only_its_own_routes():
    with pytest.raises(Resolver404):
        resolve("/store/schema/")
    with pytest.raises(Resolver404):
        resolve("/accounts/docs/")
    with pytest.raises(Resolver404):
        resolve("/reference/products/")
    with pytest.raises(Resolver404):
        resolve("/store/auth/login/")


@pytest.mark.urls("tests.urls_partial")
def test_the_docs_part_alone_serves_the_schema(client):
    response = client.get("/reference/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.urls("tests.urls_prefixed")
def test_a_mount_under_another_prefix_serves_everything_there(client):
    assert reverse("shopcore_docs:schema") == "/shop/v1/schema/"
    schema = client.get("/shop/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/shop/v1/products/", "/shop/v1/categories/", "/shop/v1/auth/login/"} <= set(paths)
    # Nothing in the package hard-codes /api/.
    assert not [path for path in paths if path.startswith("/api/")]
    assert client.get("/api/schema/").status_code == 404


@pytest.mark.urls("tests.urls_prefixed")
@pytest.mark.parametrize("path", ["/shop/v1/docs/", "/shop/v1/redoc/"])
def test_the_docs_pages_point_at_the_schema_where_it_is_mounted(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "/shop/v1/schema/" in response.content.decode()


def test_swagger_ui_is_served_with_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr.net" not in html


def assert_json_404(response):
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "path",
    [
        "/api/categories/electronics/",
        "/api/products/1/unknown/",
        "/api/no-such-thing/",
        "/api/",
        "/api/auth/nope/deeper/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_path_under_the_api_is_a_json_404(client, path, method):
    # The plain Django client enforces nothing DRF would: CSRF checks, HTML accepted.
    response = getattr(client, method)(path, HTTP_ACCEPT="text/html")
    assert_json_404(response)


def test_an_unknown_path_without_a_slash_is_redirected_then_a_json_404(client):
    response = client.get("/api/no-such-thing", follow=True)
    assert response.redirect_chain == [("/api/no-such-thing/", 301)]
    assert_json_404(response)


def test_known_routes_without_a_slash_still_redirect(client):
    response = client.get("/api/products")
    assert response.status_code == 301
    assert response["Location"] == "/api/products/"


@pytest.mark.urls(__name__)
def test_host_routes_beside_the_api_are_not_shadowed(client):
    assert client.get("/api/host-before/").content == b"host"
    assert client.get("/pages/about/").content == b"about"
    outside = client.get("/pages/missing/")
    assert outside.status_code == 404
    assert not outside["Content-Type"].startswith("application/json")
    assert_json_404(client.get("/api/missing/"))


@pytest.mark.urls("tests.urls_prefixed")
def test_the_json_404_follows_the_mount_point(client):
    assert_json_404(client.get("/shop/v1/categories/electronics/"))


@pytest.mark.urls("tests.urls_partial")
def test_a_part_mounted_alone_brings_no_catch_all(client):
    with pytest.raises(Resolver404):
        resolve("/store/unknown/")
