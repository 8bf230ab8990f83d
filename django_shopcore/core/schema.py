"""shopcore's AutoSchema: security, error responses and the finer points of its fields.

Every shopcore view uses :class:`ShopcoreAutoSchema` (through ``ShopcoreViewMixin``),
which marks public reads as usable without a token, adds the error responses
each operation can give (schema_errors.py) and fixes what drf-spectacular gets
wrong about shopcore's fields. Summaries, descriptions and tags live beside
the views (``extend_schema``), component and field descriptions beside the
serializers (``extend_schema_serializer``, ``help_text``).
"""

from http import HTTPStatus

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, get_view_model
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .ids import ID_MAX_DIGITS, MAX_BIGINT
from .schema_bounds import bound_field, id_schema, integer_schema
from .schema_errors import ErrorResponsesMixin
from .settings import shopcore_settings

# Ends the description of an operation the default permission classes keep to admins.
ADMIN_ONLY = "Admins only."
# Path patterns of digits (bounded ones keep ids within a bigint).
DIGITS_PATH_PARAMETERS = [
    {"type": "string", "pattern": "^[0-9]+$"},
    {"type": "string", "pattern": "^[0-9]{1,18}$"},
]
# The pattern a `lookup_value_regex` of a UUID (a cart's id) gives.
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SUCCESS_DESCRIPTIONS = {
    "list": "A page of {plural}.",
    "create": "The new {name}.",
    "retrieve": "The {name}.",
    "update": "The updated {name}.",
    "partial_update": "The updated {name}.",
}


def is_non_negative(value):
    return value is not None and value >= 0


