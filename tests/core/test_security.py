"""Security properties across endpoints (docs/security.md maps them to the OWASP API Top 10)."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

import django_shopcore
from django_shopcore.catalog.models import Category, Product

from ..conftest import bearer_client
from ..factories import (
    DEFAULT_PASSWORD,
    AdminFactory,
    CategoryFactory,
    ProductFactory,
    UserFactory,
)

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
        "/api/auth/me/",
        {"id": other.pk, "email": "me@example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
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
        user_client.patch(
            "/api/auth/me/",
            {"email": "moved@example.com", "current_password": DEFAULT_PASSWORD},
            format="json",
        ),
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


# --- the example project's production configuration (subprocesses: settings read env) ---

EXAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "example_project"
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF",
    "JWT_SIGNING_KEY": "a-separate-jwt-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "sqlite://:memory:",
    "CACHE_URL": "locmemcache://",
    "REDIS_URL": "",
}


def run_example(args, **env):
    """``args`` run with the example project's settings and only the given environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CACHE_", "REDIS_", "SECURE_", "CORS_"))
        and key not in PRODUCTION_ENV
    }
    return subprocess.run(  # noqa: S603 (our own arguments)
        [sys.executable, *args],
        cwd=EXAMPLE_PROJECT,
        env={**environment, **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def deploy_check(**env):
    return run_example(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)


def in_example_project(code, **env):
    """Run ``code`` with Django set up on the example project; returns its stdout."""
    setup = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'demo.settings'\n"
        "django.setup()\n"
    )
    result = run_example(["-c", setup + code], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_deploy_checks_pass_with_production_settings():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "warning"),
    [
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_HSTS_PRELOAD": "false"}, "security.W021"),
    ],
)
def test_deploy_checks_fail_on_a_weakened_setting(env, warning):
    result = deploy_check(**env)
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def test_ssl_redirect_can_be_left_to_a_tls_proxy():
    result = deploy_check(SECURE_SSL_REDIRECT="false", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode == 0, result.stdout + result.stderr
    output = in_example_project(
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)",
        SECURE_SSL_REDIRECT="false",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    assert output.split() == ["False", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


def test_the_jwt_signing_key_is_separate_from_the_secret_key():
    code = (
        "from django.conf import settings as s; "
        "from rest_framework_simplejwt.settings import api_settings as jwt; "
        "print(jwt.SIGNING_KEY == s.SIMPLE_JWT['SIGNING_KEY'], jwt.SIGNING_KEY == s.SECRET_KEY)"
    )
    assert in_example_project(code).split() == ["True", "False"]
    # Without its own key (unset or empty, as in .env.example), SECRET_KEY signs:
    # never an empty key, with which anyone could sign a token.
    assert in_example_project(code, JWT_SIGNING_KEY="").split() == ["True", "True"]


RESPONSE_OF = """
from django.test import Client
response = Client().generic({method!r}, {path!r}, secure=True, **{extra!r})
print(response.status_code)
print(response["Content-Type"])
print(dict(response.headers))
print(response.content.decode()[:300])
"""


def response_of(path, method="GET", extra=None, **env):
    extra = {"HTTP_HOST": "shop.example.com", **(extra or {})}
    output = in_example_project(RESPONSE_OF.format(path=path, method=method, extra=extra), **env)
    status, content_type, headers, body = output.split("\n", 3)
    return int(status), content_type, ast.literal_eval(headers), body


@pytest.mark.parametrize("path", ["/nope/", "/api/nope/", "/api/products/abc/"])
def test_unknown_urls_get_a_json_404_not_a_debug_page(path):
    status, content_type, _, body = response_of(path)
    assert status == 404
    assert content_type == "application/json"
    assert json.loads(body) == {"detail": "Not found."}


def test_a_foreign_host_gets_a_json_400():
    status, content_type, _, body = response_of(
        "/api/schema/", extra={"HTTP_HOST": "evil.example"}
    )
    assert status == 400
    assert content_type == "application/json"
    assert "detail" in json.loads(body)


def test_responses_carry_the_security_headers():
    status, _, headers, _ = response_of("/api/schema/")
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_http_is_redirected_to_https():
    output = in_example_project(
        "from django.test import Client; "
        "r = Client().get('/api/schema/', HTTP_HOST='shop.example.com'); "
        "print(r.status_code, r['Location'])"
    )
    assert output.split() == ["301", "https://shop.example.com/api/schema/"]


PREFLIGHT = {
    "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
    "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type",
}


def test_cors_allows_only_the_listed_origins():
    origins = "https://shop.example.com,https://admin.example.com"
    for origin, allowed in [
        ("https://shop.example.com", True),
        ("https://admin.example.com", True),
        ("https://evil.example", False),
        ("http://shop.example.com", False),
    ]:
        _, _, headers, _ = response_of(
            "/api/products/",
            method="OPTIONS",
            extra={**PREFLIGHT, "HTTP_ORIGIN": origin},
            CORS_ALLOWED_ORIGINS=origins,
        )
        assert (headers.get("access-control-allow-origin") == origin) is allowed, headers
        assert "access-control-allow-credentials" not in headers


def test_without_cors_origins_no_cross_origin_access():
    _, _, headers, _ = response_of(
        "/api/products/",
        method="OPTIONS",
        extra={**PREFLIGHT, "HTTP_ORIGIN": "https://shop.example.com"},
    )
    assert not any(name.lower().startswith("access-control-") for name in headers)
