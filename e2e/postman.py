"""Write the Postman collection and environment in docs/postman/ from the definitions below.

The test scripts live here as readable JavaScript rather than as escaped
strings in JSON, so that a change to them reviews like code::

    python -m e2e.postman           # rewrite docs/postman/*.json
    python -m e2e.postman --check   # fail when the committed files are out of date,
                                    # or an operation of docs/openapi.yaml is never
                                    # called with success

The requests run in order and are self-contained: every name carries the run
id set by the first request, so the collection passes on an empty database
and again on the same one.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
OPENAPI_PATH = DOCS_DIR / "openapi.yaml"
# Where the schema in OPENAPI_PATH mounts the API: {{baseUrl}} in the collection.
OPENAPI_PREFIX = "/api"
POSTMAN_DIR = DOCS_DIR / "postman"
COLLECTION_PATH = POSTMAN_DIR / "django-shopcore.postman_collection.json"
ENVIRONMENT_PATH = POSTMAN_DIR / "django-shopcore.postman_environment.json"
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
# An id variable in a JSON body, quoted: sent unquoted, so the API gets a number.
QUOTED_ID_VARIABLE = re.compile(r'"(\{\{\w+Id\}\})"')


class File(str):
    """A file to upload in a ``form``, by its name in docs/postman/."""


# A 2 x 2 PNG for the image upload.
PIXEL = File("pixel.png")

# Ids no row will have; they fit a bigint so they reach the database lookup.
MISSING_ID = "999999999"

# Who calls: no token, the registered user, or the admin from the environment.
ANONYMOUS = None
USER = "{{userAccess}}"
ADMIN = "{{adminAccess}}"

# Checked after every request: a client's bad input never produces a 500.
COLLECTION_TESTS = """
pm.test("no server error", function () {
    pm.expect(pm.response.code, pm.response.text()).to.be.below(500);
});
"""

# Shared by the test scripts: read a collection variable, and a list's items.
HELPERS = """
const v = (name) => pm.collectionVariables.get(name);
const run = v("runId");
const items = (body) => (Array.isArray(body) ? body : body.results);
"""


def status_test(expected):
    if isinstance(expected, int):
        return f"""
pm.test("status is {expected}", function () {{
    pm.response.to.have.status({expected});
}});
"""
    return f"""
pm.test("status is one of {expected}", function () {{
    pm.expect(pm.response.code).to.be.oneOf({json.dumps(expected)});
}});
"""


def field_error(field):
    """The validation error shape of DRF, naming ``field``."""
    return f"""
pm.test("the error names {field}", function () {{
    const body = pm.response.json();
    pm.expect(body).to.have.property("{field}");
    pm.expect(body["{field}"]).to.be.an("array").that.is.not.empty;
}});
"""


UNAUTHORIZED = """
pm.test("a detail message and a WWW-Authenticate header", function () {
    pm.expect(pm.response.json()).to.have.property("detail");
    pm.response.to.have.header("WWW-Authenticate");
});
"""

DETAIL = """
pm.test("a detail message", function () {
    pm.expect(pm.response.json().detail).to.be.a("string").that.is.not.empty;
});
"""

TOKEN_PAIR = """
pm.test("an access and a refresh token", function () {
    const body = pm.response.json();
    pm.expect(body.access).to.be.a("string").that.is.not.empty;
    pm.expect(body.refresh).to.be.a("string").that.is.not.empty;
});
"""

PAGE = """
pm.test("a page: count, next, previous, results", function () {
    const body = pm.response.json();
    pm.expect(body).to.include.all.keys("count", "next", "previous", "results");
    pm.expect(body.results).to.be.an("array");
});
"""


def product_names(*letters):
    """A test that the page lists exactly these products of this run, in this order."""
    names = ", ".join(f"`{PRODUCTS[letter]['name']} ${{run}}`" for letter in letters)
    return f"""
