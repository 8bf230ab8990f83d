"""OpenAPI schema: shopcore's AutoSchema, drf-spectacular extensions and the docs views.

Every shopcore view uses :class:`ShopcoreAutoSchema` (through ``ShopcoreViewMixin``),
which tags operations, marks public reads as usable without a token and adds
the error responses each operation can give. The schema, Swagger UI and ReDoc
views fill in the ``SPECTACULAR_SETTINGS`` the host left unset and always load
their assets from drf-spectacular-sidecar, so the docs work offline.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.templatetags.static import static
from drf_spectacular.extensions import OpenApiFilterExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_parameter_type, get_view_model
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.viewsets import ViewSetMixin

from . import __version__
from .settings import shopcore_settings

DESCRIPTION = """\
The catalog (categories and products) and the accounts of a shop.

**Authentication.** Call `POST auth/login/` with your username and password,
then send the returned `access` token as `Authorization: Bearer <access>`.
In Swagger UI, click **Authorize** and paste the access token. When it
expires, `POST auth/refresh/` with the `refresh` token gives a new pair.
Reading the catalog needs no token; writing to it needs an admin (`is_staff`).

**Errors.** Invalid input is a 400 of the form `{"field": ["message", ...]}`;
other errors are `{"detail": "message"}`: 401 without valid credentials
(with a `WWW-Authenticate` header), 403 when not allowed, 404 for an unknown
object or a page past the end, 409 when a write would break data integrity,
429 when throttled (with a `Retry-After` header).
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
        defaults["SCHEMA_PATH_PREFIX"] = path[: path.rindex("/", 0, -1) + 1]
    return host_unset(defaults)


def sidecar_url(path):
    return static(f"drf_spectacular_sidecar/{path}")


class ShopcoreSchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema of the API, as YAML or (``?format=json``) JSON."""

    # drf-spectacular's own AutoSchema, even when DRF's DEFAULT_SCHEMA_CLASS is not.
    schema = AutoSchema()

    @property
    def custom_settings(self):
        return schema_settings(self.request)


class ShopcoreSwaggerView(SpectacularSwaggerView):
    """Swagger UI from the sidecar's local files, whatever ``SWAGGER_UI_DIST`` says."""

    schema = AutoSchema()
    url_name = "shopcore_docs:schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["title"] = docs_title()
        response.data["settings"] = self._dump(
            {**SWAGGER_UI_SETTINGS, **spectacular_settings.SWAGGER_UI_SETTINGS}
            if isinstance(spectacular_settings.SWAGGER_UI_SETTINGS, dict)
            else spectacular_settings.SWAGGER_UI_SETTINGS
        )
        return response

    @staticmethod
    def _swagger_ui_resource(filename):
        return sidecar_url(f"swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return sidecar_url("swagger-ui-dist/favicon-32x32.png")


class ShopcoreRedocView(SpectacularRedocView):
    """ReDoc from the sidecar's local files, whatever ``REDOC_DIST`` says."""

    schema = AutoSchema()
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


# --- AutoSchema ----------------------------------------------------------------

# Reusable schemas of the two error shapes, under components/schemas.
ERROR_COMPONENT = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="django_shopcore.schema.Error",
    schema={
        "type": "object",
        "description": "An error other than invalid input.",
        "properties": {
            "detail": {"type": "string", "description": "What went wrong, for people."},
            "code": {
                "type": "string",
                "description": "A machine-readable code; present on token errors.",
            },
        },
        "required": ["detail"],
    },
)
VALIDATION_ERROR_COMPONENT = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="django_shopcore.schema.ValidationError",
    schema={
        "type": "object",
        "description": "Invalid input: each key names a field, a query parameter or "
        "`non_field_errors`, and lists its messages.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
)

WWW_AUTHENTICATE_HEADER = {
    "schema": {"type": "string"},
    "description": "The scheme to authenticate with: `Bearer`.",
}
RETRY_AFTER_HEADER = {
    "schema": {"type": "integer"},
    "description": "Seconds to wait before retrying.",
}

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
TOKEN_NOT_VALID = {
    "detail": "Given token not valid for any token type",
    "code": "token_not_valid",
    "messages": [
        {"token_class": "AccessToken", "token_type": "access", "message": "Token is expired"}
    ],
}
PERMISSION_DENIED = {"detail": "You do not have permission to perform this action."}
THROTTLED = {"detail": "Request was throttled. Expected available in 42 seconds."}
CONFLICT = {"detail": "It is still referenced by other records; remove those first."}

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# on_delete handlers that make a delete fail while references remain: a 409.
BLOCKING_ON_DELETE = {models.PROTECT, models.RESTRICT}

