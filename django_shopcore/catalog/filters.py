"""django-filter FilterSets for the catalog lists; every invalid value is a 400.

Past 400 lines: the form fields and filters here serve these FilterSets only,
and the per-request copying rules (CatalogFilterSet) must sit beside them; a
split into fields and filtersets is due when the next filter lands.
"""

import copy
from typing import NamedTuple

import django_filters
from django import forms
from django.core.validators import validate_unicode_slug
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.fields import BLANK_CHOICE_DASH
from django.template import loader
from django.utils.html import format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from django_filters.widgets import BaseCSVWidget
from rest_framework.exceptions import ValidationError

from ..core.counting import RowCount
from ..core.ids import is_digits, is_id
from ..core.query import repeated_message
from ..core.settings import shopcore_settings
from .cache import subtree
from .models import (
    OPTION_NAME_MAX_LENGTH,
    OPTION_VALUE_MAX_LENGTH,
    Category,
    Product,
    ProductVariant,
    VariantOption,
)
from .search import (
    ColumnInArray,
    collect_matches,
    search_condition,
    search_rank,
    search_tokens,
    subquery_of_candidates,
)
from .subtree_pages import CategoryPartition, worth_merging

# The blank choice leaves the filter out: the browsable API's form then submits nothing.
BOOLEAN_CHOICES = [*BLANK_CHOICE_DASH, ("true", "true"), ("false", "false")]
# More ``option`` parameters than a storefront sends; bounds the subqueries.
MAX_OPTION_PARAMETERS = 20


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


class RepeatedParameterWidget(forms.TextInput):
    """Reads every value of a repeated query parameter (``?option=a&option=b``).

    The browsable API's form shows one text box per value (one blank box for
    none), so submitting it sends the filter back as it came.
    """

    def format_value(self, value):
        # The browsable API's form has one text box: it can show one value back.
        if isinstance(value, (list, tuple)):
            return value[0] if len(value) == 1 else None
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def render(self, name, value, attrs=None, renderer=None):
        values = value if isinstance(value, (list, tuple)) else [value]
        boxes = [super().render(name, values[0] if values else None, attrs, renderer)]
        # Later boxes without the id, which the label points to and must stay unique.
        attrs_without_id = {key: item for key, item in (attrs or {}).items() if key != "id"}
        for item in values[1:]:
            boxes.append(super().render(name, item, attrs_without_id, renderer))
        # Each box is already rendered (and escaped) by the widget's template.
        return format_html_join("", "{}", ((box,) for box in boxes))


class OptionChoicesField(forms.Field):
    """``name:value`` pairs, as ``{name: {values}}``; an empty parameter is no filter."""

    widget = RepeatedParameterWidget
    default_error_messages = {
        "invalid": _(
            "Use name:value (a name of 1 to %(name_max)d characters, "
            "a value of 1 to %(value_max)d), e.g. size:M."
        ),
        "too_many": _("At most %(max)d option parameters."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return {}
        values = [value] if isinstance(value, str) else value
        if len(values) > MAX_OPTION_PARAMETERS:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"max": MAX_OPTION_PARAMETERS},
            )
        choices: dict[str, set[str]] = {}
        for raw in values:
            if raw == "":
                continue
            name, separator, choice = raw.partition(":")
            if not (
                separator
                and 1 <= len(name) <= OPTION_NAME_MAX_LENGTH
                and 1 <= len(choice) <= OPTION_VALUE_MAX_LENGTH
                and "\x00" not in raw
            ):
                raise forms.ValidationError(
                    self.error_messages["invalid"],
                    code="invalid",
                    params={
                        "name_max": OPTION_NAME_MAX_LENGTH,
                        "value_max": OPTION_VALUE_MAX_LENGTH,
                    },
                )
            choices.setdefault(name, set()).add(choice)
        return choices


class OptionFilter(django_filters.Filter):
    field_class = OptionChoicesField


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


