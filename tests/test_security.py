"""Security properties across endpoints (docs/security.md maps them to the OWASP API Top 10)."""

import ast
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

import django_shopcore
from django_shopcore.models import Category, Product

from .conftest import bearer_client
from .factories import DEFAULT_PASSWORD, AdminFactory, CategoryFactory, ProductFactory, UserFactory

User = get_user_model()
PACKAGE_DIR = Path(django_shopcore.__file__).resolve().parent


def every_key(value):
    """All the keys of a JSON document, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from every_key(item)
    elif isinstance(value, list):
        for item in value:
            yield from every_key(item)


# --- API1 broken object-level authorization ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_a_user_cannot_read_or_change_another_user(method):
    user, other = UserFactory(), UserFactory()
    before = User.objects.values().get(pk=other.pk)

    response = getattr(bearer_client(user), method)(
        f"/api/users/{other.pk}/", {"email": "stolen@example.com", "is_staff": True}, format="json"
    )

    assert response.status_code == 403
    assert other.email not in response.content.decode()
    assert User.objects.values().get(pk=other.pk) == before


@pytest.mark.django_db
def test_me_is_always_the_caller():
    user, other = UserFactory(), UserFactory()
    client = bearer_client(user)

    response = client.patch(
        "/api/auth/me/", {"id": other.pk, "email": "me@example.com"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["id"] == user.pk
    other_email = other.email
    other.refresh_from_db()
    assert other.email == other_email


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "user"])
def test_inactive_products_are_invisible_to_non_admins(who):
    hidden = ProductFactory(is_active=False)
    client = APIClient() if who == "anonymous" else bearer_client(UserFactory())

    assert client.get(f"/api/products/{hidden.pk}/").status_code == 404
    assert client.get("/api/products/").json()["count"] == 0
    assert bearer_client(AdminFactory()).get(f"/api/products/{hidden.pk}/").status_code == 200


# --- API3 broken object property level authorization --------------------------------


@pytest.mark.django_db
def test_no_response_holds_a_password_or_its_hash():
    """Every account response, for every kind of caller: no password key, no hash."""
    admin, user = AdminFactory(), UserFactory()
    admin_client, user_client, anonymous = bearer_client(admin), bearer_client(user), APIClient()
    new_user = {"username": "fresh", "email": "fresh@example.com", "password": DEFAULT_PASSWORD}
    responses = [
        anonymous.post("/api/auth/register/", new_user, format="json"),
        anonymous.post(
            "/api/auth/login/",
            {"username": user.username, "password": DEFAULT_PASSWORD},
            format="json",
        ),
        user_client.get("/api/auth/me/"),
        user_client.patch("/api/auth/me/", {"email": "moved@example.com"}, format="json"),
        admin_client.get("/api/users/"),
        admin_client.get(f"/api/users/{user.pk}/"),
        admin_client.post(
            "/api/users/",
            {**new_user, "username": "other", "email": "o@example.com"},
            format="json",
        ),
        admin_client.patch(
            f"/api/users/{user.pk}/", {"password": "Brand-New-Passphrase-8"}, format="json"
        ),
        admin_client.put(
            f"/api/users/{user.pk}/",
            {"username": user.username, "email": user.email, "password": DEFAULT_PASSWORD},
            format="json",
        ),
    ]
    hashes = list(User.objects.values_list("password", flat=True))

    for response in responses:
        assert response.status_code < 300, (response.request["PATH_INFO"], response.content)
        body = response.json()
        assert not any("password" in key for key in every_key(body)), body
        text = json.dumps(body)
        assert not any(hashed in text for hashed in hashes)


@pytest.mark.django_db
def test_catalog_read_only_fields_cannot_be_written():
    admin_client = bearer_client(AdminFactory())
    parent = CategoryFactory()
    forged = {
        "id": 999_999,
        "created_at": "2000-01-01T00:00:00Z",
        "updated_at": "2000-01-01T00:00:00Z",
    }

    category = admin_client.post(
        "/api/categories/",
        {"name": "Forged", "parent": parent.pk, "depth": 7, "path": "/1/", **forged},
        format="json",
    )
    product = admin_client.post(
        "/api/products/",
        {"name": "Forged", "category": parent.pk, "price": "1.00", **forged},
        format="json",
    )

    assert category.status_code == product.status_code == 201
    created_category = Category.objects.get(name="Forged")
    created_product = Product.objects.get(name="Forged")
    for created in (created_category, created_product):
        assert created.pk != forged["id"]
        assert created.created_at.year > 2000
        assert created.updated_at.year > 2000
    # The tree position follows ``parent`` only.
    assert created_category.depth == 1
    assert created_category.path == f"{parent.path}{created_category.pk}/"


# --- API7 server-side request forgery, API10 unsafe consumption of APIs ---------------

OUTBOUND_MODULES = {
    "aiohttp",
    "ftplib",
    "http.client",
    "httpx",
    "pycurl",
    "requests",
    "smtplib",
    "socket",
    "urllib.request",
    "urllib3",
}


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_package_makes_no_outbound_requests():
    """No module of the package can open a connection: no URL a client sends is fetched."""
    sources = sorted(PACKAGE_DIR.rglob("*.py"))
    assert sources
    found = {
        f"{path.relative_to(PACKAGE_DIR)}: {module}"
        for path in sources
        for module in imported_modules(path)
        if module in OUTBOUND_MODULES or module.split(".")[0] in OUTBOUND_MODULES
    }
    assert not found
