"""Fixtures for the browser checks: a live server with a few products, and headless Chromium."""

import json
import os
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from e2e.server import DEFAULT_DATABASE_URL, live_server

# Debian's chromium package; Playwright's own browser downloads are not used.
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Containers often have a tiny /dev/shm, where Chromium would crash.
    "--disable-dev-shm-usage",
]


def api(base_url, method, path, body=None, token=None):
    """Call the JSON API and return the decoded body; any 4xx/5xx raises."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    # Only ever the live server's http:// URL.
    request = urllib.request.Request(f"{base_url}{path}", data, headers, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or "null")


@pytest.fixture(scope="session")
def server():
    # Its own database, so that a newman run on shopcore_e2e can go on beside it.
    database_url = os.environ.get(
        "E2E_BROWSER_DATABASE_URL", DEFAULT_DATABASE_URL.replace("shopcore_e2e", "shopcore_e2e_ui")
    )
    with live_server(database_url) as live:
        yield live


@pytest.fixture(scope="session")
def admin_token(server):
    tokens = api(
        server.base_url,
        "POST",
        "/api/auth/login/",
        {"username": server.admin_username, "password": server.admin_password},
    )
    return tokens["access"]


@pytest.fixture(scope="session")
def catalog(server, admin_token):
    """A category with three products, so that the product list has something to show."""
    category = api(
        server.base_url,
        "POST",
        "/api/categories/",
        {"name": "Coffee", "description": "Beans and grounds."},
        admin_token,
    )
    products = [
        api(
            server.base_url,
            "POST",
            "/api/products/",
            {
                "name": name,
                "category": category["id"],
                "price": price,
                "stock": stock,
                "description": description,
            },
            admin_token,
        )
        for name, price, stock, description in [
            ("Ethiopia Yirgacheffe", "14.50", 25, "Floral, citrus, light roast."),
            ("Colombia Huila", "12.00", 40, "Caramel and red apple."),
            ("Sumatra Mandheling", "13.25", 0, "Earthy, dark roast."),
        ]
    ]
    return {"category": category, "products": products}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (or set E2E_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A page that may only reach the live server: anything else is blocked and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside_requests = []

    def only_the_live_server(route):
        if route.request.url.startswith(server.base_url):
            route.continue_()
        else:
            page.outside_requests.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_live_server)
    yield page
    context.close()
