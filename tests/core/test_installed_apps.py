"""A host installs only the apps it wants; a domain app imports only the apps it builds on."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "django_shopcore"
DOMAIN_APPS = ["catalog", "accounts", "carts", "orders"]
# The domain apps each may import: orders build on carts and the catalog,
# carts on the catalog; the catalog and accounts stand alone.
MAY_IMPORT = {
    "catalog": [],
    "accounts": [],
    "carts": ["catalog"],
    "orders": ["carts", "catalog"],
}

# Run in a fresh interpreter: the test process has every app installed.
CATALOG_ONLY_SCRIPT = """
import json, sys
import django
from django.core.management import call_command
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from django_shopcore.catalog.models import Category, Product

call_command("check", fail_level="WARNING")
call_command("migrate", verbosity=0)
setup_test_environment()
category = Category.objects.create(name="Lamps")
Product.objects.create(name="Desk lamp", category=category, price="9.99", stock=3)
client = Client()
schema = client.get("/api/schema/?format=json").json()
print(json.dumps({
    "products": client.get("/api/products/").json()["count"],
    "login": client.post("/api/auth/login/").status_code,
    "paths": sorted(schema["paths"]),
    "security_schemes": sorted(schema.get("components", {}).get("securitySchemes", {})),
    "accounts_imported": [m for m in sys.modules if m.startswith("django_shopcore.accounts")],
}))
"""


@pytest.fixture(scope="module")
def catalog_only():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_catalog_only",
        "DATABASE_URL": "sqlite://:memory:",
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", CATALOG_ONLY_SCRIPT],
        cwd=PACKAGE.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_catalog_serves_without_the_accounts_app(catalog_only):
    assert catalog_only["products"] == 1
    assert catalog_only["login"] == 404


def test_without_the_accounts_app_no_account_module_is_imported(catalog_only):
    # Nor do the system checks ask for simplejwt's blacklist app (check passed above).
    assert catalog_only["accounts_imported"] == []


def test_the_schema_lists_only_the_installed_parts(catalog_only):
    paths = catalog_only["paths"]
    assert "/api/products/" in paths and "/api/categories/" in paths
    assert not [path for path in paths if path.startswith(("/api/auth/", "/api/users/"))]
    # The host's session authentication, not the accounts app's Bearer JWT.
    assert catalog_only["security_schemes"] == ["cookieAuth"]


def imported_modules(path):
    """The absolute names of the modules ``path`` imports (relative imports resolved)."""
    module_parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = module_parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_a_domain_app_imports_only_the_apps_it_builds_on(app):
    others = [
        f"django_shopcore.{other}"
        for other in DOMAIN_APPS
        if other != app and other not in MAY_IMPORT[app]
    ]
    offending = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in imported_modules(path) if name.startswith(tuple(others))
        )
        for path in (PACKAGE / app).rglob("*.py")
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_core_imports_no_domain_app():
    domain = tuple(f"django_shopcore.{app}" for app in DOMAIN_APPS)
    offending = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in imported_modules(path) if name.startswith(domain)
        )
        for path in (PACKAGE / "core").rglob("*.py")
    }
    assert {path: names for path, names in offending.items() if names} == {}
