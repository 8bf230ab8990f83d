"""The catalog's fast read path: rows read with ``.values()``, shaped like the serializers'.

A ModelSerializer builds its fields on every instantiation, and a model
instance per row. For the default serializer classes, lists and details
instead read plain dicts and convert each value with the very field objects
of the serializer (so the JSON is the same, whatever REST_FRAMEWORK says
about dates or decimals). A host that swaps CATEGORY_SERIALIZER or
PRODUCT_SERIALIZER gets the serializer path.
"""

import copy
from collections.abc import Callable
from datetime import tzinfo
from functools import partial
from typing import cast

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from ..core.prepared import Placeholders, PreparedRows
from ..core.settings import shopcore_settings
from .images import ImageUrls
from .models import ProductImage, ProductVariant, sees_inactive
from .search import ColumnInArray
from .serializers import (
    CATEGORY_SUMMARY_FIELDS,
    CategorySerializer,
    ProductDetailSerializer,
    ProductImageSerializer,
    ProductSerializer,
    ProductVariantSerializer,
)

# Time zones whose converters a representation keeps (more are built afresh).
MAX_ZONES = 64


class ValuesRepresentation:
    """Reads the columns a serializer shows and turns each row into its representation."""

    # The serializer class whose output this reproduces.
    serializer_class: type[serializers.Serializer] | None = None
    # Serializer fields that are not one column, with the columns they need;
    # ``represent_<name>(row, request)`` gives each one's value.
    composite_fields: dict[str, list[str]] = {}

    def __init__(self):
        # (name, serializer field or None for a composite field), in the serializer's order.
        self.fields: list[tuple[str, serializers.Field | None]] = []
        self.columns: list[str] = []
        # Every subclass names one.
        serializer_class = cast(type[serializers.Serializer], self.serializer_class)
        for name, field in serializer_class().fields.items():
            if name in self.composite_fields:
                self.fields.append((name, None))
                self.columns += self.composite_fields[name]
            elif not field.write_only:
                self.fields.append((name, field))
                # A bound field's source is always set.
                self.columns.append(cast(str, field.source))
        # The current time zone -> column_converters() for it.
        self.converters_by_zone: dict[tzinfo | None, dict[str, Callable]] = {}

    def values(self, queryset):
        return queryset.values(*self.columns)

    def represent(self, rows, request=None):
        """Each row (a dict of ``columns``) as the serializer would show its object."""
        self.start(request)
        column_converters = self.column_converters()
        converters = [
            (
                name,
                column_converters[name]
                if field
                else partial(getattr(self, f"represent_{name}"), request=request),
            )
            for name, field in self.fields
        ]
        return [{name: convert(row) for name, convert in converters} for row in rows]

    def column_converters(self):
        """Each column field's converter, built once per current time zone (which a host's
        middleware may activate per request, and which date-times are shown in)."""
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        converters = self.converters_by_zone.get(zone)
        if converters is None:
            if len(self.converters_by_zone) >= MAX_ZONES:
                self.converters_by_zone.clear()
            converters = {name: column_converter(field) for name, field in self.fields if field}
            self.converters_by_zone[zone] = converters
        return converters

    def start(self, request):
        """Prepares what the ``represent_<name>`` methods share over the rows of ``request``."""


# Serializer fields' to_representation() (these very methods: a subclass that
# overrides it is not here) that give back a value of this type as it is
# (``str(value)``, ``int(value)``, ...).
UNCHANGED_TYPES = {
    serializers.CharField.to_representation: str,
    serializers.IntegerField.to_representation: int,
    serializers.BooleanField.to_representation: bool,
}


def unchanged_type(field):
    """The type of value that ``field`` represents as it is, or None."""
    represent = type(field).to_representation
    if represent is serializers.BigIntegerField.to_representation:
        # DRF's own setting's default: plain integers, not strings.
        coerced = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        return None if coerced else int
    return UNCHANGED_TYPES.get(represent)


def column_converter(field):
    """Turns a row's value of ``field``'s column into what the serializer field gives."""
    source, convert = field.source, in_current_timezone(field).to_representation
    unchanged = unchanged_type(field)
    zone = iso_8601_zone(field)

    def converter(row):
        value = row[source]
        if value is None or type(value) is unchanged:
            return value
        if zone is not None and value.tzinfo is not None:
            # What DRF's ISO 8601 representation gives, without its lookups per value.
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return convert(value)

    return converter


def iso_8601_zone(field):
    """The time zone of a date-time field shown in ISO 8601 (DRF's default), else None."""
    if type(field).to_representation is not serializers.DateTimeField.to_representation:
        return None
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601:
        return None
    return in_current_timezone(field).timezone


def in_current_timezone(field):
    """``field``, fixed to the current time zone if it is a date-time field without one.

    DRF looks the current time zone up for every value otherwise, which is
    most of the cost of a date; the representation is the same.
    """
    if not isinstance(field, serializers.DateTimeField) or hasattr(field, "timezone"):
        return field
    fixed = copy.copy(field)
    # None when USE_TZ is off, which DRF handles; the stub only allows a tzinfo.
    fixed.timezone = field.default_timezone()  # type: ignore[assignment]
    return fixed


