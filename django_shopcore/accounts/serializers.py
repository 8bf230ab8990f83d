"""Serializers of the account endpoints: registration, tokens, profiles and users."""

import copy

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from ..core.serializers import IntegrityErrorAsValidationErrorMixin, ModelSerializer, TextField
from ..core.settings import shopcore_settings
from .tokens import RefreshToken, revoke_refresh_token, revoke_user_tokens, rotate_refresh_token

User = get_user_model()


def user_fields(*names):
    """The ``names`` the user model has, in order: any AUTH_USER_MODEL works."""
    model_fields = {field.name for field in User._meta.get_fields()}
    return [name for name in names if name in model_fields]


def unique_names(*names):
    return list(dict.fromkeys(names))


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


class BaseUserSerializer(IntegrityErrorAsValidationErrorMixin, ModelSerializer):
    """Rules shared by the user serializers.

    The model's REQUIRED_FIELDS are required, e-mail addresses are unique
    whatever their case, and a password passes AUTH_PASSWORD_VALIDATORS
    against the user it is for, then is stored hashed.
    """

    def get_fields(self):
        fields = super().get_fields()
        for name in User.REQUIRED_FIELDS:
            if name in fields and not fields[name].read_only:
                fields[name].required = True
                # Only text fields read it; harmless on the others.
                fields[name].allow_blank = False  # type: ignore[attr-defined]
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        email_field = User.get_email_field_name()
        if attrs.get(email_field):
            attrs[email_field] = BaseUserManager.normalize_email(attrs[email_field])
            self.check_email_is_free(email_field, attrs[email_field])
        if "password" in attrs:
            self.check_password_is_valid(attrs)
        return attrs

    def check_email_is_free(self, email_field, email):
        others = User._default_manager.filter(**{f"{email_field}__iexact": email})
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(
                {email_field: [_("A user with that email address already exists.")]}
            )

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


class RegisterSerializer(BaseUserSerializer):
    """Sign-up: USERNAME_FIELD, the model's REQUIRED_FIELDS and a password; nothing else."""

    password = PasswordField()

    class Meta:
        model = User
        fields = unique_names("id", User.USERNAME_FIELD, *User.REQUIRED_FIELDS, "password")


class UserSerializer(BaseUserSerializer):
    """The caller's own profile; privileges, id and password cannot be changed here."""

    class Meta:
        model = User
        fields = unique_names(
            "id",
            User.USERNAME_FIELD,
            *User.REQUIRED_FIELDS,
            *user_fields("first_name", "last_name", "is_staff", "date_joined"),
        )
        read_only_fields = user_fields("is_staff", "date_joined")


class AdminUserSerializer(BaseUserSerializer):
    """User management: an admin also sets passwords and the active and staff flags.

    Deactivating a user or setting their password revokes all their tokens.
    ``is_superuser`` stays read-only: staff cannot grant what they may lack.
    """

    password = PasswordField(required=False)

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
        read_only_fields = user_fields("is_superuser", "date_joined", "last_login")

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


class LoginSerializer(TokenObtainPairSerializer):
    """USERNAME_FIELD and password in, ``{access, refresh}`` out; each login starts a family.

    A wrong password, an unknown user and an inactive user get the same 401.
    """

    token_class = RefreshToken
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"] = PasswordField()


class RefreshSerializer(serializers.Serializer):
    """A refresh token in; a new access token and the rotated refresh token out."""

    refresh = TextField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs):
        token = rotate_refresh_token(attrs["refresh"])
        return {"access": str(token.access_token), "refresh": str(token)}


class LogoutSerializer(serializers.Serializer):
    """The refresh token of the login to end."""

    refresh = TextField(write_only=True)

    def validate_refresh(self, value):
        try:
            return RefreshToken(value)
        except TokenError as exc:
            raise serializers.ValidationError(exc.args[0]) from exc

    # Nothing to save but a revocation: no extra attributes to take.
    def save(self):  # type: ignore[override]
        revoke_refresh_token(self.validated_data["refresh"])


class PasswordChangeSerializer(serializers.Serializer):
    """The current password and a new one; every token of the user is then revoked."""

    old_password = PasswordField()
    new_password = PasswordField()

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
