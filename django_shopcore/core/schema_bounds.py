"""The sizes drf-spectacular leaves out of field schemas: integer widths and ranges, bounds.

Generated clients type an integer by its ``format`` (int32 or int64), and a
linter wants the range of what clients send. An integer's range is its
field's bounds, else its database column's (an id's from 1); its format is
the narrowest that holds the range. A field whose bounds are settings, read
when the schema is made, says so with a ``schema_bounds()`` method returning
the schema keywords (``maxLength``, ``maximum``...) of what it enforces.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from rest_framework import serializers

# Django's ranges of its integer columns, by internal type.
COLUMN_RANGES = BaseDatabaseOperations.integer_field_ranges
INT32_RANGE = COLUMN_RANGES["IntegerField"]
AUTO_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
# The longest text of a UUID, with its hyphens.
UUID_LENGTH = 36


def integer_format(minimum, maximum):
    """int32 when the range fits one, else int64 (no column of the database is wider)."""
    low, high = INT32_RANGE
    if minimum is not None and maximum is not None and low <= minimum and maximum <= high:
        return "int32"
    return "int64"


def column_range(model_field):
    """The values a model's integer column can hold; an id's start at 1."""
    low, high = COLUMN_RANGES.get(model_field.get_internal_type(), (None, None))
    if isinstance(model_field, AUTO_FIELDS):
        low = 1
    return low, high


def integer_schema(minimum=None, maximum=None):
    """An integer parameter's or header's schema, with its range and its format."""
    bounds = {
        key: value
        for key, value in (("minimum", minimum), ("maximum", maximum))
        if value is not None
    }
    return {"type": "integer", "format": integer_format(minimum, maximum), **bounds}


def id_schema(model_field):
    """The schema of an id that ``model_field`` (a primary key) holds."""
    return integer_schema(*column_range(model_field))


def column_of(field):
    """The integer model field (a column, a foreign key's target) serializer ``field`` reads."""
    # A writable related field's ids are its queryset's (a read-only one has none).
    queryset = field.get_queryset() if isinstance(field, serializers.RelatedField) else None
    if queryset is not None:
        return queryset.model._meta.pk
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return None
    *relations, name = field.source.split(".")
    try:
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        # A field's attname (``product_id``) names it too.
        model_field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return None
    if model_field.many_to_one or model_field.one_to_one:
        model_field = model_field.target_field
    return model_field if isinstance(model_field, models.IntegerField) else None


def bound_integer(field, schema):
    """Completes an integer field's schema: the column's range where the field sets none."""
    column = column_of(field)
    if column is not None:
        low, high = column_range(column)
        if low is not None:
            schema.setdefault("minimum", low)
        if high is not None:
            schema.setdefault("maximum", high)
    schema.setdefault("format", integer_format(schema.get("minimum"), schema.get("maximum")))


def decimal_max_length(field):
    """The longest text of a DecimalField's value: its digits, the point, a sign."""
    point = 1 if field.decimal_places else 0
    sign = 0 if field.min_value is not None and field.min_value >= 0 else 1
    return field.max_digits + point + sign


def bound_field(field, schema):
    """Sizes in ``field``'s schema: declared bounds, integer ranges and widths, text lengths."""
    declared = getattr(field, "schema_bounds", None)
    if declared is not None:
        schema.update(declared())
    if schema.get("type") == "integer":
        bound_integer(field, schema)
    elif isinstance(field, serializers.DecimalField) and field.max_digits is not None:
        schema.setdefault("maxLength", decimal_max_length(field))
    elif schema.get("format") == "uuid":
        schema.setdefault("maxLength", UUID_LENGTH)
