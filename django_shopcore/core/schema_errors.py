"""The error responses shopcore's AutoSchema documents, and how a view adds its own.

Which errors an operation documents follows from the view (see
:class:`ErrorResponsesMixin`); the errors a view raises itself, and the
description of its success when no model names it, are declared beside the
view with :func:`extend_responses` and :func:`raises`.
"""

from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from drf_spectacular.plumbing import ResolvedComponent, force_instance, get_view_model
from drf_spectacular.settings import spectacular_settings
from rest_framework.exceptions import ValidationError

from .schema_error_bodies import (
    BAD_BODY,
    CONFLICT,
    ERROR_COMPONENT,
    MALFORMED_JSON,
    NOT_AUTHENTICATED,
    PERMISSION_DENIED,
    RETRY_AFTER_HEADER,
    THROTTLED,
    TOKEN_NOT_VALID,
    VALIDATION_ERROR_COMPONENT,
    WWW_AUTHENTICATE_HEADER,
    either,
    error_response,
    example,
)

# Type checkers see the AutoSchema the mixin is combined with; at run time it is a plain mixin.
if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema as _SchemaBase
else:
    _SchemaBase = object


WRITE_METHODS = {"POST", "PUT", "PATCH"}
# on_delete handlers that make a delete fail while references remain: a 409.
BLOCKING_ON_DELETE = {models.PROTECT, models.RESTRICT}


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


class RaisedError(NamedTuple):
    """An error response a view raises itself: status code, description, examples, body."""

    status_code: str
    description: str
    examples: dict
    schema: ResolvedComponent


def raises(status_code, description, schema=ERROR_COMPONENT, **examples):
    """An error the view raises itself, for :func:`extend_responses`; examples by name.

    ``schema`` is the body's component when it is not an :data:`ERROR_COMPONENT`
    (a :data:`VALIDATION_ERROR_COMPONENT`, an :func:`error_component`).
    """
    return RaisedError(str(status_code), description, examples, schema)


class OperationResponses(NamedTuple):
    """What :func:`extend_responses` declared for an operation."""

    success: str | None = None
    errors: tuple = ()


# Where extend_responses keeps its declaration, on a view method or a view class.
RESPONSES_ATTRIBUTE = "shopcore_responses"


def extend_responses(*, success=None, errors=()):
    """Documents what an operation answers beyond what its view's classes imply.

    ``success`` describes the success response (lists and details of a model
    are described from the model); ``errors`` are :func:`raises` entries. Use
    it like drf-spectacular's ``extend_schema``: on a view class (all its
    operations), on a view method, or inside ``extend_schema_view`` for one
    action (``destroy=[extend_schema(...), extend_responses(...)]``). It adds
    to what is already declared, a parent view's included, so a subclass
    inherits the declaration and can extend it; a method's replaces its view's.
    """

    def decorator(view_or_method):
        inherited = getattr(view_or_method, RESPONSES_ATTRIBUTE, OperationResponses())
        # Set anew, never changed in place: extend_schema_view's copy of an
        # inherited method shares the original's attribute values.
        declared = OperationResponses(
            success or inherited.success, inherited.errors + tuple(errors)
        )
        setattr(view_or_method, RESPONSES_ATTRIBUTE, declared)
        return view_or_method

    return decorator


