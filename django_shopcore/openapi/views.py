"""The OpenAPI schema, Swagger UI and ReDoc views, with their assets served by the sidecar.

They fill in the ``SPECTACULAR_SETTINGS`` the host left unset and always load
their assets from drf-spectacular-sidecar, so the docs work offline.
"""

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.templatetags.static import static
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .. import __version__

DESCRIPTION = """\
The catalog (categories and products) and the accounts of a shop.

**Authentication.** Call `POST auth/login/` with your credentials, then
send the returned `access` token as `Authorization: Bearer <access>`.
In Swagger UI, click **Authorize** and paste the access token. When it
expires, `POST auth/refresh/` with the `refresh` token gives a new pair.
Reading the catalog needs no token; writing to it needs an admin (`is_staff`).

**Errors.** Invalid input is a 400 of the form `{"field": ["message", ...]}`;
other errors are `{"detail": "message"}`: 401 without valid credentials
(with a `WWW-Authenticate` header), 403 when not allowed, 404 for an unknown
object or a page past the end, 409 when a write would break data integrity,
413 when a body is too large, 429 when throttled (with a `Retry-After` header).
"""

TAGS = [
    {
        "name": "Auth",
        "description": "Register, log in for a JWT pair, refresh it, log out; "
        "your own profile and password.",
    },
    {"name": "Users", "description": "User management, for admins (`is_staff`) only."},
    {
        "name": "Categories",
        "description": "The category tree. Anyone may read it; admins write it.",
    },
    {
        "name": "Products",
        "description": "Products, with filters, keyword search, ordering and pages. "
        "Anyone may read them; admins write them.",
    },
    {
        "name": "Carts",
        "description": "Carts of product variants. Anyone may create one; its unguessable "
        "id is what gives access (a signed-in user's cart is theirs alone).",
    },
    {
        "name": "Orders",
        "description": "Checkout from a cart (all lines' units or none, idempotent with "
        "`Idempotency-Key`), your orders, and their status transitions.",
    },
]

SWAGGER_UI_SETTINGS = {
    "deepLinking": True,
    # Keep the token pasted into "Authorize" across page reloads.
    "persistAuthorization": True,
    "displayOperationId": False,
    "displayRequestDuration": True,
    "filter": True,
    # Swagger UI would otherwise send the schema to validator.swagger.io.
    "validatorUrl": None,
}


# The docs pages may load from their own server only: ReDoc's bundle fetches its
# footer logo from cdn.redoc.ly, and neither page may call out to the internet.
# Inline scripts and styles are the templates' own; blob: is ReDoc's search worker.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
    ]
)


def host_unset(defaults):
    """The items of ``defaults`` that the host's ``SPECTACULAR_SETTINGS`` leaves unset."""
    host_settings = getattr(settings, "SPECTACULAR_SETTINGS", None) or {}
    return {key: value for key, value in defaults.items() if key not in host_settings}


def schema_settings(request=None):
    """shopcore's schema settings, for ``SpectacularAPIView.custom_settings``."""
    defaults = {
        "TITLE": "django-shopcore",
        "DESCRIPTION": DESCRIPTION,
        "VERSION": __version__,
        # Separate request and response components: read-only fields stay out of requests.
        "COMPONENT_SPLIT_REQUEST": True,
        "TAGS": TAGS,
    }
    if request is not None:
        # Where the API is mounted: the schema view's path without its last segment.
        # It becomes the prefix that operation ids leave out (``products_list``).
        path = request.path_info
        defaults["SCHEMA_PATH_PREFIX"] = re.escape(path[: path.rindex("/", 0, -1) + 1])
    return host_unset(defaults)


def swagger_ui_settings():
    """shopcore's Swagger UI settings under the host's ``SWAGGER_UI_SETTINGS``."""
    host_settings = spectacular_settings.SWAGGER_UI_SETTINGS
    if isinstance(host_settings, str):
        # Raw JavaScript, passed through as drf-spectacular does.
        return host_settings
    return {**SWAGGER_UI_SETTINGS, **host_settings}


def sidecar_url(path):
    return static(f"drf_spectacular_sidecar/{path}")


class ShopcoreSchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema of the API, as YAML or (``?format=json``) JSON."""

    # Per request, where drf-spectacular has a class attribute it only reads.
    @property
    def custom_settings(self):  # type: ignore[override]
        return schema_settings(self.request)


# Type checkers see the view the mixin is combined with; at run time it is a plain mixin.
if TYPE_CHECKING:
    from rest_framework.views import APIView as _ViewBase
else:
    _ViewBase = object


class SameOriginDocsMixin(_ViewBase):
    """A Content-Security-Policy letting the page load nothing from other hosts.

    A policy a subclass already set is kept. CSP middlewares (django-csp,
    Django 6's) leave a response's own header alone, so this one stands.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.setdefault("Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY)
        return response


class ShopcoreSwaggerView(SameOriginDocsMixin, SpectacularSwaggerView):
    """Swagger UI from the sidecar's local files, whatever ``SWAGGER_UI_DIST`` says."""

    url_name = "shopcore_docs:schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["title"] = docs_title()
        response.data["settings"] = self._dump(swagger_ui_settings())
        return response

    @staticmethod
    def _swagger_ui_resource(filename):
        return sidecar_url(f"swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return sidecar_url("swagger-ui-dist/favicon-32x32.png")


class ShopcoreRedocView(SameOriginDocsMixin, SpectacularRedocView):
    """ReDoc from the sidecar's local files, whatever ``REDOC_DIST`` says."""

    url_name = "shopcore_docs:schema"
    # drf-spectacular's template, without its Google Fonts links.
    template_name = "django_shopcore/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["title"] = docs_title()
        return response

    @staticmethod
    def _redoc_standalone():
        return sidecar_url("redoc/bundles/redoc.standalone.js")


def docs_title():
    return schema_settings().get("TITLE", spectacular_settings.TITLE)