pm.test("exactly these products, in this order: {" ".join(letters) or "none"}", function () {{
    const body = pm.response.json();
    pm.expect(body.results.map((product) => product.name)).to.eql([{names}]);
    pm.expect(body.count).to.eql({len(letters)});
}});
"""


# The products of a run: A in the parent category, B and C in its child.
# Prices do not follow creation order, so each ordering gives another sequence.
PRODUCTS = {
    "A": {"name": "Alpha Espresso", "price": "25.00", "stock": 10, "category": "parent"},
    "B": {"name": "Bravo Filter", "price": "5.00", "stock": 0, "category": "child"},
    "C": {"name": "Charlie Decaf", "price": "15.00", "stock": 3, "category": "child"},
}


def request(
    name,
    method,
    path,
    *,
    status,
    token=ANONYMOUS,
    body=None,
    tests="",
    prerequest="",
    description="",
    accept="application/json",
    form=None,
    headers=None,
):
    """One Postman request; ``path`` is relative to ``{{baseUrl}}`` (the API root).

    ``form`` sends a multipart body instead of ``body``: ``{name: value}``,
    where a ``File`` value names a file of docs/postman/ (newman's working dir).
    """
    item = {
        "name": name,
        "event": [],
        "request": {
            "method": method,
            "header": [
                {"key": "Accept", "value": accept},
                *({"key": key, "value": value} for key, value in (headers or {}).items()),
            ],
            "url": "{{baseUrl}}" + path,
            "auth": (
                {"type": "bearer", "bearer": [{"key": "token", "value": token, "type": "string"}]}
                if token
                else {"type": "noauth"}
            ),
        },
        "response": [],
    }
    if description:
        item["request"]["description"] = description
    if body is not None:
        item["request"]["header"].append({"key": "Content-Type", "value": "application/json"})
        item["request"]["body"] = {
            "mode": "raw",
            "raw": QUOTED_ID_VARIABLE.sub(r"\1", json.dumps(body, indent=2)),
            "options": {"raw": {"language": "json"}},
        }
    if form is not None:
        item["request"]["body"] = {
            "mode": "formdata",
            "formdata": [
                {"key": key, "type": "file", "src": str(value)}
                if isinstance(value, File)
                else {"key": key, "type": "text", "value": value}
                for key, value in form.items()
            ],
        }
    if prerequest:
        item["event"].append(script("prerequest", prerequest))
    item["event"].append(script("test", HELPERS + status_test(status) + tests))
    return item


def script(listen, source):
    return {
        "listen": listen,
        "script": {"type": "text/javascript", "exec": source.strip().splitlines()},
    }


def folder(name, description, items):
    return {"name": name, "description": description, "item": items}


# --- Docs ----------------------------------------------------------------------

START_RUN = """
// A fresh run id: the names below carry it, so re-runs on one database pass.
const runId = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
pm.collectionVariables.set("runId", runId);
// Random passwords: one derived from the run id would resemble the username.
const secret = () => Math.random().toString(36).slice(2, 10);
pm.collectionVariables.set("userPassword", `Roast-${secret()}-Grind`);
pm.collectionVariables.set("newUserPassword", `Brew-${secret()}-Pour`);
"""

DOCS = folder(
    "Docs",
    "The OpenAPI schema, Swagger UI and ReDoc, served with no internet access.",
    [
        request(
            "OpenAPI schema (JSON)",
            "GET",
            "/schema/?format=json",
            status=200,
            prerequest=START_RUN,
            tests="""
pm.test("an OpenAPI 3 document with the API's paths", function () {
    const schema = pm.response.json();
    pm.expect(schema.openapi).to.match(/^3\\./);
    pm.expect(schema.paths).to.include.all.keys(
        "/api/auth/login/", "/api/products/", "/api/categories/{id}/", "/api/users/"
    );
});
""",
        ),
        request(
            "OpenAPI schema (YAML)",
            "GET",
            "/schema/",
            status=200,
            accept="application/vnd.oai.openapi",
            tests="""
pm.test("YAML by default", function () {
    pm.expect(pm.response.text()).to.match(/^openapi: 3\\./m);
});
""",
        ),
        request(
            "Swagger UI",
            "GET",
            "/docs/",
            status=200,
            accept="text/html",
            tests="""
pm.test("Swagger UI with its assets served locally", function () {
    const html = pm.response.text();
    pm.expect(html).to.include("swagger-ui");
    pm.expect(html).to.match(/src="\\/static\\/[^"]*swagger-ui-bundle\\.js"/);
});
""",
        ),
        request(
            "ReDoc",
            "GET",
            "/redoc/",
            status=200,
            accept="text/html",
            tests="""
pm.test("ReDoc with its bundle served locally", function () {
    pm.expect(pm.response.text()).to.match(/src="\\/static\\/[^"]*redoc[^"]*\\.js"/);
});
""",
        ),
    ],
)

# --- Auth: register, login, profile, refresh ------------------------------------

USER_BODY = {
    "username": "shopper_{{runId}}",
    "email": "shopper_{{runId}}@example.com",
    "password": "{{userPassword}}",
}

SAVE_USER_TOKENS = """
pm.collectionVariables.set("userAccess", pm.response.json().access);
pm.collectionVariables.set("userRefresh", pm.response.json().refresh);
"""

AUTH = folder(
    "Auth",
    "Register, log in, read and update the profile, rotate tokens; reuse is refused.",
    [
        request(
            "Register",
            "POST",
            "/auth/register/",
            status=201,
            body=USER_BODY,
            tests="""
pm.test("the new user, without the password", function () {
    const user = pm.response.json();
    pm.expect(user.id).to.be.a("number");
    pm.expect(user.username).to.eql(`shopper_${run}`);
    pm.expect(user.email).to.eql(`shopper_${run}@example.com`);
    pm.expect(user).not.to.have.property("password");
    pm.collectionVariables.set("userId", user.id);
});
""",
        ),
        request(
            "Register: username taken -> 400",
            "POST",
            "/auth/register/",
            status=400,
            body={**USER_BODY, "email": "another_{{runId}}@example.com"},
            tests=field_error("username"),
        ),
        request(
            "Register: weak password -> 400",
            "POST",
            "/auth/register/",
            status=400,
            body={
                "username": "weak_{{runId}}",
                "email": "weak_{{runId}}@example.com",
                "password": "123",
            },
            tests=field_error("password"),
        ),
        request(
            "Register: privileges are ignored",
            "POST",
            "/auth/register/",
            status=201,
            body={
                "username": "climber_{{runId}}",
                "email": "climber_{{runId}}@example.com",
                "password": "{{userPassword}}",
                "is_staff": True,
                "is_superuser": True,
            },
            tests="""
pm.collectionVariables.set("climberId", pm.response.json().id);
""",
            description="Checked as admin in Users: the account is not staff.",
        ),
        request(
            "Login: wrong password -> 401",
            "POST",
            "/auth/login/",
            status=401,
            body={"username": "shopper_{{runId}}", "password": "not-the-password"},
            tests=DETAIL,
        ),
        request(
            "Login",
            "POST",
            "/auth/login/",
            status=200,
            body={"username": "shopper_{{runId}}", "password": "{{userPassword}}"},
            tests=TOKEN_PAIR + SAVE_USER_TOKENS,
        ),
        request(
            "Me: anonymous -> 401",
            "GET",
            "/auth/me/",
            status=401,
            tests=UNAUTHORIZED,
        ),
        request(
            "Me: bad token -> 401",
            "GET",
            "/auth/me/",
            status=401,
            token="not-a-jwt",
            tests=UNAUTHORIZED,
        ),
        request(
            "Me",
            "GET",
            "/auth/me/",
            status=200,
            token=USER,
            tests="""
pm.test("the caller's profile", function () {
    const me = pm.response.json();
    pm.expect(me.id).to.eql(v("userId"));
    pm.expect(me.username).to.eql(`shopper_${run}`);
    pm.expect(me).not.to.have.property("password");
});
""",
        ),
        request(
            "Me: update, privileges unchanged",
            "PATCH",
            "/auth/me/",
            status=200,
            token=USER,
            body={"first_name": "Grace", "is_staff": True, "is_superuser": True},
            tests="""
pm.test("the name changed, the privileges did not", function () {
    const me = pm.response.json();
    pm.expect(me.first_name).to.eql("Grace");
    pm.expect(me.is_staff).not.to.eql(true);
    pm.expect(me.is_superuser).not.to.eql(true);
});
""",
        ),
        request(
            "Refresh",
            "POST",
            "/auth/refresh/",
            status=200,
            body={"refresh": "{{userRefresh}}"},
            tests=TOKEN_PAIR
            + """
pm.test("the refresh token rotated", function () {
    pm.expect(pm.response.json().refresh).not.to.eql(v("userRefresh"));
});
pm.collectionVariables.set("usedRefresh", v("userRefresh"));
"""
            + SAVE_USER_TOKENS,
        ),
        request(
            "Me with the new access token",
            "GET",
            "/auth/me/",
            status=200,
            token=USER,
        ),
        request(
            "Refresh: reuse the rotated token -> 401",
            "POST",
            "/auth/refresh/",
            status=401,
            body={"refresh": "{{usedRefresh}}"},
            tests=UNAUTHORIZED,
        ),
        request(
            "Refresh: its whole login is now revoked -> 401",
            "POST",
            "/auth/refresh/",
            status=401,
            body={"refresh": "{{userRefresh}}"},
            description=(
                "Reusing a rotated refresh token revokes every token of that login: "
                "whoever stole one of them is locked out too."
            ),
        ),
        request(
            "Refresh: not a token -> 401",
            "POST",
            "/auth/refresh/",
            status=401,
            body={"refresh": "garbage"},
        ),
        request(
            "Refresh: no token -> 400",
            "POST",
            "/auth/refresh/",
            status=400,
            body={},
            tests=field_error("refresh"),
        ),
        request(
            "Login again",
            "POST",
            "/auth/login/",
            status=200,
            body={"username": "shopper_{{runId}}", "password": "{{userPassword}}"},
            tests=TOKEN_PAIR + SAVE_USER_TOKENS,
        ),
        request(
            "Admin login",
            "POST",
            "/auth/login/",
            status=200,
            body={"username": "{{adminUsername}}", "password": "{{adminPassword}}"},
            tests=TOKEN_PAIR
            + """
pm.collectionVariables.set("adminAccess", pm.response.json().access);
""",
        ),
    ],
)

# --- Users -----------------------------------------------------------------------

STAFF_BODY = {
    "username": "staff_{{runId}}",
    "email": "staff_{{runId}}@example.com",
    "password": "{{newUserPassword}}",
    "is_staff": True,
}

USERS = folder(
    "Users",
    "User management: admins only; other users get 403, anonymous callers 401.",
    [
        request("List: anonymous -> 401", "GET", "/users/", status=401, tests=UNAUTHORIZED),
        request(
            "List: not an admin -> 403", "GET", "/users/", status=403, token=USER, tests=DETAIL
        ),
        request(
            "Create: not an admin -> 403",
            "POST",
            "/users/",
            status=403,
            token=USER,
            body=STAFF_BODY,
        ),
        request(
            "Detail: not an admin -> 403",
            "GET",
            "/users/{{userId}}/",
            status=403,
            token=USER,
        ),
        request(
            "List",
            "GET",
            "/users/",
            status=200,
            token=ADMIN,
            tests="""
pm.test("users, never their passwords", function () {
    const users = items(pm.response.json());
    pm.expect(users).to.be.an("array").that.is.not.empty;
    users.forEach((user) => pm.expect(user).not.to.have.property("password"));
});
""",
        ),
        request(
            "Registration did not grant privileges",
            "GET",
            "/users/{{climberId}}/",
            status=200,
            token=ADMIN,
            tests="""
pm.test("registered with is_staff and is_superuser, got neither", function () {
    const user = pm.response.json();
    pm.expect(user.username).to.eql(`climber_${run}`);
    pm.expect(user.is_staff).to.eql(false);
    pm.expect(user.is_superuser).to.eql(false);
});
""",
        ),
        request(
            "Create",
            "POST",
            "/users/",
            status=201,
            token=ADMIN,
            body=STAFF_BODY,
            tests="""
pm.test("a staff user, without the password", function () {
    const user = pm.response.json();
    pm.expect(user.username).to.eql(`staff_${run}`);
    pm.expect(user.is_staff).to.eql(true);
    pm.expect(user).not.to.have.property("password");
    pm.collectionVariables.set("staffId", user.id);
});
""",
        ),
        request(
            "Create: username taken -> 400",
            "POST",
            "/users/",
            status=400,
            token=ADMIN,
            body={**STAFF_BODY, "email": "other_{{runId}}@example.com"},
            tests=field_error("username"),
        ),
        request(
            "Detail",
            "GET",
            "/users/{{staffId}}/",
            status=200,
            token=ADMIN,
            tests="""
pm.test("the user", function () {
    pm.expect(pm.response.json().id).to.eql(v("staffId"));
});
""",
        ),
        request(
            "Update (PATCH)",
            "PATCH",
            "/users/{{staffId}}/",
            status=200,
            token=ADMIN,
            body={"first_name": "Ada"},
            tests="""
pm.test("first_name changed", function () {
    pm.expect(pm.response.json().first_name).to.eql("Ada");
});
""",
        ),
        request(
            "Replace (PUT)",
            "PUT",
            "/users/{{staffId}}/",
            status=200,
            token=ADMIN,
            body={
                "username": "staff_{{runId}}",
                "email": "staff.renamed_{{runId}}@example.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "is_active": True,
                "is_staff": False,
            },
            tests="""
pm.test("replaced; the password is optional on update", function () {
    const user = pm.response.json();
    pm.expect(user.email).to.eql(`staff.renamed_${run}@example.com`);
    pm.expect(user.last_name).to.eql("Lovelace");
    pm.expect(user.is_staff).to.eql(false);
});
""",
        ),
        request("Delete", "DELETE", "/users/{{staffId}}/", status=204, token=ADMIN),
        request(
            "Detail: deleted -> 404",
            "GET",
            "/users/{{staffId}}/",
            status=404,
            token=ADMIN,
            tests=DETAIL,
        ),
    ],
)

# --- Categories --------------------------------------------------------------------

CATEGORIES = folder(
    "Categories",
    "Public reads; admins create a parent and a child, update, and delete.",
    [
        request(
            "List (public)",
            "GET",
            "/categories/",
            status=200,
            tests=PAGE,
        ),
        request(
            "Create: anonymous -> 401",
            "POST",
            "/categories/",
            status=401,
            body={"name": "Coffee {{runId}}"},
            tests=UNAUTHORIZED,
        ),
        request(
            "Create: not an admin -> 403",
            "POST",
            "/categories/",
            status=403,
            token=USER,
            body={"name": "Coffee {{runId}}"},
            tests=DETAIL,
        ),
        request(
            "Create the parent",
            "POST",
            "/categories/",
            status=201,
            token=ADMIN,
            body={"name": "Coffee {{runId}}", "description": "Beans and grounds."},
            tests="""
pm.test("a root category with a slug derived from the name", function () {
    const category = pm.response.json();
    pm.expect(category.name).to.eql(`Coffee ${run}`);
    pm.expect(category.slug).to.eql(`coffee-${run}`);
    pm.expect(category.parent).to.eql(null);
    pm.expect(category.created_at).to.match(/^\\d{4}-\\d\\d-\\d\\dT.*(Z|[+-]\\d\\d:\\d\\d)$/);
    pm.collectionVariables.set("parentId", category.id);
    pm.collectionVariables.set("parentSlug", category.slug);
});
""",
        ),
        request(
            "Create the child",
            "POST",
            "/categories/",
            status=201,
            token=ADMIN,
            body={
                "name": "Single Origin {{runId}}",
                "slug": "single-origin-{{runId}}",
                "parent": "{{parentId}}",
            },
            tests="""
pm.test("a child of the parent", function () {
    const category = pm.response.json();
    pm.expect(category.parent).to.eql(v("parentId"));
    pm.expect(category.slug).to.eql(`single-origin-${run}`);
    pm.collectionVariables.set("childId", category.id);
    pm.collectionVariables.set("childSlug", category.slug);
});
""",
        ),
        request(
            "Create: name taken -> 400",
            "POST",
            "/categories/",
            status=400,
            token=ADMIN,
            body={"name": "Coffee {{runId}}"},
            tests=field_error("name"),
        ),
        request(
            "Create: unknown parent -> 400",
            "POST",
            "/categories/",
            status=400,
            token=ADMIN,
            body={"name": "Orphan {{runId}}", "parent": int(MISSING_ID)},
            tests=field_error("parent"),
        ),
        request(
            "Detail (public)",
            "GET",
            "/categories/{{childId}}/",
            status=200,
            tests="""
pm.test("the child", function () {
    const category = pm.response.json();
    pm.expect(category.id).to.eql(v("childId"));
    pm.expect(category.name).to.eql(`Single Origin ${run}`);
    pm.expect(category).to.include.all.keys("description", "created_at", "updated_at");
});
""",
        ),
        request(
            "Detail: unknown -> 404",
            "GET",
            f"/categories/{MISSING_ID}/",
            status=404,
            tests=DETAIL,
        ),
        request(
            "List the parent's children",
            "GET",
            "/categories/?parent={{parentId}}",
            status=200,
            tests=PAGE
            + """
pm.test("just the child", function () {
    pm.expect(pm.response.json().results.map((c) => c.id)).to.eql([v("childId")]);
});
""",
        ),
        request(
            "Update (PATCH)",
            "PATCH",
            "/categories/{{childId}}/",
            status=200,
            token=ADMIN,
            body={"description": "One farm, one harvest."},
            tests="""
pm.test("description changed, slug kept", function () {
    const category = pm.response.json();
    pm.expect(category.description).to.eql("One farm, one harvest.");
    pm.expect(category.slug).to.eql(`single-origin-${run}`);
});
""",
        ),
        request(
            "Replace (PUT)",
            "PUT",
            "/categories/{{childId}}/",
            status=200,
            token=ADMIN,
            body={
                "name": "Single Origin {{runId}}",
                "slug": "single-origin-{{runId}}",
                "description": "Traceable lots.",
                "parent": "{{parentId}}",
            },
            tests="""
pm.test("replaced", function () {
    pm.expect(pm.response.json().description).to.eql("Traceable lots.");
});
""",
        ),
        request(
            "Move under its own child -> 400",
            "PATCH",
            "/categories/{{parentId}}/",
            status=400,
            token=ADMIN,
            body={"parent": "{{childId}}"},
            tests=field_error("parent"),
        ),
        request(
            "Create a category to delete",
            "POST",
            "/categories/",
            status=201,
            token=ADMIN,
            body={"name": "Tea {{runId}}"},
            tests="""
pm.collectionVariables.set("spareCategoryId", pm.response.json().id);
""",
        ),
        request(
            "Delete: not an admin -> 403",
            "DELETE",
            "/categories/{{spareCategoryId}}/",
            status=403,
            token=USER,
        ),
        request(
            "Delete",
            "DELETE",
            "/categories/{{spareCategoryId}}/",
            status=204,
            token=ADMIN,
        ),
        request(
            "Detail: deleted -> 404",
            "GET",
            "/categories/{{spareCategoryId}}/",
            status=404,
        ),
    ],
)

# --- Products ------------------------------------------------------------------------


def product_body(letter):
    product = PRODUCTS[letter]
    return {
        "name": f"{product['name']} {{{{runId}}}}",
        "category": f"{{{{{product['category']}Id}}}}",
        "price": product["price"],
        "stock": product["stock"],
        # A and C share a keyword, for the search below.
        "description": f"{product['name']}, freshly roasted."
        + (" Thick crema{{runId}}." if letter in "AC" else ""),
    }


def create_product(letter):
    product = PRODUCTS[letter]
    return request(
        f"Create product {letter}",
        "POST",
        "/products/",
        status=201,
        token=ADMIN,
        body=product_body(letter),
        tests=f"""
pm.test("the product, its money as a 2-place string", function () {{
    const product = pm.response.json();
    pm.expect(product.name).to.eql(`{product["name"]} ${{run}}`);
    pm.expect(product.price).to.eql("{product["price"]}");
    pm.expect(product.stock).to.eql({product["stock"]});
    const category = product.category;
    pm.expect(typeof category === "object" ? category.id : category)
        .to.eql(v("{product["category"]}Id"));
    pm.expect(product.slug).to.be.a("string").that.is.not.empty;
    pm.collectionVariables.set("product{letter}Id", product.id);
}});
""",
    )


def product_list(name, query, *letters):
    """The product list of this run's categories, expecting exactly ``letters`` in order."""
    return request(
        name,
        "GET",
        f"/products/?{query}",
        status=200,
        tests=PAGE + product_names(*letters),
    )


def bad_query(name, query, field):
    return request(
        f"{name} -> 400", "GET", f"/products/?{query}", status=400, tests=field_error(field)
    )


VARIANTS = "/products/{{productAId}}/variants/"
VARIANT = VARIANTS + "{{variantId}}/"
VARIANT_BODY = {
    "sku": "A-LARGE-{{runId}}",
    "options": {"size": "L"},
    "price": "20.00",
    "stock": 5,
}


def facets_test(title, checks):
    """A test of the page's ``facets``; ``checks`` is JavaScript over ``facets`` and ``bucket``."""
    return f"""
pm.test("{title}", function () {{
    const facets = pm.response.json().facets;
    const bucket = (min) => facets.price.find((row) => row.min === min).count;
    pm.expect(facets.exact).to.eql(true);
{checks}
}});
"""


# While A (20.00 with its size L variant) is in the parent category, B (5.00)
# and C (15.00) in its child.
FACET_REQUESTS = [
    request(
        "Facets: the children, price buckets and options of a category",
        "GET",
        "/products/?category={{parentId}}&facets=true",
        status=200,
        tests=PAGE
        + facets_test(
            "the child holds B and C; one product per bucket; A's size",
            """
    pm.expect(facets.category.map((row) => [row.id, row.count])).to.eql([[v("childId"), 2]]);
    pm.expect([bucket("0.00"), bucket("10.00"), bucket("20.00")]).to.eql([1, 1, 1]);
    pm.expect(facets.options).to.eql({ size: [{ value: "L", count: 1 }] });""",
        ),
    ),
    request(
        "Facets: an option filter keeps its own values",
        "GET",
        "/products/?category={{parentId}}&option=size:L&facets=true",
        status=200,
        tests=product_names("A")
        + facets_test(
            "only A counts, and size L still shows",
            """
    pm.expect(facets.category[0].count).to.eql(0);
    pm.expect([bucket("0.00"), bucket("10.00"), bucket("20.00")]).to.eql([0, 0, 1]);
    pm.expect(facets.options.size).to.eql([{ value: "L", count: 1 }]);""",
        ),
    ),
    request(
        "Facets: a price range keeps every bucket",
        "GET",
        "/products/?category={{parentId}}&max_price=15&facets=true",
        status=200,
        tests=product_names("C", "B")
        + facets_test(
            "the buckets ignore max_price; the rest does not",
            """
    pm.expect([bucket("0.00"), bucket("10.00"), bucket("20.00")]).to.eql([1, 1, 1]);
    pm.expect(facets.category[0].count).to.eql(2);
    pm.expect(facets.options).to.eql({});""",
        ),
    ),
    bad_query("facets neither true nor false", "facets=yes", "facets"),
]

# Product A (25.00, 10 in stock) gets a second variant, then loses it again.
VARIANT_REQUESTS = [
    request(
        "Variants: the default one (public)",
        "GET",
        VARIANTS,
        status=200,
        tests=PAGE
        + """
pm.test("one default variant with the product's price and stock", function () {
    const variants = pm.response.json().results;
    pm.expect(variants).to.have.lengthOf(1);
    pm.expect(variants[0].options).to.eql({});
    pm.expect(variants[0].price).to.eql("25.00");
    pm.expect(variants[0].stock).to.eql(10);
    pm.collectionVariables.set("defaultVariantId", variants[0].id);
});
""",
    ),
    request(
        "Variant: create, not an admin -> 403",
        "POST",
        VARIANTS,
        status=403,
        token=USER,
        body=VARIANT_BODY,
        tests=DETAIL,
    ),
    request(
        "Variant: create",
        "POST",
        VARIANTS,
        status=201,
        token=ADMIN,
        body=VARIANT_BODY,
        tests="""
pm.test("the variant, with its options", function () {
    const variant = pm.response.json();
    pm.expect(variant.options).to.eql({ size: "L" });
    pm.expect(variant.product).to.eql(v("productAId"));
    pm.collectionVariables.set("variantId", variant.id);
});
""",
    ),
    request(
        "Variant: duplicate SKU -> 400",
        "POST",
        VARIANTS,
        status=400,
        token=ADMIN,
        body=VARIANT_BODY,
        tests=field_error("sku"),
    ),
    request(
        "Variant: detail (public)",
        "GET",
        VARIANT,
        status=200,
        tests="""
pm.test("the large variant", function () {
    pm.expect(pm.response.json().sku).to.eql(`A-LARGE-${run}`);
});
""",
    ),
    request(
        "Variant: update (PATCH)",
        "PATCH",
        VARIANT,
        status=200,
        token=ADMIN,
        body={"stock": 6},
    ),
    request(
        "Variant: replace (PUT)",
        "PUT",
        VARIANT,
        status=200,
        token=ADMIN,
        body=VARIANT_BODY,
    ),
    request(
        "Product detail: lowest price and total stock of its variants",
        "GET",
        "/products/{{productAId}}/",
        status=200,
        tests="""
pm.test("price 20.00, stock 15, two variants, in the shop's currency", function () {
    const product = pm.response.json();
    pm.expect(product.price).to.eql("20.00");
    pm.expect(product.stock).to.eql(15);
    pm.expect(product.variants).to.have.lengthOf(2);
    pm.expect(product.currency).to.match(/^[A-Z]{3}$/);
});
""",
    ),
    request(
        "Product: price with several variants -> 400",
        "PATCH",
        "/products/{{productAId}}/",
        status=400,
        token=ADMIN,
        body={"price": "1.00"},
        tests=field_error("price"),
    ),
    product_list("Filter: option", "category={{parentId}}&option=size:L", "A"),
    product_list(
        "Filter: option values are alternatives",
        "category={{parentId}}&option=size:L&option=size:XL",
        "A",
    ),
    product_list("Filter: no such option", "category={{parentId}}&option=size:XS"),
    bad_query("option without a value", "option=size", "option"),
    *FACET_REQUESTS,
    request(
        "Image: upload, not an admin -> 403",
        "POST",
        "/products/{{productAId}}/images/",
        status=403,
        token=USER,
        form={"image": PIXEL, "alt": "Alpha, front"},
    ),
    request(
        "Image: upload",
        "POST",
        "/products/{{productAId}}/images/",
        status=201,
        token=ADMIN,
        form={"image": PIXEL, "alt": "Alpha, front"},
        tests="""
pm.test("the image, its URL and its size in pixels", function () {
    const image = pm.response.json();
    pm.expect(image).to.include({ alt: "Alpha, front", width: 2, height: 2 });
    pm.expect(image.url).to.be.a("string").that.is.not.empty;
    pm.collectionVariables.set("imageId", image.id);
});
""",
    ),
    request(
        "Image: not an image -> 400",
        "POST",
        "/products/{{productAId}}/images/",
        status=400,
        token=ADMIN,
        form={"image": "just text"},
        tests=field_error("image"),
    ),
    request(
        "Image: update (PATCH)",
        "PATCH",
        "/products/{{productAId}}/images/{{imageId}}/",
        status=200,
        token=ADMIN,
        body={"alt": "Alpha, from the front", "position": 0},
    ),
    request(
        "Product detail: its images, and the first one as image",
        "GET",
        "/products/{{productAId}}/",
        status=200,
        tests="""
pm.test("one image, also shown as the product's image", function () {
    const product = pm.response.json();
    pm.expect(product.images).to.have.lengthOf(1);
    pm.expect(product.image).to.eql(product.images[0].url);
});
""",
    ),
    request(
        "Image: delete",
        "DELETE",
        "/products/{{productAId}}/images/{{imageId}}/",
        status=204,
        token=ADMIN,
    ),
    request("Variant: delete", "DELETE", VARIANT, status=204, token=ADMIN),
    request(
        "Variant: delete the last one -> 409",
        "DELETE",
        VARIANTS + "{{defaultVariantId}}/",
        status=409,
        token=ADMIN,
        tests=DETAIL,
    ),
]

PRODUCTS_FOLDER = folder(
    "Products",
    "Admins create products; anyone lists them with filters, ordering and pages.",
    [
        request(
            "Create: anonymous -> 401",
            "POST",
            "/products/",
            status=401,
            body=product_body("A"),
            tests=UNAUTHORIZED,
        ),
        request(
            "Create: not an admin -> 403",
            "POST",
            "/products/",
            status=403,
            token=USER,
            body=product_body("A"),
            tests=DETAIL,
        ),
        create_product("A"),
        create_product("B"),
        create_product("C"),
        request(
            "Create: negative price -> 400",
            "POST",
            "/products/",
            status=400,
            token=ADMIN,
            body={**product_body("A"), "name": "Negative {{runId}}", "price": "-1.00"},
            tests=field_error("price"),
        ),
        request(
            "Create: negative stock -> 400",
            "POST",
            "/products/",
            status=400,
            token=ADMIN,
            body={**product_body("A"), "name": "Negative {{runId}}", "stock": -1},
            tests=field_error("stock"),
        ),
        request(
            "Create: price not a number -> 400",
            "POST",
            "/products/",
            status=400,
            token=ADMIN,
            body={**product_body("A"), "name": "Priceless {{runId}}", "price": "abc"},
            tests=field_error("price"),
        ),
        request(
            "Create: no category -> 400",
            "POST",
            "/products/",
            status=400,
            token=ADMIN,
            body={"name": "Homeless {{runId}}", "price": "1.00"},
            tests=field_error("category"),
        ),
        request(
            "Detail (public)",
            "GET",
            "/products/{{productAId}}/",
            status=200,
            tests="""
pm.test("product A with its category", function () {
    const product = pm.response.json();
    pm.expect(product.id).to.eql(v("productAId"));
    pm.expect(product.price).to.eql("25.00");
    pm.expect(product).to.include.all.keys(
        "slug", "description", "stock", "created_at", "updated_at"
    );
});
""",
        ),
        request(
            "Detail: unknown -> 404",
            "GET",
            f"/products/{MISSING_ID}/",
            status=404,
            tests=DETAIL,
        ),
        request(
            "Update (PATCH)",
            "PATCH",
            "/products/{{productAId}}/",
            status=200,
            token=ADMIN,
            body={"stock": 12},
            tests="""
pm.test("stock changed", function () {
    pm.expect(pm.response.json().stock).to.eql(12);
});
""",
        ),
        request(
            "Replace (PUT)",
            "PUT",
            "/products/{{productAId}}/",
            status=200,
            token=ADMIN,
            body=product_body("A"),
            tests="""
pm.test("replaced: stock back to 10", function () {
    pm.expect(pm.response.json().stock).to.eql(10);
});
""",
        ),
        request(
            "Update: not an admin -> 403",
            "PATCH",
            "/products/{{productAId}}/",
            status=403,
            token=USER,
            body={"price": "0.01"},
        ),
        request("Replace the list -> 405", "PUT", "/products/", status=405, token=ADMIN, body={}),
        product_list(
            "Filter: category id, with its descendants", "category={{parentId}}", "C", "B", "A"
        ),
        product_list("Filter: category slug", "category={{childSlug}}", "C", "B"),
        product_list(
            "Filter: parent slug, with its descendants", "category={{parentSlug}}", "C", "B", "A"
        ),
        product_list(
            "Filter: min_price and max_price, inclusive",
            "category={{parentId}}&min_price=5.00&max_price=15",
            "C",
            "B",
        ),
        product_list("Filter: min_price", "category={{parentId}}&min_price=15.00", "C", "A"),
        product_list("Filter: max_price", "category={{parentId}}&max_price=14.99", "B"),
        product_list("Filter: search the description", "search=crema{{runId}}", "C", "A"),
        product_list("Filter: search the name, all keywords", "search=bravo%20{{runId}}", "B"),
        product_list("Filter: in stock", "category={{parentId}}&in_stock=true", "C", "A"),
        product_list("Filter: out of stock", "category={{parentId}}&in_stock=false", "B"),
        product_list("Order: price", "category={{parentId}}&ordering=price", "B", "C", "A"),
        product_list("Order: -price", "category={{parentId}}&ordering=-price", "A", "C", "B"),
        product_list(
            "Order: created_at, oldest first",
            "category={{parentId}}&ordering=created_at",
            "A",
            "B",
            "C",
        ),
        product_list(
            "Order: -created_at, newest first",
            "category={{parentId}}&ordering=-created_at",
            "C",
            "B",
            "A",
        ),
        product_list(
            "Filters combined",
            "category={{parentSlug}}&search=crema{{runId}}&in_stock=true&max_price=20"
            "&ordering=-price",
            "C",
        ),
        request(
            "Page 1 of 2",
            "GET",
            "/products/?category={{parentId}}&ordering=price&page_size=2",
            status=200,
            tests=PAGE
            + """
pm.test("two products, and a link to the next page", function () {
    const body = pm.response.json();
    pm.expect(body.count).to.eql(3);
    pm.expect(body.results.map((p) => p.name)).to.eql(
        [`Bravo Filter ${run}`, `Charlie Decaf ${run}`]
    );
    pm.expect(body.previous).to.eql(null);
    pm.expect(body.next).to.include("page=2");
});
""",
        ),
        request(
            "Page 2 of 2",
            "GET",
            "/products/?category={{parentId}}&ordering=price&page_size=2&page=2",
            status=200,
            tests=PAGE
            + """
pm.test("the last product, and a link back", function () {
    const body = pm.response.json();
    pm.expect(body.results.map((p) => p.name)).to.eql([`Alpha Espresso ${run}`]);
    pm.expect(body.next).to.eql(null);
    pm.expect(body.previous).to.be.a("string");
});
""",
        ),
        request(
            "Page past the end -> 404",
            "GET",
            "/products/?category={{parentId}}&page=99",
            status=404,
            tests=DETAIL,
        ),
        bad_query("min_price=abc", "min_price=abc", "min_price"),
        bad_query("max_price=abc", "max_price=abc", "max_price"),
        bad_query("ordering=password", "ordering=password", "ordering"),
        bad_query("in_stock=maybe", "in_stock=maybe", "in_stock"),
        bad_query("page=0", "page=0", "page"),
        bad_query("page=abc", "page=abc", "page"),
        bad_query("page_size=0", "page_size=0", "page_size"),
        bad_query("page_size above the maximum", "page_size=100000", "page_size"),
        bad_query("Unknown category", "category=no-such-category-{{runId}}", "category"),
        *VARIANT_REQUESTS,
        request(
            "Delete a category with products -> 409",
            "DELETE",
            "/categories/{{childId}}/",
            status=409,
            token=ADMIN,
            tests=DETAIL,
        ),
        request(
            "Delete a category with subcategories -> 409",
            "DELETE",
            "/categories/{{parentId}}/",
            status=409,
            token=ADMIN,
            tests=DETAIL,
        ),
        request(
            "Delete: not an admin -> 403",
            "DELETE",
            "/products/{{productAId}}/",
            status=403,
            token=USER,
        ),
        *[
            request(
                f"Delete product {letter}",
                "DELETE",
                f"/products/{{{{product{letter}Id}}}}/",
                status=204,
                token=ADMIN,
            )
            for letter in PRODUCTS
        ],
        request("Detail: deleted -> 404", "GET", "/products/{{productAId}}/", status=404),
        request(
            "Delete the emptied child category",
            "DELETE",
            "/categories/{{childId}}/",
            status=204,
            token=ADMIN,
        ),
        request(
            "Delete the emptied parent category",
            "DELETE",
            "/categories/{{parentId}}/",
            status=204,
            token=ADMIN,
        ),
    ],
)

# --- Carts and orders ---------------------------------------------------------------------

# The cart's UUID is a string: a variable named *Id would be sent unquoted (QUOTED_ID_VARIABLE).
CART = "/carts/{{cartUuid}}/"
ADDRESS = {
    "name": "Ada Lovelace {{runId}}",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}
CHECKOUT_BODY = {"cart": "{{cartUuid}}", "shipping_address": ADDRESS, "expected_total": "12.00"}
CHECKOUT_KEY = {"Idempotency-Key": "checkout-{{runId}}"}
ORDER = "/orders/{{orderId}}/"


def order_status(status):
    return f"""
pm.test("the order is {status}", function () {{
    pm.expect(pm.response.json().status).to.eql("{status}");
}});
"""


def checkout_stock(stock):
    return f"""
pm.test("the product's stock is {stock}", function () {{
    pm.expect(pm.response.json().stock).to.eql({stock});
}});
"""


# Own category and product (4.00, 5 in stock): ordered variants are history and stay.
CARTS_AND_ORDERS = folder(
    "Carts and orders",
    "A cart, its items, an idempotent checkout and the order's lifecycle.",
    [
        request(
            "Checkout category",
            "POST",
            "/categories/",
            status=201,
            token=ADMIN,
            body={"name": "Mugs {{runId}}"},
            tests='pm.collectionVariables.set("mugCategoryId", pm.response.json().id);',
        ),
        request(
            "Checkout product",
            "POST",
            "/products/",
            status=201,
            token=ADMIN,
            body={
                "name": "Mug {{runId}}",
                "category": "{{mugCategoryId}}",
                "price": "4.00",
                "stock": 5,
            },
            tests='pm.collectionVariables.set("mugProductId", pm.response.json().id);',
        ),
        request(
            "Checkout product: its variant",
            "GET",
            "/products/{{mugProductId}}/",
            status=200,
            tests='pm.collectionVariables.set("mugVariantId", pm.response.json().variants[0].id);',
        ),
        request(
            "Cart: create (signed in: yours)",
            "POST",
            "/carts/",
            status=201,
            token=USER,
            tests="""
pm.test("an empty cart with a UUID id", function () {
    const cart = pm.response.json();
    pm.expect(cart.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    pm.expect(cart.items).to.eql([]);
    pm.expect(cart.subtotal).to.eql("0.00");
    pm.collectionVariables.set("cartUuid", cart.id);
});
""",
        ),
        request("Cart: someone else's -> 404", "GET", CART, status=404),
        request(
            "Cart: add an item",
            "POST",
            CART + "items/",
            status=201,
            token=USER,
            body={"variant": "{{mugVariantId}}", "quantity": 2},
            tests="""
pm.test("the line at the current price", function () {
    const cart = pm.response.json();
    pm.expect(cart.items).to.have.lengthOf(1);
    pm.expect(cart.items[0].unit_price).to.eql("4.00");
    pm.expect(cart.items[0].line_total).to.eql("8.00");
    pm.collectionVariables.set("cartItemId", cart.items[0].id);
});
""",
        ),
        request(
            "Cart: more than the stock -> 409",
            "POST",
            CART + "items/",
            status=409,
            token=USER,
            body={"variant": "{{mugVariantId}}", "quantity": 4},
            tests="""
pm.test("the units available", function () {
    pm.expect(pm.response.json().available).to.eql(5);
});
""",
        ),
        request(
            "Cart: a fractional quantity -> 400",
            "POST",
            CART + "items/",
            status=400,
            token=USER,
            body={"variant": "{{mugVariantId}}", "quantity": 1.5},
            tests=field_error("quantity"),
        ),
        request(
            "Cart: change an item's quantity",
            "PATCH",
            CART + "items/{{cartItemId}}/",
            status=200,
            token=USER,
            body={"quantity": 3},
            tests="""
pm.test("subtotal 12.00", function () {
    pm.expect(pm.response.json().subtotal).to.eql("12.00");
});
""",
        ),
        request("Cart: detail", "GET", CART, status=200, token=USER),
        request(
            "Order: unknown country -> 400",
            "POST",
            "/orders/",
            status=400,
            token=USER,
            body={**CHECKOUT_BODY, "shipping_address": {**ADDRESS, "country": "XX"}},
            tests="""
pm.test("the error names shipping_address.country", function () {
    const errors = pm.response.json().shipping_address;
    pm.expect(errors.country).to.be.an("array").that.is.not.empty;
});
""",
        ),
        request(
            "Order: place it",
            "POST",
            "/orders/",
            status=201,
            token=USER,
            body=CHECKOUT_BODY,
            headers=CHECKOUT_KEY,
            tests=order_status("pending_payment")
            + """
pm.test("the lines snapshotted, the total as expected", function () {
    const order = pm.response.json();
    pm.expect(order.lines).to.have.lengthOf(1);
    pm.expect(order.lines[0].quantity).to.eql(3);
    pm.expect(order.total).to.eql("12.00");
    pm.collectionVariables.set("orderId", order.id);
});
""",
        ),
        request(
            "Order: the same Idempotency-Key again replays it",
            "POST",
            "/orders/",
            status=201,
            token=USER,
            body=CHECKOUT_BODY,
            headers=CHECKOUT_KEY,
            tests="""
pm.test("the same order, marked as replayed", function () {
    pm.expect(pm.response.json().id).to.eql(v("orderId"));
    pm.response.to.have.header("Idempotent-Replayed", "true");
});
""",
        ),
        request(
            "Order: the key with another body -> 422",
            "POST",
            "/orders/",
            status=422,
            token=USER,
            body={**CHECKOUT_BODY, "expected_total": "1.00"},
            headers=CHECKOUT_KEY,
            tests=DETAIL,
        ),
        request(
            "Order: the cart again -> 409",
            "POST",
            "/orders/",
            status=409,
            token=USER,
            body=CHECKOUT_BODY,
        ),
        request(
            "Checkout product: 3 units taken",
            "GET",
            "/products/{{mugProductId}}/",
            status=200,
            tests=checkout_stock(2),
        ),
        request("Orders: yours", "GET", "/orders/", status=200, token=USER, tests=PAGE),
        request("Order: detail", "GET", ORDER, status=200, token=USER),
        request(
            "Order: mark paid, not an admin -> 403",
            "POST",
            ORDER + "mark-paid/",
            status=403,
            token=USER,
        ),
        request(
            "Order: mark paid",
            "POST",
            ORDER + "mark-paid/",
            status=200,
            token=ADMIN,
            tests=order_status("paid"),
        ),
        request(
            "Order: the owner cancels a paid order -> 409",
            "POST",
            ORDER + "cancel/",
            status=409,
            token=USER,
            tests="""
pm.test("the current status named", function () {
    pm.expect(pm.response.json().status).to.eql("paid");
});
""",
        ),
        request(
            "Order: fulfil",
            "POST",
            ORDER + "fulfil/",
            status=200,
            token=ADMIN,
            tests=order_status("fulfilled"),
        ),
        request(
            "Cart: another one (anonymous)",
            "POST",
            "/carts/",
            status=201,
            tests='pm.collectionVariables.set("cartUuid", pm.response.json().id);',
        ),
        request(
            "Cart: add one",
            "POST",
            CART + "items/",
            status=201,
            body={"variant": "{{mugVariantId}}", "quantity": 1},
            tests='pm.collectionVariables.set("cartItemId", pm.response.json().items[0].id);',
        ),
        request("Cart: remove the item", "DELETE", CART + "items/{{cartItemId}}/", status=200),
        request(
            "Cart: add it back",
            "POST",
            CART + "items/",
            status=201,
            body={"variant": "{{mugVariantId}}", "quantity": 1},
        ),
        request(
            "Order: place the anonymous cart",
            "POST",
            "/orders/",
            status=201,
            token=USER,
            body={**CHECKOUT_BODY, "expected_total": "4.00"},
            tests='pm.collectionVariables.set("orderId", pm.response.json().id);',
        ),
        request(
            "Order: the owner cancels it",
            "POST",
            ORDER + "cancel/",
            status=200,
            token=USER,
            tests=order_status("cancelled"),
        ),
        request(
            "Checkout product: the cancelled unit is back",
            "GET",
            "/products/{{mugProductId}}/",
            status=200,
            tests=checkout_stock(2),
        ),
        request(
            "Cart: a spare one",
            "POST",
            "/carts/",
            status=201,
            tests='pm.collectionVariables.set("cartUuid", pm.response.json().id);',
        ),
        request("Cart: delete it", "DELETE", CART, status=204),
    ],
)

# --- Password change and logout ---------------------------------------------------------

PASSWORD_AND_LOGOUT = folder(
    "Password and logout",
    "Changing the password revokes every token; logging out ends one login or all of them.",
    [
        request(
            "Change password: wrong old password -> 400",
            "POST",
            "/auth/password/",
            status=400,
            token=USER,
            body={"old_password": "not-it", "new_password": "{{newUserPassword}}"},
            tests=field_error("old_password"),
        ),
        request(
            "Change password: weak new password -> 400",
            "POST",
            "/auth/password/",
            status=400,
            token=USER,
            body={"old_password": "{{userPassword}}", "new_password": "123"},
            tests=field_error("new_password"),
        ),
        request(
            "Change password: anonymous -> 401",
            "POST",
            "/auth/password/",
            status=401,
            body={"old_password": "{{userPassword}}", "new_password": "{{newUserPassword}}"},
            tests=UNAUTHORIZED,
        ),
        request(
            "Change password",
            "POST",
            "/auth/password/",
            status=204,
            token=USER,
            body={"old_password": "{{userPassword}}", "new_password": "{{newUserPassword}}"},
        ),
        request(
            "Me: token from before the change -> 401",
            "GET",
            "/auth/me/",
            status=401,
            token=USER,
            tests=UNAUTHORIZED,
        ),
        request(
            "Login: old password -> 401",
            "POST",
            "/auth/login/",
            status=401,
            body={"username": "shopper_{{runId}}", "password": "{{userPassword}}"},
        ),
        request(
            "Login: new password",
            "POST",
            "/auth/login/",
            status=200,
            body={"username": "shopper_{{runId}}", "password": "{{newUserPassword}}"},
            tests=TOKEN_PAIR + SAVE_USER_TOKENS,
        ),
        request(
            "Logout: anonymous -> 401",
            "POST",
            "/auth/logout/",
            status=401,
            body={"refresh": "{{userRefresh}}"},
            tests=UNAUTHORIZED,
        ),
        request(
            "Logout",
            "POST",
            "/auth/logout/",
            status=[204, 205],
            token=USER,
            body={"refresh": "{{userRefresh}}"},
        ),
        request(
            "Refresh: logged-out token -> 401",
            "POST",
            "/auth/refresh/",
            status=401,
            body={"refresh": "{{userRefresh}}"},
            tests=UNAUTHORIZED,
        ),
        request(
            "Login on one device",
            "POST",
            "/auth/login/",
            status=200,
            body={"username": "shopper_{{runId}}", "password": "{{newUserPassword}}"},
            tests=SAVE_USER_TOKENS,
        ),
        request(
            "Login on another device",
            "POST",
            "/auth/login/",
            status=200,
            body={"username": "shopper_{{runId}}", "password": "{{newUserPassword}}"},
            tests="""
pm.collectionVariables.set("otherDeviceRefresh", pm.response.json().refresh);
""",
        ),
        request("Logout everywhere: anonymous -> 401", "POST", "/auth/logout-all/", status=401),
        request("Logout everywhere", "POST", "/auth/logout-all/", status=204, token=USER),
        request(
            "Refresh on one device after logout everywhere -> 401",
            "POST",
            "/auth/refresh/",
            status=401,
            body={"refresh": "{{userRefresh}}"},
        ),
        request(
            "Refresh on the other device after logout everywhere -> 401",
            "POST",
            "/auth/refresh/",
            status=401,
            body={"refresh": "{{otherDeviceRefresh}}"},
        ),
    ],
)

# --- Password reset -----------------------------------------------------------------------

SAME_RESET_ANSWER = """
pm.test("the same answer as for any address", function () {
    pm.expect(pm.response.json()).to.eql(JSON.parse(v("resetAnswer")));
});
"""

PASSWORD_RESET = folder(
    "Password reset",
    "A reset link by e-mail, the same answer for any address; the link works once.",
    [
        request(
            "Password reset: unknown address -> 202",
            "POST",
            "/auth/password/reset/",
            status=202,
            body={"email": "nobody_{{runId}}@example.com"},
            tests="""
pm.collectionVariables.set("resetAnswer", JSON.stringify(pm.response.json()));
""",
        ),
        request(
            "Password reset",
            "POST",
            "/auth/password/reset/",
            status=202,
            body={"email": "shopper_{{runId}}@example.com"},
            tests=SAME_RESET_ANSWER,
        ),
        request(
            "Read the reset e-mail (e2e server only)",
            "GET",
            "/e2e/last-mail/?to=shopper_{{runId}}@example.com",
            status=200,
            description="Test-only view of e2e/urls.py: the newest e-mail to that address.",
            tests=r"""
const link = pm.response.json().message.match(/reset-password\/([^\/\s]+)\/([^\/\s]+)\//);
pm.test("the e-mail holds the reset link", function () {
    pm.expect(link).to.not.eql(null);
});
pm.collectionVariables.set("resetUid", link[1]);
pm.collectionVariables.set("resetToken", link[2]);
""",
        ),
        request(
            "Password reset confirm: bad token -> 400",
            "POST",
            "/auth/password/reset/confirm/",
            status=400,
            body={"uid": "{{resetUid}}", "token": "bad-token", "new_password": "{{userPassword}}"},
            tests=field_error("token"),
        ),
        request(
            "Password reset confirm",
            "POST",
            "/auth/password/reset/confirm/",
            status=204,
            body={
                "uid": "{{resetUid}}",
                "token": "{{resetToken}}",
                "new_password": "{{userPassword}}",
            },
        ),
        request(
            "Password reset confirm: used link -> 400",
            "POST",
            "/auth/password/reset/confirm/",
            status=400,
            body={
                "uid": "{{resetUid}}",
                "token": "{{resetToken}}",
                "new_password": "{{newUserPassword}}",
            },
            tests=field_error("token"),
        ),
        request(
            "Login: the reset password",
            "POST",
            "/auth/login/",
            status=200,
            body={"username": "shopper_{{runId}}", "password": "{{userPassword}}"},
            tests=TOKEN_PAIR,
        ),
    ],
)


def collection():
    return {
        "info": {
            "name": "django-shopcore",
            "description": (
                "Every endpoint of the django-shopcore API, in an order that runs on an "
                "empty database. Select the django-shopcore environment, set adminUsername "
                "and adminPassword to a staff account, and run the whole collection.\n\n"
                "Generated by `python -m e2e.postman`; edit e2e/postman.py, not this file."
            ),
            "schema": SCHEMA_URL,
        },
        "auth": {"type": "noauth"},
        "event": [script("test", COLLECTION_TESTS)],
        "variable": [
            {"key": name, "value": ""}
            for name in [
                "runId",
                "userPassword",
                "newUserPassword",
                "userId",
                "climberId",
                "staffId",
                "userAccess",
                "userRefresh",
                "usedRefresh",
                "otherDeviceRefresh",
                "adminAccess",
                "parentId",
                "parentSlug",
                "childId",
                "childSlug",
                "spareCategoryId",
                "productAId",
                "productBId",
                "productCId",
                "defaultVariantId",
                "variantId",
                "imageId",
                "mugCategoryId",
                "mugProductId",
                "mugVariantId",
                "cartUuid",
                "cartItemId",
                "orderId",
            ]
        ],
        "item": [
            DOCS,
            AUTH,
            USERS,
            CATEGORIES,
            PRODUCTS_FOLDER,
            CARTS_AND_ORDERS,
            PASSWORD_AND_LOGOUT,
            PASSWORD_RESET,
        ],
    }


def environment():
    return {
        "name": "django-shopcore (local)",
        "values": [
            # The API root: where the host project mounts django_shopcore.urls.
            {"key": "baseUrl", "value": "http://127.0.0.1:8000/api", "type": "default"},
            {"key": "adminUsername", "value": "admin", "type": "default"},
            {"key": "adminPassword", "value": "", "type": "secret"},
        ],
        "_postman_variable_scope": "environment",
    }


def requests_of(item):
    """Every request under a collection or folder, in order."""
    if "request" in item:
        yield item
    for child in item.get("item", []):
        yield from requests_of(child)


def expects_success(item):
    """Whether the request's test script expects a 2xx status (see status_test)."""
    source = "\n".join(line for event in item["event"] for line in event["script"]["exec"])
    return re.search(r'pm.test\("status is (one of \[)?2\d\d', source) is not None


def operation_of(item):
    """``(METHOD, schema path)``, e.g. ``("GET", "/api/products/{id}/")``."""
    path = item["request"]["url"].removeprefix("{{baseUrl}}").split("?")[0]
    # Ids, literal or from variables, stand for the schema's path parameter.
    path = re.sub(r"/(\{\{\w+\}\}|\d+)/", "/{id}/", path)
    return item["request"]["method"], OPENAPI_PREFIX + path


def uncovered_operations(document, schema):
    """The schema's operations that no request of the collection calls with success."""
    methods = {"get", "post", "put", "patch", "delete"}
    documented = {
        # Every path parameter stands for an id, as in operation_of().
        (method.upper(), re.sub(r"\{\w+\}", "{id}", path))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in methods
    }
    called = {operation_of(item) for item in requests_of(document) if expects_success(item)}
    return sorted(documented - called)


def render(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail when the committed files differ"
    )
    args = parser.parse_args(argv)
    document = collection()
    outputs = {COLLECTION_PATH: render(document), ENVIRONMENT_PATH: render(environment())}
    stale = [
        path for path, text in outputs.items() if not path.exists() or path.read_text() != text
    ]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run python -m e2e.postman", file=sys.stderr)
        uncovered = uncovered_operations(document, yaml.safe_load(OPENAPI_PATH.read_text()))
        for method, path in uncovered:
            print(f"the collection never calls {method} {path} with success", file=sys.stderr)
        return 1 if stale or uncovered else 0
    for path in stale:
        path.write_text(outputs[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
