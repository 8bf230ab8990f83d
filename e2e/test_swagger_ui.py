"""Swagger UI in headless Chromium: listed operations, "Try it out", Authorize, all offline."""

import re
from pathlib import Path

from playwright.sync_api import expect

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "images" / "swagger.png"
# Swagger UI renders the whole schema client-side; allow it a moment on slow CI.
RENDER_TIMEOUT = 15_000


def operation(page, method, path):
    """The collapsible block of one operation, e.g. ``GET /api/products/``."""
    return page.locator(
        f'.opblock-{method.lower()}:has(.opblock-summary-path[data-path="{path}"])'
    ).first


def try_it_out(block):
    """Expand an operation, press "Try it out" then "Execute", and return its status cell."""
    if not block.locator(".try-out__btn").is_visible():
        block.locator(".opblock-summary").click()
    block.locator(".try-out__btn").click()
    block.locator("button.execute").click()
    return block.locator(".live-responses-table tbody .response-col_status").first


def test_operations_are_listed_by_tag(page, server):
    page.goto(f"{server.base_url}/api/docs/")
    for tag in ["Auth", "Users", "Categories", "Products"]:
        expect(page.locator(".opblock-tag", has_text=re.compile(f"^{tag}"))).to_be_visible(
            timeout=RENDER_TIMEOUT
        )
    for method, path in [
        ("POST", "/api/auth/login/"),
        ("GET", "/api/users/"),
        ("POST", "/api/categories/"),
        ("GET", "/api/products/"),
        ("DELETE", "/api/products/{id}/"),
    ]:
        expect(operation(page, method, path)).to_be_visible()
    assert page.outside_requests == []


def test_try_it_out_lists_products(page, server, catalog):
    page.goto(f"{server.base_url}/api/docs/")
    product_list = operation(page, "GET", "/api/products/")
    product_list.wait_for(timeout=RENDER_TIMEOUT)

    status = try_it_out(product_list)

    expect(status).to_have_text("200", timeout=RENDER_TIMEOUT)
    response_body = product_list.locator(".live-responses-table tbody .response-col_description")
    for product in catalog["products"]:
        expect(response_body).to_contain_text(product["name"])
    # For the README: the request that was sent, its 200 and the products returned.
    product_list.locator(".responses-wrapper .curl-command").evaluate(
        "element => { element.scrollIntoView(); window.scrollBy(0, -120); }"
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT)
    assert page.outside_requests == []


def test_authorize_with_a_login_token(page, server, admin_token):
    page.goto(f"{server.base_url}/api/docs/")
    authorize(page, admin_token)

    status = try_it_out(operation(page, "GET", "/api/auth/me/"))

    expect(status).to_have_text("200", timeout=RENDER_TIMEOUT)
    assert page.outside_requests == []


def authorize(page, token):
    page.locator(".auth-wrapper .authorize").click(timeout=RENDER_TIMEOUT)
    page.locator(".auth-container input[type=text]").first.fill(token)
    page.locator(".auth-btn-wrapper .authorize").first.click()
    page.locator(".auth-btn-wrapper .btn-done").click()


def test_try_it_out_creates_with_the_prefilled_example_bodies(page, server, admin_token, catalog):
    # The catalog's category is the fresh database's first: id 1, which the examples name.
    assert catalog["category"]["id"] == 1
    page.goto(f"{server.base_url}/api/docs/")
    authorize(page, admin_token)

    for path in ["/api/categories/", "/api/products/"]:
        status = try_it_out(operation(page, "POST", path))
        expect(status).to_have_text("201", timeout=RENDER_TIMEOUT)
    assert page.outside_requests == []


def test_swagger_ui_and_redoc_send_no_request_to_another_host(page, server, catalog):
    """Not one request leaves for another host; ReDoc's logo is stopped by the page's CSP."""
    attempted, blocked_by_csp, errors = [], [], []
    page.on("request", lambda request: attempted.append(request.url))
    page.on(
        "requestfailed",
        lambda request: request.failure == "csp" and blocked_by_csp.append(request.url),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{server.base_url}/api/docs/", wait_until="networkidle")
    expect(operation(page, "GET", "/api/products/")).to_be_visible(timeout=RENDER_TIMEOUT)
    page.goto(f"{server.base_url}/api/redoc/", wait_until="networkidle")
    expect(page.locator("h1").first).to_be_visible(timeout=RENDER_TIMEOUT)
    page.wait_for_load_state("networkidle")

    assert any(url.endswith("/api/schema/") for url in attempted)
    # Requests that reached the network layer for another host (the fixture aborts them).
    assert page.outside_requests == []
    # The browser never sent the rest: only what the Content-Security-Policy blocked.
    elsewhere = [url for url in attempted if url.startswith("http")]
    elsewhere = [url for url in elsewhere if not url.startswith(server.base_url)]
    assert sorted(elsewhere) == sorted(blocked_by_csp)
    assert errors == []
    # The figure for the record (pytest -s): requests sent to other hosts, always 0.
    print(
        f"\nrequests to other hosts: {len(page.outside_requests)} sent; "
        f"{len(blocked_by_csp)} never sent, blocked by the CSP: {sorted(set(blocked_by_csp))}"
    )