def has_model_help_text(field):
    """Whether ``field``'s help_text is its model field's, as a ModelSerializer copies it."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return field.help_text == getattr(model_field, "help_text", None)


def required_fields(serializer):
    return {name for name, field in serializer.fields.items() if field.required}


def writable_fields(serializer):
    return {name for name, field in serializer.fields.items() if not field.read_only}


def path_id_schema(name, model):
    """A path's id: the view model's own, or that of the relation it names (``product_pk``)."""
    if name in ("id", "pk"):
        return id_schema(model._meta.pk)
    try:
        relation = model._meta.get_field(name.removesuffix("_pk").removesuffix("_id"))
    except FieldDoesNotExist:
        relation = None
    if relation is not None and relation.many_to_one:
        return id_schema(relation.target_field)
    # Another table's id (a cart's item): a bigint, as every shopcore table's.
    return integer_schema(1, MAX_BIGINT)


def ordering_enum_names(keys):
    """``x-enum-varnames`` for ordering keys, for generated clients: ``-price`` is PRICE_DESC."""
    return [
        key.removeprefix("-").upper() + ("_DESC" if key.startswith("-") else "") for key in keys
    ]


def require_rendered_fields(schema, serializer):
    """Marks required, in a response component, every field DRF always renders.

    ``Serializer.to_representation`` gives every readable field; it skips an
    optional one only when the attribute is missing, which an attribute of a
    model instance never is. A plain serializer renders dicts, which may lack
    keys: its component keeps drf-spectacular's ``required``.
    """
    if not schema or "properties" not in schema:
        return
    if not isinstance(serializer, serializers.ModelSerializer):
        return
    rendered = {name for name in schema["properties"] if name in serializer.fields}
    schema["required"] = sorted({*schema.get("required", ()), *rendered})


# What makes an update's body differ from a create's, per method (a PATCH requires nothing).
UPDATE_SHAPES = {
    "PUT": lambda serializer: (required_fields(serializer), writable_fields(serializer)),
    "PATCH": writable_fields,
}


# The headers of a view whose GETs answer ``If-None-Match`` (``conditional_reads``).
ETAG_HEADER = {
    "schema": {"type": "string"},
    "description": "The version of this representation: send it back as `If-None-Match`.",
}
LAST_MODIFIED_HEADER = {
    "schema": {"type": "string"},
    "description": "When the data last changed (HTTP date), when the server knows it.",
}
IF_NONE_MATCH_PARAMETER = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="The `ETag` of the copy you hold: a 304 without a body when it is still current.",
)


class ShopcoreAutoSchema(ErrorResponsesMixin, AutoSchema):
    """drf-spectacular's AutoSchema with shopcore's security, error responses and fields."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None and not self.authenticates():
            # No authenticator runs (login, register...): said explicitly, so that
            # clients ask no token for it, whatever security the host sets globally.
            operation["security"] = []
        return operation

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.is_conditional_read():
            parameters = [*parameters, IF_NONE_MATCH_PARAMETER]
        return parameters

    def is_conditional_read(self):
        return self.method == "GET" and getattr(self.view, "conditional_reads", False)

    def resolve_serializer(self, serializer, direction, bypass_extensions=False):
        component = super().resolve_serializer(serializer, direction, bypass_extensions)
        # Split components only: otherwise one component describes requests too.
        if direction == "response" and spectacular_settings.COMPONENT_SPLIT_REQUEST:
            require_rendered_fields(component.schema, force_instance(serializer))
        return component

    def get_request_serializer(self):
        serializer = super().get_request_serializer()
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        shape = UPDATE_SHAPES.get(self.method)
        if shape is None or not isinstance(serializer, serializers.Serializer) or not model:
            return serializer
        # Serializers may take or require less of an update (a user's password, an
        # image's file, fixed once uploaded): describe that one.
        for_update = type(serializer)(instance=model(), context=serializer.context)
        if shape(for_update) == shape(serializer):
            return serializer
        return for_update

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        if direction == "request" and getattr(serializer, "instance", None) is not None:
            return f"{name.removesuffix('Serializer')}Update"
        return name

    # Private: drf-spectacular has no public hook on a field's mapped schema.
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and is_non_negative(field.min_value):
            # drf-spectacular's decimal pattern allows a sign the field refuses.
            schema["pattern"] = schema["pattern"].replace("^-?", "^", 1)
        return schema

    # Private: the one place a field's validators meet its schema; no public hook.
    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if "\\w" in schema.get("pattern", ""):
            # Python's \w matches letters of any script (unicode slugs and usernames),
            # ECMAScript's, which OpenAPI patterns use, ASCII only: no pattern beats a wrong one.
            del schema["pattern"]
        bound_field(field, schema)
        if "description" in schema and not has_model_help_text(field):
            # The serializer's own help_text reads after the constraints (as
            # docs/openapi.yaml has it); a model's stays where drf-spectacular puts it.
            schema["description"] = schema.pop("description")

    def map_parsers(self):
        # The API speaks JSON; form parsers from the host's DRF defaults stay
        # undocumented, unless the view chose them itself (file uploads).
        media_types = super().map_parsers()
        if "parser_classes" in vars(type(self.view)):
            return [media_type for media_type in media_types if "urlencoded" not in media_type]
        return [media_type for media_type in media_types if "json" in media_type]

    # Private: path parameters have no public hook but extend_schema, per view.
    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            if model is None:
                continue
            if parameter["schema"] in DIGITS_PATH_PARAMETERS:
                # A `lookup_value_regex` of digits: the id is an integer, not any string.
                parameter["schema"] = path_id_schema(parameter["name"], model)
                parameter["description"] = f"The {self.path_object_name(parameter, model)}'s id."
            elif parameter["schema"].get("pattern") == UUID_PATTERN:
                parameter["schema"] = {"type": "string", "format": "uuid"}
                parameter["description"] = f"The {model._meta.verbose_name}'s id."
        return parameters

    def path_object_name(self, parameter, model):
        """The view's model for its lookup; a further ``<name>_id`` names its own object."""
        if parameter["name"].endswith("_id"):
            return parameter["name"].removesuffix("_id").replace("_", " ")
        return model._meta.verbose_name

    def get_auth(self):
        security = super().get_auth()
        if security and {} not in security and self.allows(AnonymousUser()):
            # A public operation that still reads a token if one is sent (an admin sees
            # inactive products; a bad token is a 401): the token is optional. Not
            # `security: []`, which would tell Swagger UI and clients never to send it.
            security.append({})
        return security

    # Private: the one hook that sees the built responses; public ones give serializers.
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code, response in responses.items():
            if not response.get("description"):
                response["description"] = self.success_description(status_code)
        if self.is_conditional_read() and "200" in responses:
            responses["200"].setdefault("headers", {}).update(
                ETag=ETAG_HEADER, **{"Last-Modified": LAST_MODIFIED_HEADER}
            )
            responses["304"] = {
                "description": "Not modified: the copy named by `If-None-Match` is current.",
                "headers": {"ETag": ETAG_HEADER},
            }
        for status_code, response in self.get_error_responses().items():
            responses.setdefault(status_code, response)
        return responses

    def success_description(self, status_code):
        model = get_view_model(self.view, emit_warnings=False)
        action = getattr(self.view, "action", None)
        if model is not None and action in SUCCESS_DESCRIPTIONS:
            return SUCCESS_DESCRIPTIONS[action].format(
                name=model._meta.verbose_name, plural=model._meta.verbose_name_plural
            )
        declared = self.declared_responses().success
        return declared or HTTPStatus(int(status_code)).phrase


class PageNumberPaginationExtension(OpenApiFilterExtension):
    """The paginator's own parameters, with the bounds of ``page`` and ``page_size``."""

    target_class = "django_shopcore.core.pagination.ShopcorePageNumberPagination"
    match_subclasses = True

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = self.target.get_schema_operation_parameters(auto_schema.view)
        max_page_size = shopcore_settings.MAX_PAGE_SIZE
        for parameter in parameters:
            if parameter["name"] == self.target.page_query_param:
                # Up to ID_MAX_DIGITS digits (pagination.parse_positive_int).
                parameter["schema"] = integer_schema(1, 10**ID_MAX_DIGITS - 1)
                parameter["description"] = (
                    "The page number, from 1. A page past the last one is a 404."
                )
            elif parameter["name"] == self.target.page_size_query_param:
                # No `default`: generated clients would send it, overriding the host's.
                parameter["schema"] = integer_schema(1, max_page_size)
                parameter["description"] = (
                    f"Results per page, from 1 to {max_page_size}; anything else is a 400. "
                    'Left out: the `SHOPCORE["PAGE_SIZE"]` setting (20 unless the host '
                    "changes it)."
                )
        return parameters
