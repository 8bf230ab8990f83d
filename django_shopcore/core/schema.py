"""shopcore's AutoSchema: tags, security and the error responses every operation can give.

Every shopcore view uses :class:`ShopcoreAutoSchema` (through ``ShopcoreViewMixin``),
which tags operations, marks public reads as usable without a token and adds
the error responses each operation can give.
"""

from http import HTTPStatus

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import models
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance, get_view_model
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.viewsets import ViewSetMixin

from .settings import shopcore_settings

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
            "messages": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": {"type": "string"}},
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
MALFORMED_JSON = {"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)"}
# A request body can be invalid field by field, or not parse at all.
BAD_BODY = {"anyOf": [VALIDATION_ERROR_COMPONENT.ref, ERROR_COMPONENT.ref]}

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# on_delete handlers that make a delete fail while references remain: a 409.
BLOCKING_ON_DELETE = {models.PROTECT, models.RESTRICT}

# Path patterns of digits (bounded ones keep ids within a bigint).
DIGITS_PATH_PARAMETERS = [
    {"type": "string", "pattern": "^[0-9]+$"},
    {"type": "string", "pattern": "^[0-9]{1,18}$"},
]
# The pattern a `lookup_value_regex` of a UUID (a cart's id) gives.
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MODEL_TAGS = {"Category": "Categories", "Product": "Products", "ProductVariant": "Products"}
SUCCESS_DESCRIPTIONS = {
    "list": "A page of {plural}.",
    "create": "The new {name}.",
    "retrieve": "The {name}.",
    "update": "The updated {name}.",
    "partial_update": "The updated {name}.",
}


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


def is_non_negative(value):
    return value is not None and value >= 0


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


def errors(status_code, description, **examples):
    """Error responses a view raises itself, beyond those its classes imply."""
    return {status_code: (description, examples)}