class ErrorResponsesMixin(_SchemaBase):
    """For ``AutoSchema``: the error responses an operation can give.

    Which errors an operation documents follows from the view: 400 on writes
    and on lists taking query parameters, 401 when it authenticates, 403 when
    its permissions can refuse a signed-in non-admin, 404 on detail routes and
    paged lists, 409 on deleting protected rows, 413 on bodies, 429 when it is
    throttled; plus those the view declares with :func:`extend_responses`.
    """

    def declared_responses(self):
        """The :func:`extend_responses` declaration of this operation's method, else its view's."""
        action = getattr(self.view, "action", None) or self.method.lower()
        for owner in (getattr(self.view, action, None), self.view):
            declared = getattr(owner, RESPONSES_ATTRIBUTE, None)
            if declared is not None:
                return declared
        return OperationResponses()

    def get_error_responses(self):
        self.registry.register_on_missing(ERROR_COMPONENT)
        self.registry.register_on_missing(VALIDATION_ERROR_COMPONENT)
        responses = {}
        if self.has_request_body() or self.takes_query_parameters():
            responses["400"] = self.bad_request_response()
        if self.authenticates():
            responses["401"] = self.unauthorized_response()
        if self.authenticates() and not self.allows(self.signed_in_user()):
            responses["403"] = error_response(
                "Signed in, but without the permission this needs.",
                ERROR_COMPONENT,
                {"PermissionDenied": example(PERMISSION_DENIED, "Not an admin")},
            )
        if self.is_detail_route() or self.is_paginated_list():
            responses["404"] = self.not_found_response()
        if self.has_request_body() and settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
            responses["413"] = error_response(
                f"The body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
                ERROR_COMPONENT,
                {"TooLarge": example(self.too_large_example(), "Body too large")},
            )
        if self.method == "DELETE" and self.blocking_relations():
            responses["409"] = self.conflict_response()
        for status_code, description, examples, schema in self.declared_responses().errors:
            self.registry.register_on_missing(schema)
            if status_code in responses:
                content = responses[status_code]["content"]["application/json"]
                content["examples"] = {**content["examples"], **examples}
                content["schema"] = either(content["schema"], schema.ref)
            else:
                headers = (
                    {"WWW-Authenticate": WWW_AUTHENTICATE_HEADER} if status_code == "401" else None
                )
                responses[status_code] = error_response(
                    description, schema, examples, headers=headers
                )
        if self.view.get_throttles():
            responses["429"] = error_response(
                "Too many requests; retry after `Retry-After` seconds.",
                ERROR_COMPONENT,
                {"Throttled": example(THROTTLED, "Throttled")},
                headers={"Retry-After": RETRY_AFTER_HEADER},
            )
        return responses

    # What the view allows and takes.

    # What a permission needing more than a bare, unsaved user and a mock request
    # raises: a missing attribute, key or related object, None where an object was
    # expected, the unsaved user's relations (ValueError). Anything else propagates.
    permission_errors = (AttributeError, KeyError, TypeError, ValueError, ObjectDoesNotExist)

    def allows(self, user):
        """Whether the view's permissions let ``user`` call this operation."""
        request = spectacular_settings.GET_MOCK_REQUEST(self.method, self.path, self.view, None)
        request.user = user
        try:
            return all(
                permission.has_permission(request, self.view)
                for permission in self.view.get_permissions()
            )
        except self.permission_errors:
            # A host permission that needs more than a bare user object: assume it can refuse.
            return False

    def signed_in_user(self):
        user = get_user_model()()
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        return user

    def authenticates(self):
        return bool(self.view.get_authenticators())

    def has_request_body(self):
        return self.method in WRITE_METHODS and self.get_request_serializer() is not None

    def takes_query_parameters(self):
        # Private, and called as AutoSchema's operation builder calls them: no public
        # accessor gives an operation's filter and pagination parameters.
        return self.method == "GET" and bool(
            self._get_filter_parameters() or self._get_pagination_parameters()
        )

    def is_detail_route(self):
        return "{" in self.path

    def is_paginated_list(self):
        # Private: drf-spectacular's own test for a list and its paginator, used as it does.
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def blocking_relations(self):
        model = get_view_model(self.view, emit_warnings=False)
        return blocking_relations(model) if model is not None else []

    # The error responses.

    def bad_request_response(self):
        if self.has_request_body():
            return error_response(
                "Invalid input: each field lists its messages. A body that is not JSON "
                "is a `detail` error.",
                BAD_BODY,
                {
                    "InvalidInput": example(self.invalid_body_example(), "Invalid field"),
                    "MalformedJson": example(MALFORMED_JSON, "Not JSON"),
                },
            )
        return error_response(
            "An invalid query parameter; each one lists its messages.",
            VALIDATION_ERROR_COMPONENT,
            {"InvalidQueryParameter": example(self.invalid_query_example(), "Invalid parameter")},
        )

    def invalid_body_example(self):
        """The error a real field of the request body gives when left out (or blank)."""
        serializer = self.get_request_serializer()
        if isinstance(serializer, dict):
            # A body per media type (the image upload's multipart): they share the fields.
            serializer = next(iter(serializer.values()))
        # A class (the carts' and orders' request serializers) or an instance.
        serializer = force_instance(serializer)
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
        """The paginator's own error for ``page_size=0``, else a generic one."""
        # Private: the paginator drf-spectacular itself documents (no public accessor).
        paginator = self._get_paginator()
        if paginator is not None and getattr(paginator, "page_size_query_param", None):
            request = spectacular_settings.GET_MOCK_REQUEST(
                "GET", f"{self.path}?{paginator.page_size_query_param}=0", self.view, None
            )
            try:
                paginator.get_page_size(request)
            except ValidationError as exc:
                if isinstance(exc.detail, dict):
                    return {
                        key: [str(m) for m in messages] for key, messages in exc.detail.items()
                    }
        parameters = self._get_filter_parameters() + self._get_pagination_parameters()
        return {parameters[0]["name"]: ["Enter a valid value."]}

    def too_large_example(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return {"detail": f"The request body is larger than {limit} bytes."}

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
