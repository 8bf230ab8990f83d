"""The catalog's filter classes and the FilterSet base that builds per request only what
depends on the request."""

import copy

import django_filters
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.filters import QuerySetRequestMixin

from .filter_fields import (
    CategoryReferenceField,
    ParentReferenceField,
    RepeatableCSVSelect,
    SearchField,
)

# The blank choice leaves the filter out: the browsable API's form then submits nothing.
BOOLEAN_CHOICES = [*BLANK_CHOICE_DASH, ("true", "true"), ("false", "false")]


class CategoryReferenceFilter(django_filters.CharFilter):
    field_class = CategoryReferenceField


class ParentReferenceFilter(django_filters.CharFilter):
    field_class = ParentReferenceField


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


def slug_filter(help_text):
    """The ``slug`` filter of a list: the one row with exactly this slug, or none."""
    return django_filters.CharFilter(field_name="slug", label=_("Slug"), help_text=help_text)


class BooleanChoiceFilter(django_filters.TypedChoiceFilter):
    """``true`` or ``false``, nothing else (django-filter's BooleanFilter ignores junk)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


class StableOrderingFilter(django_filters.OrderingFilter):
    """OrderingFilter that appends ``id`` so rows with equal sort keys never swap pages.

    Its keys may be comma-separated or repeated (``RepeatableCSVSelect``).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", RepeatableCSVSelect)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or () if param]
        if not ordering:
            return qs
        tie_breaker = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*ordering, tie_breaker)


def builds_field_per_request(filter_):
    """Whether ``filter_``'s form field depends on the request.

    django-filter's one per-request hook is QuerySetRequestMixin (ModelChoiceFilter
    and kin): its queryset may be a callable of the request, and its field
    holds the queryset.
    """
    return isinstance(filter_, QuerySetRequestMixin)


class PerRequestFilters(dict):
    """A FilterSet class's filters; each FilterSet instance gets copies sharing no state.

    django-filter deep-copies every filter per request. A filter changes per
    request only its own attributes (``parent``, ``model``, the field it builds)
    and its ``extra`` dict (QuerySetRequestMixin stores the request's queryset
    there): each copy gets its own attributes and ``extra`` and builds its own
    field, and shares only values nobody mutates (labels, lookups, choices,
    static querysets, which are cloned before use).
    """

    def __deepcopy__(self, memo):
        return {name: copy_filter(filter_) for name, filter_ in self.items()}


def copy_filter(filter_):
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    # A field built earlier (e.g. by schema generation) is the copy's to rebuild.
    vars(copied).pop("_field", None)
    if filter_.method is not None:
        # Makes a new proxy to the method: the old one calls the original filter's parent.
        copied.method = filter_.method
    return copied


class CatalogFilterSetMetaclass(django_filters.filterset.FilterSetMetaclass):
    def __new__(cls, name, bases, attrs):
        new_class = super().__new__(cls, name, bases, attrs)
        new_class.base_filters = PerRequestFilters(new_class.base_filters)
        return new_class


class CatalogFilterSet(django_filters.FilterSet, metaclass=CatalogFilterSetMetaclass):
    """A FilterSet that does per request only what depends on the request.

    django-filter builds a new form class from every filter's field on each
    request, translating each label: most of a cheap list's time. Here the
    form class is built once per (FilterSet class, language), from the fields
    that depend on nothing else: a field is built from its filter's class-level
    options and the language only, and Django's Form deep-copies it for each
    form as usual, so a form never shares a field's state (widget, choices,
    queryset) with another. Fields that depend on the request
    (``builds_field_per_request``) are not in the shared class: each form gets
    its own filter's, built for its request, in its place.
    """

    # (FilterSet class, language, the filters it holds or None for all) -> form
    # class without the per-request fields; two threads may both build one, and
    # either class does.
    form_classes: dict[tuple[type, str | None, tuple[str, ...] | None], type] = {}
    # Filters only staff users can use to any effect: the browsable API hides them from others.
    staff_only_filters: list[str] = []
    # Set by the metaclass: every filter of the class.
    base_filters: dict

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, only=None):
        """``only``: the names of the filters to build, when the others are known to leave
        the queryset alone (filters_given()); None builds them all."""
        self.only = only
        if only is not None:
            # Read by django-filter's __init__, which copies every filter it holds.
            every_filter = type(self).base_filters
            self.base_filters = PerRequestFilters({name: every_filter[name] for name in only})
        super().__init__(data, queryset, request=request, prefix=prefix)

    def get_form_class(self):
        key = (type(self), get_language(), self.only)
        form_class = self.form_classes.get(key)
        if form_class is None:
            fields = {
                name: filter_.field
                for name, filter_ in self.filters.items()
                if not builds_field_per_request(filter_)
            }
            form_class = type(f"{type(self).__name__}Form", (self._meta.form,), fields)
            self.form_classes[key] = form_class
        return form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            if any(map(builds_field_per_request, self.filters.values())):
                # In the filters' order: they are applied in the order of the fields.
                form.fields = {
                    name: filter_.field if builds_field_per_request(filter_) else form.fields[name]
                    for name, filter_ in self.filters.items()
                }
        return self._form
