"""Serializer building blocks shared by the shopcore apps."""

import copy
from typing import TYPE_CHECKING

from django.core.signals import setting_changed
from django.core.validators import validate_unicode_slug
from django.db import IntegrityError, models, transaction
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .exceptions import integrity_error_to_validation_error
from .ids import ID_MAX_DIGITS, is_digits
from .settings import shopcore_settings

# Type checkers see what the mixins extend; at run time they are plain mixins.
if TYPE_CHECKING:
    _FieldBase = serializers.Field
    _ModelSerializerBase = serializers.ModelSerializer
else:
    _FieldBase = _ModelSerializerBase = object


# A ModelSerializer whose fields are built from the model once per class, then copied.
# Building them (model introspection) is most of a small answer's cost; a deep copy
# makes each field anew from its arguments, as DRF's own copies of declared fields
# do, so settings are still read per use. No docstring: drf-spectacular would make
# it the description of the serializers that have none.
class FieldsBuiltOnceMixin(_ModelSerializerBase):
    def get_fields(self):
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


class TextOnlyMixin(_FieldBase):
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


class BooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false``; DRF also takes 0, 1, "yes" and "on", which only forms send."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(getattr(self.root, "initial_data", None), QueryDict):
            return super().to_internal_value(data)  # Form data: text by nature.
        self.fail("invalid")


class DecimalField(serializers.DecimalField):
    """DRF's DecimalField for a string of ASCII digits, and without a negative zero.

    Money is a string in and out (``"19.99"``), as the schema says: a JSON
    number would pass through a float in most clients. Python's Decimal reads
    any Unicode digit ("٣" is 3), which no client means to send as a price;
    and DRF echoes "-0" as "-0.00".
    """

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.isascii():
            self.fail("invalid")
        value = super().to_internal_value(data)
        return value.copy_abs() if value.is_zero() else value


class CurrencyField(serializers.CharField):
    """The shop's currency, ``SHOPCORE["CURRENCY"]``: read-only, the same for every object."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return shopcore_settings.CURRENCY


# What an integer id field says of a malformed or unknown id (DRF's texts, and one more).
INTEGER_ID_ERROR_MESSAGES = {
    **serializers.PrimaryKeyRelatedField.default_error_messages,
    "incorrect_format": _(
        "Incorrect format. Expected pk value: an integer, or a string of ASCII digits only."
    ),
}


def integer_id(field, data):
    """``data`` as an id: a JSON integer, or a string of ASCII digits as form data sends it.

    Anything else fails ``field``'s ``incorrect_format`` or ``incorrect_type``; a
    string too long for any id its ``does_not_exist``.
    """
    if isinstance(data, str):
        if not is_digits(data):
            field.fail("incorrect_format")
        if len(data) > ID_MAX_DIGITS:
            # No bigint id is that long, and int() refuses thousands of digits.
            field.fail("does_not_exist", pk_value=data)
        return int(data)
    if isinstance(data, bool) or not isinstance(data, int):
        field.fail("incorrect_type", data_type=type(data).__name__)
    return data


class IntegerPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id: a JSON integer, or a string of ASCII digits as form data sends it.

    DRF's field passes anything on to the ORM, which takes 1.5, " 1", "+1" or
    a fullwidth one (U+FF11) for the id 1.
    """

    default_error_messages = INTEGER_ID_ERROR_MESSAGES

    def to_internal_value(self, data):
        return super().to_internal_value(integer_id(self, data))


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with text model fields that accept only JSON strings."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
        models.SlugField: TextSlugField,
        models.EmailField: TextEmailField,
        models.DecimalField: DecimalField,
        models.BooleanField: BooleanField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.SlugField) and "validators" in field_kwargs:
            # DRF leaves out the model's validate_slug, which its SlugField repeats,
            # but not validate_unicode_slug: a bad slug would get the message twice.
            field_kwargs["validators"] = [
                validator
                for validator in field_kwargs["validators"]
                if validator is not validate_unicode_slug
            ]
        return field_class, field_kwargs


class IntegrityErrorAsValidationErrorMixin(_ModelSerializerBase):
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


class WholeNumberField(serializers.IntegerField):
    """A JSON integer only: DRF's IntegerField also takes "5", 5.0 and true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class BuiltOnFirstUse:
    """``build()``'s object, made on first use and again after REST_FRAMEWORK changes.

    For the representations that keep serializer fields: the fields read
    REST_FRAMEWORK (decimal and date formats) when they are built. Two
    threads may both build it once; either object is right.
    """

    def __init__(self, build):
        self.build = build
        self.built = None
        setting_changed.connect(self.forget)

    def __call__(self):
        if self.built is None:
            self.built = self.build()
        return self.built

    def forget(self, *, setting, **kwargs):
        if setting == "REST_FRAMEWORK":
            self.built = None