class CategoryRepresentation(ValuesRepresentation):
    serializer_class = CategorySerializer
    composite_fields = {"parent": ["parent_id"]}

    def represent_parent(self, row, request):
        return row["parent_id"]


class ProductRepresentation(ValuesRepresentation):
    serializer_class = ProductSerializer
    composite_fields = {
        "category": [f"category__{name}" for name in CATEGORY_SUMMARY_FIELDS],
        "currency": [],
        # Annotated by the product views (one subquery on the images' index).
        "image": ["first_image"],
    }

    def represent_category(self, row, request):
        return {name: row[f"category__{name}"] for name in CATEGORY_SUMMARY_FIELDS}

    def represent_currency(self, row, request):
        return shopcore_settings.CURRENCY

    def start(self, request):
        self.image_urls = ImageUrls(request)

    def represent_image(self, row, request):
        return self.image_urls(row["first_image"])


class VariantRepresentation(ValuesRepresentation):
    serializer_class = ProductVariantSerializer
    composite_fields = {"product": ["product_id"]}

    def represent_product(self, row, request):
        return row["product_id"]


class ImageRepresentation(ValuesRepresentation):
    serializer_class = ProductImageSerializer
    composite_fields = {"url": ["image", "product_id"]}

    def start(self, request):
        self.image_urls = ImageUrls(request)

    def represent_url(self, row, request):
        return self.image_urls(row["image"])


class ProductDetailRepresentation(ProductRepresentation):
    """Adds each product's variants and images: one more query for each, for all the rows.

    The first image is the first of the images read (in the same order as the
    lists' ``first_image`` subquery), so the product's own query has no subquery.
    """

    serializer_class = ProductDetailSerializer
    composite_fields = {
        **ProductRepresentation.composite_fields,
        "image": [],
        "variants": [],
        "images": [],
    }

    def __init__(self):
        super().__init__()
        self.variants = VariantRepresentation()
        self.images = ImageRepresentation()
        # The related rows' querysets, built once (each read clones one and filters it).
        self.image_rows = self.images.values(ProductImage.objects.order_by("position", "id"))
        # Whether the user sees inactive variants -> the rows of the variants they see.
        self.variant_querysets = {}
        # variant_rows() or image_rows -> their PreparedRows, by product ids.
        self.prepared_related: dict[QuerySet, PreparedRows] = {}

    def variant_rows(self, user):
        """The rows of the variants ``user`` sees (of every product: filter them)."""
        key = sees_inactive(user)
        if key not in self.variant_querysets:
            visible = ProductVariant.objects.visible_to(user).order_by("id")
            self.variant_querysets[key] = self.variants.values(visible)
        return self.variant_querysets[key]

    def represent(self, rows, request=None):
        ids = [row["id"] for row in rows]
        by_id = {
            row["id"]: {**row, "variants": [], "images": [], "first_image": None} for row in rows
        }
        variant_rows = self.related_rows(self.variant_rows(getattr(request, "user", None)), ids)
        for variant in self.variants.represent(variant_rows, request):
            by_id[variant["product"]]["variants"].append(variant)
        image_rows = self.related_rows(self.image_rows, ids)
        for row, image in zip(image_rows, self.images.represent(image_rows, request), strict=True):
            product = by_id[row["product_id"]]
            if not product["images"]:
                product["first_image"] = row["image"]
            product["images"].append(image)
        return super().represent(list(by_id.values()), request)

    def related_rows(self, rows, ids):
        """The rows of ``rows`` (variants or images) of the products ``ids``; on PostgreSQL
        from SQL compiled once (PreparedRows)."""
        if not (shopcore_settings.PREPARED_QUERIES and PreparedRows.supported(rows)):
            return list(rows.filter(product_id__in=ids))
        prepared = self.prepared_related.get(rows)
        if prepared is None:
            placeholder = Placeholders()
            product_ids = ColumnInArray("product_id", placeholder.array("ids"))
            prepared = PreparedRows(rows.filter(product_ids), **placeholder)
            self.prepared_related[rows] = prepared
        return prepared.rows(ids=ids)

    def represent_variants(self, row, request):
        return row["variants"]

    def represent_images(self, row, request):
        return row["images"]


REPRESENTATION_CLASSES = [
    CategoryRepresentation,
    ProductRepresentation,
    ProductDetailRepresentation,
]
# Built on first use: the serializer's fields read REST_FRAMEWORK's settings.
_representations: dict[type[serializers.BaseSerializer], ValuesRepresentation] = {}


def fast_representation(serializer_class: type[serializers.BaseSerializer]):
    """The fast twin of ``serializer_class``, or None when it is not a default one."""
    for representation_class in REPRESENTATION_CLASSES:
        if representation_class.serializer_class is serializer_class:
            if serializer_class not in _representations:
                _representations[serializer_class] = representation_class()
            return _representations[serializer_class]
    return None


def forget_representations(*, setting, **kwargs):
    if setting in ("REST_FRAMEWORK", "TIME_ZONE", "USE_TZ"):
        _representations.clear()


setting_changed.connect(forget_representations)