MODEL_TAGS = {"Category": "Categories", "Product": "Products"}


def error_response(description, component, examples, headers=None):
    response = {
        "description": description,
        "content": {"application/json": {"schema": component.ref, "examples": examples}},
    }
    if headers:
        response["headers"] = headers
    return response


def example(value, summary):
    return {"value": value, "summary": summary}


def blocking_relations(model):
    """Names of what keeps a ``model`` row from being deleted (protected references)."""
    return sorted(
        {
            relation.related_model._meta.verbose_name_plural
            for relation in model._meta.related_objects
            if relation.on_delete in BLOCKING_ON_DELETE
        },
        key=str,
    )


class ShopcoreAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with shopcore's tags, security and error responses.

    Which errors an operation documents follows from the view: 400 on writes
    and on lists taking query parameters, 401 when it authenticates, 403 when
    its permissions can refuse a signed-in non-admin, 404 on detail routes and
    paged lists, 409 on deleting protected rows, 429 when it is throttled.
    """

    def get_tags(self):
        model = get_view_model(self.view, emit_warnings=False)
        if isinstance(self.view, ViewSetMixin) and model is not None:
            if model is get_user_model():
                return ["Users"]
            return [MODEL_TAGS.get(model.__name__, str(model._meta.verbose_name_plural).title())]
        return ["Auth"]

    def get_auth(self):
        security = super().get_auth()
        if {} not in security and self.allows(AnonymousUser()):
            # A public operation: the token is optional.
            security.append({})
        return security

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code, response in self.get_error_responses().items():
            responses.setdefault(status_code, response)
        return responses

    def get_error_responses(self):
        self.registry.register_on_missing(ERROR_COMPONENT)
        self.registry.register_on_missing(VALIDATION_ERROR_COMPONENT)
        responses = {}
        if self.method in WRITE_METHODS or self.takes_query_parameters():
            responses["400"] = self.bad_request_response()
        if self.authenticates():
            responses["401"] = self.unauthorized_response()
        if self.authenticates() and not self.allows(self.signed_in_user()):
            responses["403"] = error_response(
                "Signed in, but not allowed to do this (admins only).",
                ERROR_COMPONENT,
                {"PermissionDenied": example(PERMISSION_DENIED, "Not an admin")},
            )
        if self.is_detail_route() or self.is_paginated_list():
            responses["404"] = self.not_found_response()
        if self.method == "DELETE" and self.blocking_relations():
            responses["409"] = self.conflict_response()
        if self.view.get_throttles():
            responses["429"] = error_response(
                "Too many requests; retry after `Retry-After` seconds.",
                ERROR_COMPONENT,
                {"Throttled": example(THROTTLED, "Throttled")},
                headers={"Retry-After": RETRY_AFTER_HEADER},
            )
        return responses

    # What the view allows and takes.

    def allows(self, user):
        """Whether the view's permissions let ``user`` call this operation."""
        request = spectacular_settings.GET_MOCK_REQUEST(self.method, self.path, self.view, None)
        request.user = user
        try:
            return all(
                permission.has_permission(request, self.view)
                for permission in self.view.get_permissions()
            )
        except Exception:
            # A host permission that needs more than a bare user object: assume it can refuse.
            return False

    def signed_in_user(self):
        user = get_user_model()()
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        return user

    def authenticates(self):
        return bool(self.view.get_authenticators())

    def takes_query_parameters(self):
        return self.method == "GET" and bool(
            self._get_filter_parameters() or self._get_pagination_parameters()
        )

    def is_detail_route(self):
        return "{" in self.path

    def is_paginated_list(self):
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def blocking_relations(self):
        model = get_view_model(self.view, emit_warnings=False)
        return blocking_relations(model) if model is not None else []

    # The error responses.

    def bad_request_response(self):
        if self.method in WRITE_METHODS:
            examples = {"InvalidInput": example(self.invalid_body_example(), "Invalid field")}
            description = "Invalid input; each field lists its messages."
        else:
            examples = {
                "InvalidQueryParameter": example(
                    self.invalid_query_example(), "Invalid query parameter"
                )
            }
            description = "An invalid query parameter; each one lists its messages."
        return error_response(description, VALIDATION_ERROR_COMPONENT, examples)

    def invalid_body_example(self):
        """The error a real field of the request body gives when left out (or blank)."""
        serializer = self.get_request_serializer()
        fields = getattr(serializer, "fields", {})
        writable = [field for field in fields.values() if not field.read_only]
        if self.method != "PATCH":
            writable = [field for field in writable if field.required] or writable
        if not writable:
            return {"non_field_errors": ["Invalid data."]}
        field = writable[0]
        key = "required" if self.method != "PATCH" else "blank"
        message = field.error_messages.get(key) or field.error_messages["null"]
        return {field.field_name: [str(message)]}

    def invalid_query_example(self):
        """The error the paginator gives for ``page_size=0``, else for an unknown ``ordering``."""
        paginator = self._get_paginator()
        if paginator is not None and getattr(paginator, "page_size_query_param", None):
            request = spectacular_settings.GET_MOCK_REQUEST(
                "GET", f"{self.path}?{paginator.page_size_query_param}=0", self.view, None
            )
            try:
                paginator.get_page_size(request)
            except ValidationError as exc:
                return exc.detail
        return {
            "ordering": ["Select a valid choice. password is not one of the available choices."]
        }

    def unauthorized_response(self):
        examples = {"TokenNotValid": example(TOKEN_NOT_VALID, "Invalid or expired token")}
        if self.allows(AnonymousUser()):
            description = (
                "The bearer token is invalid or expired. The operation is public: "
                "leave out the `Authorization` header instead."
            )
        else:
            description = "No credentials, or an invalid or expired bearer token."
            examples = {
                "NotAuthenticated": example(NOT_AUTHENTICATED, "No Authorization header"),
                **examples,
            }
        return error_response(
            description,
            ERROR_COMPONENT,
            examples,
            headers={"WWW-Authenticate": WWW_AUTHENTICATE_HEADER},
        )

    def not_found_response(self):
        if self.is_detail_route():
            model = get_view_model(self.view, emit_warnings=False)
            name = model.__name__ if model is not None else "object"
            return error_response(
                f"No {name.lower()} has this id.",
                ERROR_COMPONENT,
                {
                    "NotFound": example(
                        {"detail": f"No {name} matches the given query."}, "Unknown id"
                    )
                },
            )
        return error_response(
            "The page is past the last one.",
            ERROR_COMPONENT,
            {"InvalidPage": example({"detail": "Invalid page."}, "Page past the end")},
        )

    def conflict_response(self):
        referenced_by = " or ".join(str(name) for name in self.blocking_relations())
        return error_response(
            f"Still referenced by {referenced_by}: move or delete those first.",
            ERROR_COMPONENT,
            {"Conflict": example(CONFLICT, "Still referenced")},
        )