class RepeatableCSVSelect(BaseCSVWidget, forms.Select):
    """Comma-separated values, also over repeated parameters, in order.

    ``ordering=-price,name`` (the schema's form) and ``ordering=-price&ordering=name``
    (what many generated clients send for an array) both give ``["-price", "name"]``.
    """

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist") and len(data.getlist(name)) > 1:
            data = data.copy()
            data[name] = ",".join(data.getlist(name))
        return super().value_from_datadict(data, files, name)


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


# Widgets of parameters that may be given more than once.
REPEATABLE_WIDGETS = (RepeatableCSVSelect, RepeatedParameterWidget)


class CatalogFilterForm(forms.Form):
    """A parameter given more than once is an error, unless its field takes several values.

    Django's forms read the last of ``?min_price=1&min_price=2`` silently.
    """

    def clean(self):
        cleaned_data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field.widget, REPEATABLE_WIDGETS) or not hasattr(self.data, "getlist"):
                continue
            count = len(self.data.getlist(name))
            if count > 1:
                self.add_error(name, forms.ValidationError(repeated_message(count), "repeated"))
        return cleaned_data


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

    # (FilterSet class, language) -> form class without the per-request fields;
    # two threads may both build one, and either class does.
    form_classes: dict[tuple[type, str | None], type] = {}
    # Filters only staff users can use to any effect: the browsable API hides them from others.
    staff_only_filters: list[str] = []

    def get_form_class(self):
        key = (type(self), get_language())
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


class ProductFilterSet(CatalogFilterSet):
    """The product list's filters; a search may find out how many rows match on the way."""

    # The number of rows ``qs`` holds (a RowCount) once ``qs`` is built, when a
    # filter found it out on the way; None when nobody knows it yet.
    known_count = None
    # A CategoryPartition when ``qs``'s pages are best read as a merge of
    # per-category index scans (subtree_pages.py); else None.
    category_partition: CategoryPartition | None = None
    # Applied after every other filter, the search last: the category's
    # partition then holds every other filter, and the search counts within it.
    late_filters = ("category", "search")

    category = CategoryReferenceFilter(
        method="filter_category",
        label=_("Category"),
        help_text=_("A category id or slug; its subcategories are included."),
    )
    min_price = django_filters.NumberFilter(
        field_name="price",
        lookup_expr="gte",
        max_digits=10,
        decimal_places=2,
        label=_("Minimum price"),
    )
    max_price = django_filters.NumberFilter(
        field_name="price",
        lookup_expr="lte",
        max_digits=10,
        decimal_places=2,
        label=_("Maximum price"),
    )
    slug = slug_filter(_("Exactly this slug: the product it names, or an empty page."))
    in_stock = BooleanChoiceFilter(method="filter_in_stock", label=_("In stock"))
    # Only admins see inactive products; for others this can only narrow to nothing.
    is_active = BooleanChoiceFilter(label=_("Active"))
    option = OptionFilter(  # before search, which counts what the filters above it leave
        method="filter_option",
        label=_("Option"),
        help_text=_(
            "`name:value`, e.g. `size:M`; repeatable: a product matches when one of its "
            "active variants has, for every name given, one of the values given."
        ),
    )
    search = SearchFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_(
            "Keywords (runs of letters and digits); a product matches when its name or "
            "description has all of them. Text without any keyword, such as `%` or `!!!`, "
            "matches nothing; an empty `search=` is no filter."
        ),
    )
    ordering = ProductOrderingFilter(fields=["price", "created_at", "name"])

    # Left out of the browsable API's form for non-staff users (CatalogFilterBackend).
    staff_only_filters = ["is_active"]

    class Meta:
        model = Product
        fields: list[str] = []
        form = CatalogFilterForm

    def filter_queryset(self, queryset):
        """django-filter's loop over the filters, with ``late_filters`` last."""
        data = self.form.cleaned_data
        names = [name for name in data if name not in self.late_filters]
        names += [name for name in self.late_filters if name in data]
        for name in names:
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def filter_category(self, queryset, name, value):
        # A literal id list (cached), not a subquery: PostgreSQL then knows how
        # many products to expect. One category is an equality, which the
        # (category_id, sort key, id) indexes serve in order; ``= ANY`` is not
        # served in order, so pages of a small subtree are merged per category.
        found = subtree(category_reference(value), category_cache_name(value))
        if not found.ids:
            raise ValidationError({name: [_("No category has this id or slug.")]})
        if len(found.ids) == 1:
            return queryset.filter(category_id=found.ids[0])
        # Not with a search (its pages read the matches, or walk an index meeting
        # them soon) or an option (each category's scan would look for matches
        # that its products may not have at all).
        data = self.form.cleaned_data
        if not (data.get("search") or data.get("option")) and worth_merging(found):
            # ``queryset`` holds every other filter (late_filters).
            self.category_partition = CategoryPartition(found.ids, queryset)
        if connections[queryset.db].vendor == "postgresql":
            return queryset.filter(ColumnInArray("category_id", found.ids))
        return queryset.filter(category_id__in=found.ids)

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0) if value else queryset.filter(stock=0)

    def filter_option(self, queryset, name, value):
        if not value:
            return queryset
        # One variant must have them all: size M in red, not an M in blue
        # beside an L in red. Each name is one lookup on (name, value, variant).
        variants = ProductVariant.objects.filter(is_active=True)
        for option_name, choices in value.items():
            rows = VariantOption.objects.filter(name=option_name, value__in=sorted(choices))
            variants = variants.filter(pk__in=rows.values("variant_id"))
        return queryset.filter(pk__in=variants.values("product_id"))

    def filter_search(self, queryset, name, value):
        # An empty search= never gets here (django-filter skips empty values): no filter.
        tokens = search_tokens(value)
        if not tokens:
            # Only punctuation (`%`, `!!!`): no keyword to match, so nothing matches.
            self.known_count = RowCount(0, True)
            return queryset.none()
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
            self.known_count = RowCount(estimate, False)
        else:
            self.known_count = RowCount(found, found <= limit)
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


