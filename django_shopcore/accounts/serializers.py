"""Serializers of the account endpoints: registration, tokens, profiles and users."""

import copy
import unicodedata
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from ..core.serializers import IntegrityErrorAsValidationErrorMixin, ModelSerializer, TextField
from ..core.settings import shopcore_settings
from . import examples
from .normalization import normalize_identifier
from .tokens import (
    RefreshToken,
    ReusedTokenError,
    revoke_refresh_token,
    revoke_reused_family,
    revoke_user_tokens,
    rotate_refresh_token,
    token_belongs_to,
)

User = get_user_model()


def user_fields(*names):
    """The ``names`` the user model has, in order: any AUTH_USER_MODEL works."""
    model_fields = {field.name for field in User._meta.get_fields()}
    return [name for name in names if name in model_fields]


def unique_names(*names):
    return list(dict.fromkeys(names))


# Several times the length of a refresh token this server issues (about 300
# characters): room for a host's claims and signing keys, not for megabytes.
TOKEN_MAX_LENGTH = 4096

# The fields that name a user: NFKC-normalized, unique whatever their case.
IDENTIFIER_FIELDS = unique_names(User.USERNAME_FIELD, User.get_email_field_name())


class PasswordField(TextField):
    """A write-only password, refused above PASSWORD_MAX_LENGTH before anything hashes it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        # Leading and trailing spaces are part of a password.
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        max_length = shopcore_settings.PASSWORD_MAX_LENGTH
        if len(value) > max_length:
            self.fail("max_length", max_length=max_length)
        return value

    def schema_bounds(self):
        return {"maxLength": shopcore_settings.PASSWORD_MAX_LENGTH}


class BaseUserSerializer(IntegrityErrorAsValidationErrorMixin, ModelSerializer):
    """Rules shared by the user serializers.

    The model's REQUIRED_FIELDS are required; the username and the e-mail
    address are stored NFKC-normalized and are unique whatever their case
    (``Alice``, ``alice`` and a fullwidth ``alice`` are one name); a password
    passes AUTH_PASSWORD_VALIDATORS against the user it is for, then is
    stored hashed.
    """

    def get_fields(self):
        fields = super().get_fields()
        for name in User.REQUIRED_FIELDS:
            if name in fields and not fields[name].read_only:
                fields[name].required = True
                # Only text fields read it; harmless on the others.
                fields[name].allow_blank = False  # type: ignore[attr-defined]
        return fields

    def to_internal_value(self, data):
        # NFKC first, so a fullwidth address passes the e-mail validator and
        # every validator sees the form that is stored.
        if isinstance(data, Mapping):
            data = {
                name: unicodedata.normalize("NFKC", value)
                if name in IDENTIFIER_FIELDS and isinstance(value, str)
                else value
                for name, value in data.items()
            }
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        username_field, email_field = User.USERNAME_FIELD, User.get_email_field_name()
        if attrs.get(email_field):
            attrs[email_field] = BaseUserManager.normalize_email(attrs[email_field])
            self.check_is_free(
                email_field,
                attrs[email_field],
                _("A user with that email address already exists."),
            )
        if username_field != email_field and attrs.get(username_field):
            self.check_is_free(
                username_field,
                attrs[username_field],
                _("A user with that username already exists."),
            )
        if "password" in attrs:
            self.check_password_is_valid(attrs)
        return attrs

    def check_is_free(self, field, value, message):
        # iexact is UPPER(a) = UPPER(b), as the unique indexes of migration
        # 0002 compare (on SQLite: ASCII letters only, like its UPPER).
        others = User._default_manager.filter(**{f"{field}__iexact": value})
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError({field: [message]})

    def check_password_is_valid(self, attrs):
        # The would-be user, so UserAttributeSimilarityValidator sees the new values.
        user = copy.copy(self.instance) if self.instance is not None else User()
        for name, value in attrs.items():
            if name != "password":
                setattr(user, name, value)
        try:
            validate_password(attrs["password"], user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc

    def create(self, validated_data):
        password = validated_data.pop("password")
        user = User(**validated_data)
        user.set_password(password)
        user.save()
        return user


@extend_schema_serializer(description="A new account.", examples=examples.REGISTER_EXAMPLES)
class RegisterSerializer(BaseUserSerializer):
    """Sign-up: USERNAME_FIELD, the model's REQUIRED_FIELDS and a password; nothing else."""

    password = PasswordField(
        help_text=_("Must pass the site's password validators. Never returned.")
    )

    class Meta:
        model = User
        fields = unique_names("id", User.USERNAME_FIELD, *User.REQUIRED_FIELDS, "password")


@extend_schema_serializer(description="Your profile.", examples=examples.PROFILE_EXAMPLES)
class UserSerializer(BaseUserSerializer):
    """The caller's own profile; privileges, id and password cannot be changed here.

    Changing the username or the e-mail address needs ``current_password``:
    a stolen access token alone cannot take the account over, and a caller
    cannot probe which addresses exist without knowing their own password.
    """

    current_password = PasswordField(required=False)

    def to_internal_value(self, data):
        # Before the fields' validators run: their "already exists" must not
        # answer anyone without the password.
        self.check_current_password(data)
        validated = super().to_internal_value(data)
        validated.pop("current_password", None)
        return validated

    def check_current_password(self, data):
        if self.instance is None or not hasattr(data, "get"):
            return
        if not any(self.changes_identifier(name, data.get(name)) for name in IDENTIFIER_FIELDS):
            return
        password = data.get("current_password")
        if not isinstance(password, str) or not password:
            raise serializers.ValidationError(
                {"current_password": [_("Needed to change the username or e-mail address.")]}
            )
        if not self.instance.check_password(password):
            raise serializers.ValidationError(
                {"current_password": [_("Your password was entered incorrectly.")]}
            )

    def changes_identifier(self, name, value):
        if not isinstance(value, str):
            return False  # Not a name: the field itself refuses it.
        current = getattr(self.instance, name, "") or ""
        return normalize_identifier(value) != normalize_identifier(current)

    class Meta:
        model = User
        fields = unique_names(
            "id",
            User.USERNAME_FIELD,
            *User.REQUIRED_FIELDS,
            *user_fields("first_name", "last_name", "is_staff", "date_joined"),
            "current_password",
        )
        read_only_fields = user_fields("is_staff", "date_joined")


