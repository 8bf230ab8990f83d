"""Request body examples of the account serializers, for Swagger UI's "Try it out".

They follow one story: register ``jane``, log in as her, change her password.
The user fields follow ``AUTH_USER_MODEL`` (its USERNAME_FIELD and
REQUIRED_FIELDS), so the examples fit a custom user model too.
"""

from django.contrib.auth import get_user_model
from django.db import models
from drf_spectacular.utils import OpenApiExample

User = get_user_model()

# The password the register and login examples share; it passes Django's validators.
EXAMPLE_PASSWORD = "Kettle-Orbit-Lantern-42"
NEW_PASSWORD = "Violet-Harbour-Compass-77"
TOKEN_PLACEHOLDER = "<paste the refresh token that auth/login/ returned>"
# A reset link's parts: only the e-mail that auth/password/reset/ sends holds real ones.
RESET_UID_PLACEHOLDER = "<paste the uid of the reset link>"
RESET_TOKEN_PLACEHOLDER = "<paste the token of the reset link>"


def identity(name):
    """Values of the user model's USERNAME_FIELD and REQUIRED_FIELDS for a user ``name``."""
    values = {}
    for field_name in dict.fromkeys([User.USERNAME_FIELD, *User.REQUIRED_FIELDS]):
        field = User._meta.get_field(field_name)
        is_email = isinstance(field, models.EmailField)
        values[field_name] = f"{name}@example.com" if is_email else name
    return values


def profile(**values):
    """The ``values`` whose fields the user model has (``first_name``... are optional)."""
    model_fields = {field.name for field in User._meta.get_fields()}
    return {name: value for name, value in values.items() if name in model_fields}


REGISTER_EXAMPLES = [
    OpenApiExample(
        "A new account",
        value={**identity("jane"), "password": EXAMPLE_PASSWORD},
        request_only=True,
    ),
]

LOGIN_EXAMPLES = [
    OpenApiExample(
        "The account of the register example",
        value={
            User.USERNAME_FIELD: identity("jane")[User.USERNAME_FIELD],
            "password": EXAMPLE_PASSWORD,
        },
        request_only=True,
    ),
]

REFRESH_TOKEN_EXAMPLES = [
    OpenApiExample(
        "A refresh token",
        description="The `refresh` value of the last `auth/login/` or `auth/refresh/` answer.",
        value={"refresh": TOKEN_PLACEHOLDER},
        request_only=True,
    ),
]

PROFILE_EXAMPLES = [
    OpenApiExample(
        "New profile details",
        description="A new username or e-mail address needs `current_password`.",
        value={
            **identity("jane.doe"),
            **profile(first_name="Jane", last_name="Doe"),
            "current_password": EXAMPLE_PASSWORD,
        },
        request_only=True,
    ),
]

PASSWORD_CHANGE_EXAMPLES = [
    OpenApiExample(
        "From the register example's password",
        value={"old_password": EXAMPLE_PASSWORD, "new_password": NEW_PASSWORD},
        request_only=True,
    ),
]

PASSWORD_RESET_EXAMPLES = [
    OpenApiExample(
        "The register example's address",
        value={"email": "jane@example.com"},
        request_only=True,
    ),
]

PASSWORD_RESET_CONFIRM_EXAMPLES = [
    OpenApiExample(
        "A reset link's uid and token",
        description="`uid` and `token` come from the link that `auth/password/reset/` e-mailed.",
        value={
            "uid": RESET_UID_PLACEHOLDER,
            "token": RESET_TOKEN_PLACEHOLDER,
            "new_password": NEW_PASSWORD,
        },
        request_only=True,
    ),
]

ADMIN_USER_EXAMPLES = [
    OpenApiExample(
        "A user",
        value={
            **identity("sam"),
            **profile(first_name="Sam", last_name="Lee", is_active=True, is_staff=False),
            "password": "Quartz-Meadow-Signal-58",
        },
        request_only=True,
    ),
]