ADMIN_ONLY = "Admins only."
SUPERUSER_ONLY = errors(
    "403",
    "Only a superuser may change or delete a superuser.",
    SuperuserOnly=example(
        {"detail": "Only a superuser can change or delete a superuser."}, "Staff on a superuser"
    ),
)
# Summaries, descriptions and view-specific errors, by view class name, then
# by viewset action or, for plain views, HTTP method.
OPERATIONS = {
    "CategoryViewSet": {
        "list": {
            "summary": "List categories",
            "description": "A page of categories, by name. `parent` narrows to the "
            "children of one category (or to the roots with `parent=null`).",
        },
        "create": {
            "summary": "Create a category",
            "description": f"The slug is derived from the name when left out. {ADMIN_ONLY}",
        },
        "retrieve": {"summary": "Get a category", "description": "One category, by id."},
        "update": {
            "summary": "Replace a category",
            "description": "All writable fields. Moving a category under itself or one of "
            f"its subcategories is a 400. {ADMIN_ONLY}",
        },
        "partial_update": {
            "summary": "Update a category",
            "description": "Only the fields sent. Moving a category under itself or one of "
            f"its subcategories is a 400. {ADMIN_ONLY}",
        },
        "destroy": {
            "summary": "Delete a category",
            "description": "Only an empty category: one with subcategories or products is "
            f"a 409. {ADMIN_ONLY}",
            "errors": errors(
                "409",
                "The category still has subcategories or products.",
                HasProducts=example(
                    {"detail": "Category “Shoes” still has products; move or delete them first."},
                    "Category with products",
                ),
            ),
        },
    },
    "ProductViewSet": {
        "list": {
            "summary": "List products",
            "description": "A page of products, newest first. Every filter is optional and "
            "they combine: `category` includes its subcategories, `min_price` and "
            "`max_price` are inclusive, `search` matches all its keywords against the name "
            "and description, `in_stock=true` keeps products with stock. Inactive products "
            "are listed for admins only.",
        },
        "create": {
            "summary": "Create a product",
            "description": "`category` is a category id. The slug is derived from the name "
            f"when left out. Negative prices and stock are a 400. {ADMIN_ONLY}",
        },
        "retrieve": {
            "summary": "Get a product",
            "description": "One product, by id; its `category` is read as "
            "`{id, name, slug}`. Inactive products are found for admins only.",
        },
        "update": {
            "summary": "Replace a product",
            "description": f"All writable fields. {ADMIN_ONLY}",
        },
        "partial_update": {
            "summary": "Update a product",
            "description": f'Only the fields sent, e.g. `{{"stock": 0}}`. {ADMIN_ONLY}',
        },
        "destroy": {"summary": "Delete a product", "description": ADMIN_ONLY},
    },
    "VariantViewSet": {
        "list": {
            "summary": "List a product's variants",
            "description": "A page of the product's variants, by id. Inactive variants, and "
            "the variants of inactive products, are listed for admins only.",
        },
        "create": {
            "summary": "Add a variant",
            "description": "`sku` is unique in the shop; `options` maps option names to "
            "values. The product's `price` and `stock` follow its active variants. "
            f"{ADMIN_ONLY}",
        },
        "retrieve": {"summary": "Get a variant", "description": "One variant, by id."},
        "update": {
            "summary": "Replace a variant",
            "description": f"All writable fields. {ADMIN_ONLY}",
        },
        "partial_update": {
            "summary": "Update a variant",
            "description": f'Only the fields sent, e.g. `{{"stock": 0}}`. {ADMIN_ONLY}',
        },
        "destroy": {
            "summary": "Delete a variant",
            "description": f"A product keeps at least one variant: deleting its last is a 409. "
            f"{ADMIN_ONLY}",
            "errors": errors(
                "409",
                "The product's last variant.",
                LastVariant=example(
                    {
                        "detail": "This is the product's last variant; "
                        "a product needs at least one."
                    },
                    "Last variant",
                ),
            ),
        },
    },
    "CartViewSet": {
        "create": {
            "summary": "Create a cart",
            "description": "An empty cart with an unguessable UUID id: whoever holds the id "
            "may use it. A signed-in caller's cart belongs to them (then only they see it).",
        },
        "retrieve": {
            "summary": "Get a cart",
            "description": "The cart with its items at the variants' current prices. Another "
            "user's cart, or a malformed id, is a 404.",
        },
        "destroy": {"summary": "Delete a cart", "description": "The cart and its items."},
        "items": {
            "summary": "Add an item to a cart",
            "response": "The whole cart.",
            "description": "`{variant, quantity}`: a variant already in the cart adds to its "
            "line. `quantity` is a whole number from 1 to `CART_MAX_QUANTITY`; a cart holds at "
            "most `CART_MAX_LINES` lines. An inactive or unknown variant is a 400 naming "
            "`variant`; more than the stock available a 409 with `available`.",
            "errors": errors(
                "409",
                "More units than the stock available (carts do not reserve stock).",
                NotEnoughStock=example(
                    {"quantity": ["Only 3 in stock."], "available": 3}, "Not enough stock"
                ),
            ),
        },
        "item": {
            "summary": "Change or remove a cart item",
            "response": "The whole cart.",
            "description": "PATCH `{quantity}` sets the line's quantity; DELETE removes the "
            "line. More than the stock available is a 409 with `available`.",
            "errors": errors(
                "409",
                "More units than the stock available.",
                NotEnoughStock=example(
                    {"quantity": ["Only 3 in stock."], "available": 3}, "Not enough stock"
                ),
            ),
        },
    },
    "OrderViewSet": {
        "list": {
            "summary": "List orders",
            "description": "A page of your orders, newest first (admins see all).",
        },
        "retrieve": {
            "summary": "Get an order",
            "description": "One of your orders (admins: any); someone else's is a 404.",
        },
        "create": {
            "summary": "Place an order",
            "description": "Checkout of a cart: every line's units are taken from stock, all "
            "or none, in one transaction, and the cart is consumed. A line lacking stock is a "
            "409 listing `lines`; an `expected_total` other than the computed total a 409; an "
            "empty cart a 400; a cart already ordered a 409. With an `Idempotency-Key`, the "
            "same body gets the same answer again (`Idempotent-Replayed: true`), also when "
            "sent concurrently; another body with the key is a 422.",
            "errors": {
                **errors(
                    "409",
                    "Not enough stock, changed prices, or a cart already ordered.",
                    NotEnoughStock=example(
                        {
                            "detail": "Not enough stock for some lines; nothing was ordered.",
                            "lines": [{"variant": 7, "requested": 3, "available": 1}],
                        },
                        "Not enough stock",
                    ),
                    PricesChanged=example(
                        {
                            "expected_total": ["The prices changed: the total is now 27.50."],
                            "total": "27.50",
                        },
                        "Prices changed",
                    ),
                ),
                **errors(
                    "422",
                    "The Idempotency-Key was used with another body.",
                    KeyReused=example(
                        {"detail": "This Idempotency-Key was used with a different request body."},
                        "Key reused",
                    ),
                ),
            },
        },
        "cancel": {
            "summary": "Cancel an order",
            "response": "The cancelled order.",
            "description": "The owner while `pending_payment`; an admin while `pending_payment` "
            "or `paid`. The units go back to stock.",
            "errors": errors(
                "409",
                "The order's status does not allow it.",
                NotAllowed=example(
                    {"detail": "This is not allowed while the order is paid.", "status": "paid"},
                    "Status does not allow it",
                ),
            ),
        },
        "mark_paid": {
            "summary": "Mark an order paid",
            "response": "The paid order.",
            "description": f"`pending_payment` -> `paid`. {ADMIN_ONLY}",
            "errors": {
                **errors(
                    "403",
                    "Not an admin.",
                    PermissionDenied=example(PERMISSION_DENIED, "Not an admin"),
                ),
                **errors(
                    "409",
                    "The order's status does not allow it.",
                    NotAllowed=example(
                        {
                            "detail": "This is not allowed while the order is cancelled.",
                            "status": "cancelled",
                        },
                        "Status does not allow it",
                    ),
                ),
            },
        },
        "fulfil": {
            "summary": "Fulfil an order",
            "response": "The fulfilled order.",
            "description": f"`paid` -> `fulfilled`. {ADMIN_ONLY}",
            "errors": {
                **errors(
                    "403",
                    "Not an admin.",
                    PermissionDenied=example(PERMISSION_DENIED, "Not an admin"),
                ),
                **errors(
                    "409",
                    "The order's status does not allow it.",
                    NotAllowed=example(
                        {
                            "detail": "This is not allowed while the order is pending_payment.",
                            "status": "pending_payment",
                        },
                        "Status does not allow it",
                    ),
                ),
            },
        },
    },
    "UserViewSet": {
        "list": {"summary": "List users", "description": f"A page of users, by id. {ADMIN_ONLY}"},
        "create": {
            "summary": "Create a user",
            "description": "With a password, which must pass the password validators. "
            f"{ADMIN_ONLY}",
        },
        "retrieve": {"summary": "Get a user", "description": ADMIN_ONLY},
        "update": {
            "errors": SUPERUSER_ONLY,
            "summary": "Replace a user",
            "description": "Setting a password or deactivating the user ends all their "
            "logins. Only a superuser may change a superuser. " + ADMIN_ONLY,
        },
        "partial_update": {
            "errors": SUPERUSER_ONLY,
            "summary": "Update a user",
            "description": "Only the fields sent. Setting a password or deactivating the "
            "user ends all their logins. Only a superuser may change a superuser. " + ADMIN_ONLY,
        },
        "destroy": {
            "summary": "Delete a user",
            "description": "Only a superuser may delete a superuser; nobody may delete "
            f"their own account. {ADMIN_ONLY}",
            "errors": {
                **SUPERUSER_ONLY,
                **errors(
                    "409",
                    "You tried to delete your own account.",
                    OwnAccount=example({"detail": "You cannot delete your own account."}, "Self"),
                ),
            },
        },
    },
    "RegisterView": {
        "post": {
            "summary": "Register",
            "response": "The new account, without its password.",
            "description": "Create an account. The password must pass the site's password "
            "validators; privileges cannot be set here. Log in afterwards for tokens.",
        },
    },
    "LoginView": {
        "post": {
            "summary": "Log in",
            "response": "The token pair.",
            "description": "Exchange credentials for an `access` token (send it "
            "as `Authorization: Bearer <access>`; in Swagger UI, paste it into "
            "**Authorize**) and a `refresh` token.",
            "errors": errors(
                "401",
                "Wrong username or password, or an inactive account.",
                BadCredentials=example(
                    {"detail": "No active account found with the given credentials"},
                    "Wrong credentials",
                ),
            ),
        },
    },
    "RefreshView": {
        "post": {
            "summary": "Refresh the tokens",
            "response": "A new token pair.",
            "description": "Exchange a refresh token for a new `access` token and a new "
            "`refresh` token. The refresh token sent is used up: sending it again is a 401 "
            "and ends that login.",
            "errors": errors(
                "401",
                "The refresh token is invalid, expired, used up or revoked.",
                Blacklisted=example(
                    {"detail": "Token is blacklisted", "code": "token_not_valid"},
                    "Refresh token already used",
                ),
            ),
        },
    },
    "LogoutView": {
        "post": {
            "summary": "Log out",
            "description": "End one login: its refresh token (and every token refreshed "
            "from the same login) stops working.",
            "errors": errors(
                "403",
                "The refresh token belongs to another user.",
                OtherUsersToken=example(
                    {"detail": "This refresh token belongs to another user."},
                    "Another user's token",
                ),
            ),
        },
    },
    "LogoutAllView": {
        "post": {
            "summary": "Log out everywhere",
            "description": "End every login of the caller: all their refresh tokens stop working.",
        },
    },
    "MeView": {
        "get": {
            "summary": "Get your profile",
            "description": "The signed-in user's profile.",
            "response": "Your profile.",
        },
        "patch": {
            "summary": "Update your profile",
            "response": "Your updated profile.",
            "description": "Only the fields sent; privileges and the password cannot be "
            "changed here (see `auth/password/`).",
        },
    },
    "PasswordChangeView": {
        "post": {
            "summary": "Change your password",
            "description": "The current password and a new one that passes the password "
            "validators. Every token of the user stops working: log in again.",
        },
    },
}