@extend_schema_serializer(
    description="A user, as admins manage it.", examples=examples.ADMIN_USER_EXAMPLES
)
class AdminUserSerializer(BaseUserSerializer):
    """User management: an admin also sets passwords and the active and staff flags.

    Deactivating a user or setting their password revokes all their tokens.
    Only a superuser may grant ``is_staff`` or ``is_superuser`` or change
    another staff account (the view checks it: ``privileges``).
    """

    password = PasswordField(
        required=False,
        help_text=_("Sets the password; required to create a user. Never returned."),
    )

    class Meta:
        model = User
        fields = unique_names(
            "id",
            User.USERNAME_FIELD,
            *User.REQUIRED_FIELDS,
            *user_fields(
                "first_name",
                "last_name",
                "is_active",
                "is_staff",
                "is_superuser",
                "date_joined",
                "last_login",
            ),
            "password",
        )
        read_only_fields = user_fields("date_joined", "last_login")

    def get_fields(self):
        fields = super().get_fields()
        # Required to create a user, optional when updating one.
        fields["password"].required = self.instance is None
        return fields

    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        if password is not None:
            instance.set_password(password)
        user = super().update(instance, validated_data)
        if password is not None or not getattr(user, "is_active", True):
            revoke_user_tokens(user)
        return user


@extend_schema_serializer(
    description="Credentials in, a token pair out.", examples=examples.LOGIN_EXAMPLES
)
class LoginSerializer(TokenObtainPairSerializer):
    """USERNAME_FIELD and password in, ``{access, refresh}`` out; each login starts a family.

    A wrong password, an unknown user and an inactive user get the same 401.
    """

    token_class = RefreshToken
    access = serializers.CharField(
        read_only=True,
        help_text=_("Send it as `Authorization: Bearer <access>`; it expires soon."),
    )
    refresh = serializers.CharField(
        read_only=True,
        help_text=_("Gives a new pair at `auth/refresh/`; ends the login at `auth/logout/`."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # simplejwt's username field, bounded as the user model's column is.
        username = User._meta.get_field(self.username_field)
        self.fields[self.username_field] = serializers.CharField(
            write_only=True, max_length=getattr(username, "max_length", None)
        )
        self.fields["password"] = PasswordField()


@extend_schema_serializer(
    description="A refresh token in, a new token pair out.",
    examples=examples.REFRESH_TOKEN_EXAMPLES,
)
class RefreshSerializer(serializers.Serializer):
    """A refresh token in; a new access token and the rotated refresh token out."""

    refresh = TextField(
        max_length=TOKEN_MAX_LENGTH,
        help_text=_("In: a refresh token. Out: its replacement; the one sent is used up."),
    )
    access = serializers.CharField(read_only=True, help_text=_("A new access token."))

    def validate(self, attrs):
        token = rotate_refresh_token(attrs["refresh"])
        return {"access": str(token.access_token), "refresh": str(token)}


@extend_schema_serializer(
    description="The refresh token of the login to end.", examples=examples.REFRESH_TOKEN_EXAMPLES
)
class LogoutSerializer(serializers.Serializer):
    """The refresh token of the caller's login to end.

    A token that was already rotated ends its whole login, as at refresh:
    its family is revoked, and the answer is still a 400 naming ``refresh``.
    """

    refresh = TextField(
        write_only=True,
        max_length=TOKEN_MAX_LENGTH,
        help_text=_("A refresh token from `auth/login/` or `auth/refresh/`."),
    )

    def validate_refresh(self, value):
        try:
            token = RefreshToken(value)
        except ReusedTokenError as exc:
            self.check_belongs_to_caller(exc.token)
            revoke_reused_family(exc)
            raise serializers.ValidationError(exc.args[0]) from exc
        except TokenError as exc:
            raise serializers.ValidationError(exc.args[0]) from exc
        self.check_belongs_to_caller(token)
        return token

    def check_belongs_to_caller(self, token):
        if not token_belongs_to(token, self.context["request"].user):
            raise PermissionDenied(_("This refresh token belongs to another user."))

    # Nothing to save but a revocation: no extra attributes to take.
    def save(self):  # type: ignore[override]
        revoke_refresh_token(self.validated_data["refresh"])


@extend_schema_serializer(
    description="Your current password and a new one.", examples=examples.PASSWORD_CHANGE_EXAMPLES
)
class PasswordChangeSerializer(serializers.Serializer):
    """The current password and a new one; every token of the user is then revoked."""

    old_password = PasswordField(help_text=_("Your current password."))
    new_password = PasswordField(help_text=_("Must pass the site's password validators."))

    def validate_old_password(self, value):
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(_("Your old password was entered incorrectly."))
        return value

    def validate_new_password(self, value):
        try:
            validate_password(value, self.context["request"].user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc
        return value

    # Only sets the new password: no extra attributes to take.
    @transaction.atomic
    def save(self):  # type: ignore[override]
        user = self.context["request"].user
        user.set_password(self.validated_data["new_password"])
        user.save(update_fields=["password"])
        revoke_user_tokens(user)
        return user