class FilteredList(NamedTuple):
    """What filtering a list found out, for its paginator."""

    queryset: QuerySet
    # The number of rows (a RowCount) when a filter counted them.
    known_count: RowCount | None
    # When pages are best merged per category (subtree_pages.py).
    category_partition: CategoryPartition | None


class CatalogFilterBackend(DjangoFilterBackend):
    """django-filter's backend; it also hands over its filterset's ``known_count``, and its
    browsable-API form shows only the filters the user may use."""

    def to_html(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return None
        if not getattr(request.user, "is_staff", False):
            # This filterset only renders the form: the list's own one still filters.
            for name in filterset.staff_only_filters:
                del filterset.form.fields[name]
        return loader.get_template(self.template).render({"filter": filterset}, request)

    def filter_and_count(self, request, queryset, view):
        """A FilteredList: the queryset, its known_count and category_partition (each None
        unless the filterset found it out)."""
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return FilteredList(queryset, None, None)
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        # Building ``qs`` runs the filters, which find the count out.
        filtered = filterset.qs
        return FilteredList(
            filtered,
            getattr(filterset, "known_count", None),
            getattr(filterset, "category_partition", None),
        )

    def filter_queryset(self, request, queryset, view):
        return self.filter_and_count(request, queryset, view).queryset


class CategoryFilterSet(CatalogFilterSet):
    parent = ParentReferenceFilter(
        method="filter_parent",
        help_text=_("A parent category id, or `null` for the roots."),
    )
    slug = slug_filter(_("Exactly this slug: the category it names, or an empty page."))
    ordering = StableOrderingFilter(fields=["name", "created_at"])

    class Meta:
        model = Category
        fields: list[str] = []
        form = CatalogFilterForm

    def filter_parent(self, queryset, name, value):
        if value == "null":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=int(value))
