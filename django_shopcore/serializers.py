"""Serializers for the catalog and the account endpoints."""

import copy
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from .exceptions import integrity_error_to_validation_error
from .models import ID_MAX_DIGITS, Category, Product
from .settings import shopcore_settings
from .tokens import RefreshToken, revoke_refresh_token, revoke_user_tokens, rotate_refresh_token


class TextOnlyMixin:
    """Refuses numbers and booleans where the schema promises text (DRF turns 0 into "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextField(TextOnlyMixin, serializers.CharField):
    pass


class TextSlugField(TextOnlyMixin, serializers.SlugField):
    pass


class TextEmailField(TextOnlyMixin, serializers.EmailField):
    pass


class IntegerPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id: a JSON integer, or a string of ASCII digits as form data sends it.

    DRF's field passes anything on to the ORM, which takes 1.5, " 1", "+1" or
    a fullwidth one (U+FF11) for the id 1.
    """

    default_error_messages = {
        "incorrect_format": _(
            "Incorrect format. Expected pk value: an integer, or a string of ASCII digits only."
        ),
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            if not (data.isascii() and data.isdigit()):
                self.fail("incorrect_format")
            if len(data) > ID_MAX_DIGITS:
                # No bigint id is that long, and int() refuses thousands of digits.
                self.fail("does_not_exist", pk_value=data)
            data = int(data)
        elif isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with text model fields that accept only JSON strings."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
        models.SlugField: TextSlugField,
        models.EmailField: TextEmailField,
    }


# --- Catalog -----------------------------------------------------------------


class IntegrityErrorAsValidationErrorMixin:
    """Saves in a savepoint and reports a violated database constraint as a 400.

    The validators catch duplicates first; this covers the race where two
    requests pass them at the same time and the database rejects the second.
    """

    def save(self, **kwargs):
        try:
            with transaction.atomic():
                return super().save(**kwargs)
        except IntegrityError as exc:
            raise integrity_error_to_validation_error(exc, self.Meta.model) from exc


class SaveGivenFieldsMixin:
    """Updates write only the fields the request gave (plus ``updated_at``).

    ModelSerializer saves every field it read, so a PATCH of the price would
    write back a stock that a concurrent request has just changed.
    """

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save(update_fields=[*validated_data, "updated_at"])
        return instance


class CategorySerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    parent = IntegerPrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "parent",
            "depth",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["depth"]
        extra_kwargs = {
            "name": {"validators": [UniqueValidator(queryset=Category.objects.all())]},
            # Derived from the name when absent, and kept on rename.
            "slug": {
                "required": False,
                "validators": [UniqueValidator(queryset=Category.objects.all())],
            },
        }

    def validate_parent(self, parent):
        category = self.instance or Category()
        if category.would_make_cycle(parent):
            raise serializers.ValidationError(
                _("A category cannot be moved under itself or one of its subcategories.")
            )
        if not category.fits_under(parent):
            raise serializers.ValidationError(_("Categories cannot be nested this deeply."))
        return parent


class CategorySummaryField(IntegerPrimaryKeyRelatedField):
    """Written as a category id; read as ``{"id", "name", "slug"}``."""

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return {"id": value.pk, "name": value.name, "slug": value.slug}

    def get_choices(self, cutoff=None):
        # Keyed by id: the representation, a dict, cannot be a choice key.
        queryset = self.get_queryset()
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


class ProductSerializer(
    IntegrityErrorAsValidationErrorMixin, SaveGivenFieldsMixin, ModelSerializer
):
    category = CategorySummaryField(queryset=Category.objects.all())
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    # The upper bound is PostgreSQL's integer column's.
    stock = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "category",
            "price",
            "description",
            "stock",
            "is_active",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            # Derived from the name when absent (with a -2, -3... suffix if taken).
            "slug": {
                "required": False,
                "validators": [UniqueValidator(queryset=Product.objects.all())],
            },
        }


# --- Accounts ----------------------------------------------------------------

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
                fields[name].allow_blank = False
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

    def save(self):
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

    @transaction.atomic
    def save(self):
        user = self.context["request"].user
        user.set_password(self.validated_data["new_password"])
        user.save(update_fields=["password"])
        revoke_user_tokens(user)
        return user
