"""README's and the guide's tables of routes and status codes match the URLconfs and the schema.

A route or a status code added to the code without a word in the docs fails
here (README once left out ``auth/logout-all/``, 413, and the carts and orders).
"""

import importlib
import re
from pathlib import Path

import pytest
import yaml
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern, RoutePattern

from django_shopcore.urls import PARTS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
DOCUMENTED_STATUSES = sorted(
    {
        status
        for operations in SCHEMA["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for status in operation.get("responses", {})
    }
)


def top_level_routes(urlconf):
    """The routes of ``urlconf`` as its table row names them: a ``path()`` whole,
    a router's by their first segment (``products/`` for the nested variants too)."""
    routes = set()
    for entry in importlib.import_module(urlconf).urlpatterns:
        assert isinstance(entry, (URLPattern, URLResolver))
        if isinstance(entry.pattern, RoutePattern):
            routes.add(str(entry.pattern))
        else:
            assert isinstance(entry.pattern, RegexPattern)
            routes.add(re.match(r"\^?([\w-]+/)", str(entry.pattern)).group(1))
    return routes


def route_table_rows(document):
    """``{include: (routes cell, namespace cell)}`` of the document's include table."""
    rows = re.findall(
        r"^\| `(django_shopcore[\w.]*\.urls)` \| (.*) \| (.*) \|$", document, re.MULTILINE
    )
    return {include: (routes, namespace) for include, routes, namespace in rows}


@pytest.mark.parametrize("document", ["README.md", "docs/installation.md"])
@pytest.mark.parametrize("urlconf", [urlconf for _, urlconf in PARTS])
def test_the_include_table_names_every_route_of_each_part(document, urlconf):
    rows = route_table_rows((ROOT / document).read_text())
    assert urlconf in rows, f"{document} has no row for {urlconf}"
    routes, namespace = rows[urlconf]

    missing = [route for route in sorted(top_level_routes(urlconf)) if f"`{route}`" not in routes]

    assert missing == []
    assert namespace == f"`{importlib.import_module(urlconf).app_name}`"


def test_the_route_check_sees_the_routers_routes():
    assert top_level_routes("django_shopcore.catalog.urls") == {"categories/", "products/"}


def test_readme_names_every_error_status_the_schema_documents():
    readme = (ROOT / "README.md").read_text()
    errors = readme[readme.index("Errors follow Django REST framework") :].split("\n\n")[0]
    error_statuses = [status for status in DOCUMENTED_STATUSES if status.startswith("4")]

    assert [status for status in error_statuses if status not in errors] == []


def test_the_guide_has_a_row_for_every_status_the_schema_documents():
    guide = (ROOT / "docs" / "api-guide.md").read_text()
    table = guide[guide.index("## Errors and status codes") :]
    first_cells = re.findall(r"^\| ([\d, ]+) \|", table, re.MULTILINE)
    listed = {status.strip() for cell in first_cells for status in cell.split(",")}

    assert [status for status in DOCUMENTED_STATUSES if status not in listed] == []
