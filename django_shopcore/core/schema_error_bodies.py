"""The bodies of shopcore's error responses: their components, headers and examples."""

from drf_spectacular.plumbing import ResolvedComponent

from .schema_bounds import integer_schema

# The messages of one field, in an error body.
MESSAGES = {"type": "array", "items": {"type": "string"}}
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
            "messages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "token_class": {"type": "string"},
                        "token_type": {"type": "string"},
                        "message": {"type": "string"},
                    },
                    "required": ["token_class", "token_type", "message"],
                },
                "description": "Why each kind of token was refused; present on token errors.",
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
        "`non_field_errors`, and lists its messages; a nested object's field (an order's "
        "`shipping_address`) holds an object of its own fields' messages.",
        "additionalProperties": {
            "anyOf": [
                MESSAGES,
                {"type": "object", "additionalProperties": MESSAGES},
            ]
        },
    },
)

WWW_AUTHENTICATE_HEADER = {
    "schema": {"type": "string"},
    "description": "The scheme to authenticate with: `Bearer`.",
}
RETRY_AFTER_HEADER = {
    # At most a day: DRF's throttle rates are per second, minute, hour or day.
    "schema": integer_schema(0, 24 * 3600),
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
MALFORMED_JSON = {"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)"}
# A request body can be invalid field by field, or not parse at all.
BAD_BODY = {"anyOf": [VALIDATION_ERROR_COMPONENT.ref, ERROR_COMPONENT.ref]}


def error_response(description, schema, examples, headers=None):
    """A response with a JSON error body; ``schema`` is a component or a raw schema."""
    if isinstance(schema, ResolvedComponent):
        schema = schema.ref
    response = {
        "description": description,
        "content": {"application/json": {"schema": schema, "examples": examples}},
    }
    if headers:
        response["headers"] = headers
    return response


def example(value, summary):
    return {"value": value, "summary": summary}


def error_component(name, description, properties):
    """The component of an error body other than ``{"detail"}``, for :func:`raises`."""
    return ResolvedComponent(
        name=name,
        type=ResolvedComponent.SCHEMA,
        object=f"django_shopcore.schema.{name}",
        schema={
            "type": "object",
            "description": description,
            "properties": properties,
            "required": list(properties),
        },
    )


def either(schema, other):
    """A body schema that also allows the ``other`` one."""
    options = schema.get("anyOf", [schema])
    return schema if other in options else {"anyOf": [*options, other]}
