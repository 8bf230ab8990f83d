"""django-filter FilterSets for the catalog lists; every invalid value is a 400."""

import copy

import django_filters
from django import forms
from django.core.validators import validate_unicode_slug
from django.db import connections
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from ..core.counting import RowCount
from ..core.ids import is_digits, is_id
from ..core.settings import shopcore_settings
from .cache import subtree_ids
from .models import Category, Product
from .pagination import remember_count
from .search import (
    ColumnInArray,
    collect_matches,
    search_condition,
    search_rank,
    search_tokens,
    subquery_of_candidates,
)

BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


def category_reference(value):
    """The Q selecting the category a ``category`` parameter names: an id, else a slug."""
    return Q(pk=int(value)) if is_digits(value) else Q(slug=value)


def category_cache_name(value):
    """One name per category reference (``007`` and ``7`` are the same id)."""
    return f"id:{int(value)}" if is_digits(value) else f"slug:{value}"


class CategoryReferenceField(forms.CharField):
    """A category id or slug; checked for shape here, for existence by the view."""

    default_error_messages = {"invalid": _("Enter a category id or slug.")}

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        if is_digits(value):
            if not is_id(value):
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
        if value and value != "null" and not is_id(value):
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


class ProductOrderingFilter(StableOrderingFilter):
    """Adds ``relevance``: best matches of ``search`` first (newest first without a search)."""

    relevance = "relevance"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["choices"] = [*self.extra["choices"], (self.relevance, _("Relevance"))]

    def filter(self, qs, value):
        if self.relevance not in (value or ()):
            return super().filter(qs, value)
        tokens = search_tokens(self.parent.form.cleaned_data.get("search") or "")
        others = [param for param in value if param != self.relevance]
        if not tokens:
            return super().filter(qs, others)
        rank = search_rank(tokens, connections[qs.db].vendor)
        ordering = ["-search_rank", *(self.get_ordering_value(param) for param in others)]
        return qs.annotate(search_rank=rank).order_by(*ordering, "-id")


class SharedFilters(dict):
    """A FilterSet class's filters, copied shallowly for each request.

    django-filter deep-copies every filter per request, with its labels,
    choices and field; only its ``parent`` and ``model`` change per request.
    """

    def __deepcopy__(self, memo):
        return {name: copy_filter(filter_) for name, filter_ in self.items()}


def copy_filter(filter_):
    copied = copy.copy(filter_)
    if filter_.method is not None:
        # Makes a new proxy to the method: the old one calls the original filter's parent.
        copied.method = filter_.method
    return copied


class SharedFields(dict):
    """A filter form class's fields, shared by its forms: filters never change them per request."""

    def __deepcopy__(self, memo):
        return dict(self)


class CatalogFilterSetMetaclass(django_filters.filterset.FilterSetMetaclass):
    def __new__(cls, name, bases, attrs):
        new_class = super().__new__(cls, name, bases, attrs)
        new_class.base_filters = SharedFilters(new_class.base_filters)
        return new_class


class CatalogFilterSet(django_filters.FilterSet, metaclass=CatalogFilterSetMetaclass):
    """A FilterSet that does per request only what depends on the request.

    django-filter builds a new form class from every filter's field on each
    request, translating each label, then deep-copies the filters and the
    form's fields: together most of a cheap list's time. Here the form class
    is built once per language (the labels), and the copies are shallow.
    """

    # (FilterSet class, language) -> form class.
    form_classes: dict[tuple[type, str], type] = {}

    def get_form_class(self):
        key = (type(self), get_language())
        form_class = self.form_classes.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = SharedFields(form_class.base_fields)
            self.form_classes[key] = form_class
        return form_class


class ProductFilterSet(CatalogFilterSet):
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
    ordering = ProductOrderingFilter(fields=["price", "created_at", "name"])

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_category(self, queryset, name, value):
        # A literal id list (cached), not a subquery: PostgreSQL then knows how
        # many products to expect, and picks the category index for a small
        # subtree or the sort key's index for a large one.
        ids = subtree_ids(category_reference(value), category_cache_name(value))
        if not ids:
            raise ValidationError({name: [_("No category has this id or slug.")]})
        if connections[queryset.db].vendor == "postgresql":
            return queryset.filter(ColumnInArray("category_id", ids))
        return queryset.filter(category_id__in=ids)

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0) if value else queryset.filter(stock=0)

    def filter_search(self, queryset, name, value):
        tokens = search_tokens(value)
        if not tokens:
            return queryset
        vendor = connections[queryset.db].vendor
        matching = queryset
        for token in tokens:
            matching = matching.filter(search_condition(token, vendor))
        # Collect the matches first, at most SEARCH_CANDIDATES + 1 of them, from
        # the search indexes (the count is then known to the paginator); on
        # PostgreSQL, not when the planner expects more than that anyway.
        limit = shopcore_settings.SEARCH_CANDIDATES
        estimate, found, candidates = collect_matches(matching, limit)
        if found is None:
            remember_count(self.request, RowCount(estimate, False))
        else:
            remember_count(self.request, RowCount(found, found <= limit))
            if not found:
                return queryset.none()
        # Ranking reads every row it ranks: only the candidates are ranked.
        ranked = ProductOrderingFilter.relevance in (self.form.cleaned_data.get("ordering") or ())
        if (found is None or found > limit) and not ranked:
            # Common words: an ordered index scan meets matches soon enough.
            return matching
        # Few matches (or ranked ones): sort only them, instead of walking a
        # sort index through the whole table looking for them.
        if candidates is None:
            candidates = subquery_of_candidates(matching, limit)
        return queryset.filter(candidates)


class CategoryFilterSet(CatalogFilterSet):
    parent = ParentReferenceFilter(
        method="filter_parent",
        help_text=_("A parent category id, or `null` for the roots."),
    )
    ordering = StableOrderingFilter(fields=["name", "created_at"])

    class Meta:
        model = Category
        fields: list[str] = []

    def filter_parent(self, queryset, name, value):
        if value == "null":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=int(value))
