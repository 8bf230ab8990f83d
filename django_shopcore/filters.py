"""django-filter FilterSets for the catalog lists; every invalid value is a 400."""

import re

import django_filters
from django import forms
from django.core.validators import validate_unicode_slug
from django.db import connections
from django.db.models import BooleanField, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from .models import Category, Product
from .settings import shopcore_settings

# A search keyword: a run of letters and digits. Everything else separates
# keywords, so no input can be a tsquery syntax error.
SEARCH_TOKEN = re.compile(r"[^\W_]+")
# Ids beyond this do not fit a bigint; they cannot exist.
MAX_ID_DIGITS = 18

BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


def search_tokens(text):
    return SEARCH_TOKEN.findall(text)


def category_reference(value):
    """The Q selecting the category a ``category`` parameter names: an id, else a slug."""
    return Q(pk=int(value)) if value.isascii() and value.isdigit() else Q(slug=value)


class CategoryReferenceField(forms.CharField):
    """A category id or slug; checked for shape here, for existence by the view."""

    default_error_messages = {"invalid": _("Enter a category id or slug.")}

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        if value.isascii() and value.isdigit():
            if len(value) > MAX_ID_DIGITS:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return
        try:
            validate_unicode_slug(value)
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ParentReferenceField(forms.CharField):
    """A parent category id, or ``null`` for root categories."""

    default_error_messages = {"invalid": _("Enter a category id or null.")}

    def validate(self, value):
        super().validate(value)
        is_id = value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS
        if value and value != "null" and not is_id:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class SearchField(forms.CharField):
    """Search text; NUL characters are refused by CharField already."""

    def validate(self, value):
        super().validate(value)
        max_length = shopcore_settings.SEARCH_MAX_LENGTH
        if len(value) > max_length:
            raise forms.ValidationError(
                _("Ensure this value has at most %(max)d characters."),
                code="max_length",
                params={"max": max_length},
            )


class CategoryReferenceFilter(django_filters.CharFilter):
    field_class = CategoryReferenceField


class ParentReferenceFilter(django_filters.CharFilter):
    field_class = ParentReferenceField


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class BooleanChoiceFilter(django_filters.TypedChoiceFilter):
    """``true`` or ``false``, nothing else (django-filter's BooleanFilter ignores junk)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


class StableOrderingFilter(django_filters.OrderingFilter):
    """OrderingFilter that appends ``id`` so rows with equal sort keys never swap pages."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or () if param]
        if not ordering:
            return qs
        tie_breaker = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*ordering, tie_breaker)


class ProductFilterSet(django_filters.FilterSet):
    category = CategoryReferenceFilter(
        method="filter_category",
        help_text=_("A category id or slug; its subcategories are included."),
    )
    min_price = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", max_digits=10, decimal_places=2
    )
    max_price = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", max_digits=10, decimal_places=2
    )
    in_stock = BooleanChoiceFilter(method="filter_in_stock")
    # Only admins see inactive products; for others this can only narrow to nothing.
    is_active = BooleanChoiceFilter()
    search = SearchFilter(
        method="filter_search",
        help_text=_("Keywords; a product matches when its name or description has all of them."),
    )
    ordering = StableOrderingFilter(fields=["price", "created_at", "name"])

    class Meta:
        model = Product
        fields = []

    def filter_category(self, queryset, name, value):
        # One subquery: the target's path, then every category under it.
        target_path = Category.objects.filter(category_reference(value)).order_by().values("path")
        subtree = Category.objects.filter(path__startswith=Subquery(target_path)).values("pk")
        return queryset.filter(category__in=subtree)

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0) if value else queryset.filter(stock=0)

    def filter_search(self, queryset, name, value):
        vendor = connections[queryset.db].vendor
        for token in search_tokens(value):
            queryset = queryset.filter(search_condition(token, vendor))
        return queryset


def search_condition(token, vendor):
    """Where one keyword matches: see docs/database.md for the indexes behind it."""
    if vendor == "postgresql":
        # The stored ``search_vector`` column (migration 0003) with a prefix query,
        # or a substring of the name (trigram index) for what stemming misses.
        vector = f'"{Product._meta.db_table}"."search_vector"'
        # The token is a bound parameter; only the column name is interpolated.
        full_text = RawSQL(  # noqa: S611
            f"{vector} @@ to_tsquery('english', %s)", [f"{token}:*"], output_field=BooleanField()
        )
        return Q(full_text) | Q(name__icontains=token)
    return Q(name__icontains=token) | Q(description__icontains=token)


class CategoryFilterSet(django_filters.FilterSet):
    parent = ParentReferenceFilter(
        method="filter_parent",
        help_text=_("A parent category id, or `null` for the roots."),
    )
    ordering = StableOrderingFilter(fields=["name", "created_at"])

    class Meta:
        model = Category
        fields = []

    def filter_parent(self, queryset, name, value):
        if value == "null":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=int(value))