# --- Extensions ----------------------------------------------------------------


class PageNumberPaginationExtension(OpenApiFilterExtension):
    """``page`` and ``page_size`` with their bounds, which DRF's description leaves out."""

    target_class = "django_shopcore.pagination.ShopcorePageNumberPagination"
    match_subclasses = True

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        max_page_size = shopcore_settings.MAX_PAGE_SIZE
        return [
            build_parameter_type(
                name=self.target.page_query_param,
                schema={"type": "integer", "minimum": 1},
                location=OpenApiParameter.QUERY,
                description="The page number, from 1. A page past the last one is a 404.",
            ),
            build_parameter_type(
                name=self.target.page_size_query_param,
                schema={"type": "integer", "minimum": 1, "maximum": max_page_size},
                location=OpenApiParameter.QUERY,
                default=shopcore_settings.PAGE_SIZE,
                description=f"Results per page, from 1 to {max_page_size}; "
                "anything else is a 400.",
            ),
        ]


class CategorySummarySerializer(serializers.Serializer):
    """How a product shows its category."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()


class CategorySummaryFieldExtension(OpenApiSerializerFieldExtension):
    """A product's ``category``: written as an id, read as ``{id, name, slug}``."""

    target_class = "django_shopcore.serializers.CategorySummaryField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return auto_schema._map_serializer_field(
                self.target, direction, bypass_extensions=True
            )
        return auto_schema.resolve_serializer(CategorySummarySerializer, direction).ref