NOT_RETURNED = "Never returned."
# Descriptions of the request and response bodies, by serializer class name.
SERIALIZER_DOCS = {
    "CategorySerializer": {
        "description": "A category: a node of the category tree.",
        "fields": {
            "name": "Unique.",
            "slug": "Unique; derived from the name when left out.",
            "parent": "The parent category's id, or null for a root category.",
            "depth": "0 for a root category, 1 for its children, and so on.",
        },
    },
    "ProductSerializer": {
        "description": "A product. Its `category` is written as an id and read as "
        "`{id, name, slug}`.",
        "fields": {
            "slug": "Unique; derived from the name when left out.",
            "category": "The category's id.",
            "price": 'A decimal with 2 places, as a string (`"19.99"`); not negative.',
            "stock": "Units in stock; not negative. 0 when left out.",
            "is_active": "Inactive products are hidden from everyone but admins.",
        },
    },
    "RegisterSerializer": {
        "description": "A new account.",
        "fields": {"password": f"Must pass the site's password validators. {NOT_RETURNED}"},
    },
    "UserSerializer": {"description": "Your profile."},
    "AdminUserSerializer": {
        "description": "A user, as admins manage it.",
        "fields": {
            "password": f"Sets the password; required to create a user. {NOT_RETURNED}",
        },
    },
    "LoginSerializer": {
        "description": "Credentials in, a token pair out.",
        "fields": {
            "access": "Send it as `Authorization: Bearer <access>`; it expires soon.",
            "refresh": "Gives a new pair at `auth/refresh/`; ends the login at `auth/logout/`.",
        },
    },
    "RefreshSerializer": {
        "description": "A refresh token in, a new token pair out.",
        "fields": {
            "refresh": "In: a refresh token. Out: its replacement; the one sent is used up.",
            "access": "A new access token.",
        },
    },
    "LogoutSerializer": {
        "description": "The refresh token of the login to end.",
        "fields": {"refresh": "A refresh token from `auth/login/` or `auth/refresh/`."},
    },
    "PasswordChangeSerializer": {
        "description": "Your current password and a new one.",
        "fields": {
            "old_password": "Your current password.",
            "new_password": "Must pass the site's password validators.",
        },
    },
}


