"""URL includes: the whole API, each part alone, and a mount point other than api/."""

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse

pytestmark = pytest.mark.user_model_agnostic

NAMESPACES = {"shopcore_catalog", "shopcore_auth", "shopcore_docs"}


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