def required_fields(serializer):
    return {name for name, field in serializer.fields.items() if field.required}


def docs_for(obj, table):
    """``obj``'s entry in ``table``, found through its classes (subclasses inherit it)."""
    for cls in type(obj).__mro__:
        if cls.__name__ in table:
            return table[cls.__name__]
    return {}


class ShopcoreAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with shopcore's tags, security and error responses.

    Which errors an operation documents follows from the view: 400 on writes
    and on lists taking query parameters, 401 when it authenticates, 403 when
    its permissions can refuse a signed-in non-admin, 404 on detail routes and
    paged lists, 409 on deleting protected rows, 413 on bodies, 429 when it is throttled.
    """

    def get_summary(self):
        return self.operation_docs().get("summary")

    def get_description(self):
        return self.operation_docs().get("description") or super().get_description()

    def operation_docs(self):
        """This operation's entry in ``OPERATIONS``."""
        action = getattr(self.view, "action", None) or self.method.lower()
        return docs_for(self.view, OPERATIONS).get(action, {})

    def get_request_serializer(self):
        serializer = super().get_request_serializer()
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if self.method != "PUT" or not isinstance(serializer, serializers.Serializer) or not model:
            return serializer
        # Serializers may require less of an update (a user's password): describe that one.
        for_update = type(serializer)(instance=model(), context=serializer.context)
        if required_fields(for_update) == required_fields(serializer):
            return serializer
        return for_update

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        if direction == "request" and getattr(serializer, "instance", None) is not None:
            return f"{name.removesuffix('Serializer')}Update"
        return name

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        docs = docs_for(force_instance(serializer), SERIALIZER_DOCS)
        if "description" in docs:
            schema["description"] = docs["description"]
        properties = schema.get("properties", {})
        for name, description in docs.get("fields", {}).items():
            # A $ref cannot carry a description next to it in OpenAPI 3.0.
            if name in properties and "$ref" not in properties[name]:
                properties[name].setdefault("description", description)
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and is_non_negative(field.min_value):
            # drf-spectacular's decimal pattern allows a sign the field refuses.
            schema["pattern"] = schema["pattern"].replace("^-?", "^", 1)
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if "\\w" in schema.get("pattern", ""):
            # Python's \w matches letters of any script (unicode slugs and usernames),
            # ECMAScript's, which OpenAPI patterns use, ASCII only: no pattern beats a wrong one.
            del schema["pattern"]

    def map_parsers(self):
        # The API speaks JSON; form parsers from the host's DRF defaults stay undocumented.
        return [media_type for media_type in super().map_parsers() if "json" in media_type]

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            if model is None:
                continue
            if parameter["schema"] in DIGITS_PATH_PARAMETERS:
                # A `lookup_value_regex` of digits: the id is an integer, not any string.
                parameter["schema"] = {"type": "integer"}
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
        for status_code, response in responses.items():
            if not response.get("description"):
                response["description"] = self.success_description(status_code)
        for status_code, response in self.get_error_responses().items():
            responses.setdefault(status_code, response)
        return responses

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
        for status_code, (description, examples) in (
            self.operation_docs().get("errors", {}).items()
        ):
            if status_code in responses:
                content = responses[status_code]["content"]["application/json"]
                content["examples"] = {**content["examples"], **examples}
            else:
                headers = (
                    {"WWW-Authenticate": WWW_AUTHENTICATE_HEADER} if status_code == "401" else None
                )
                responses[status_code] = error_response(
                    description, ERROR_COMPONENT, examples, headers=headers
                )
        if self.view.get_throttles():
            responses["429"] = error_response(
                "Too many requests; retry after `Retry-After` seconds.",
                ERROR_COMPONENT,
                {"Throttled": example(THROTTLED, "Throttled")},
                headers={"Retry-After": RETRY_AFTER_HEADER},
            )
        return responses

    def success_description(self, status_code):
        model = get_view_model(self.view, emit_warnings=False)
        action = getattr(self.view, "action", None)
        if model is not None and action in SUCCESS_DESCRIPTIONS:
            return SUCCESS_DESCRIPTIONS[action].format(
                name=model._meta.verbose_name, plural=model._meta.verbose_name_plural
            )
        return self.operation_docs().get("response", HTTPStatus(int(status_code)).phrase)

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

    def has_request_body(self):
        return self.method in WRITE_METHODS and self.get_request_serializer() is not None

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
        serializer = force_instance(self.get_request_serializer())
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


class PageNumberPaginationExtension(OpenApiFilterExtension):
    """The paginator's own parameters, with the bounds of ``page`` and ``page_size``."""

    target_class = "django_shopcore.core.pagination.ShopcorePageNumberPagination"
    match_subclasses = True

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = self.target.get_schema_operation_parameters(auto_schema.view)
        max_page_size = shopcore_settings.MAX_PAGE_SIZE
        for parameter in parameters:
            if parameter["name"] == self.target.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    "The page number, from 1. A page past the last one is a 404."
                )
            elif parameter["name"] == self.target.page_size_query_param:
                parameter["schema"].update(
                    minimum=1, maximum=max_page_size, default=shopcore_settings.PAGE_SIZE
                )
                parameter["description"] = (
                    f"Results per page, from 1 to {max_page_size}; anything else is a 400."
                )
        return parameters
