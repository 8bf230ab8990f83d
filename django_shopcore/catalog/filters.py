"""The catalog lists' FilterSets and their backend; every invalid value is a 400.

The filters live beside them: form fields in filter_fields.py, the FilterSet
base in filter_base.py, ``category``, ``option`` and ``search`` in their own
modules. ``ProductFilterSet`` is imported from here by hosts.
"""

from functools import cache
from typing import NamedTuple

import django_filters
from django import forms
from django.db.models import QuerySet
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation

from ..core.counting import RowCount
from .category_filter import filter_category
from .filter_base import (
    BooleanChoiceFilter,
    CatalogFilterSet,
    CategoryReferenceFilter,
    ParentReferenceFilter,
    SearchFilter,
    StableOrderingFilter,
    slug_filter,
)
from .filter_fields import CatalogFilterForm
from .keysets import KnownOrder
from .models import Category, Product
from .option_filter import OptionFilter, filter_by_options
from .search_filter import ProductOrderingFilter, filter_search
from .subtree_pages import CategoryPartition


class ProductFilterSet(CatalogFilterSet):
    """The product list's filters; a search may find out how many rows match on the way."""

    # The number of rows ``qs`` holds (a RowCount) once ``qs`` is built, when a
    # filter found it out on the way; None when nobody knows it yet.
    known_count = None
    # A CategoryPartition when ``qs``'s pages are best read as a merge of
    # per-category index scans (subtree_pages.py); else None.
    category_partition: CategoryPartition | None = None
    # ``(queryset, condition)``: the queryset the category filter narrowed, and how.
    category_narrowing = None
    # A KnownOrder when a filter found out every row's key in the list's order.
    known_order = None
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
        for name in self.application_order(data):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def application_order(self, names):
        """The filters ``names`` in the order they are applied: ``late_filters`` last."""
        order = [name for name in names if name not in self.late_filters]
        return order + [name for name in self.late_filters if name in names]

    def filter_category(self, queryset, name, value):
        return filter_category(self, queryset, name, value)

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0) if value else queryset.filter(stock=0)

    def filter_option(self, queryset, name, value):
        return filter_by_options(queryset, value)

    def filter_search(self, queryset, name, value):
        return filter_search(self, queryset, value)


class FilteredList(NamedTuple):
    """What filtering a list found out, for its paginator."""

    queryset: QuerySet
    # The number of rows (a RowCount) when a filter counted them.
    known_count: RowCount | None
    # When pages are best merged per category (subtree_pages.py).
    category_partition: CategoryPartition | None
    # Every row's primary key in the list's order, when a filter found them out.
    known_order: KnownOrder | None = None


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
        filterset = self.valid_filterset(request, queryset, view)
        if filterset is None:
            return FilteredList(queryset, None, None)
        # Building ``qs`` runs the filters, which find the count out.
        filtered = filterset.qs
        return FilteredList(
            filtered,
            getattr(filterset, "known_count", None),
            getattr(filterset, "category_partition", None),
            getattr(filterset, "known_order", None),
        )

    def valid_filterset(self, request, queryset, view):
        """The view's filterset for this request, its form valid (else a 400 naming each
        bad parameter); None without a filterset class."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        only = filters_given(filterset_class, request.query_params)
        # Building only the filters given costs a fraction of building them all.
        filterset = (
            filterset_class(**kwargs) if only is None else filterset_class(**kwargs, only=only)
        )
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset

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


# FilterSets all of whose filters leave the queryset alone without their parameter
# (an empty value is valid too): only the filters given need building. Not their
# subclasses, whose added filters may do something anyway.
PARAMETERLESS_NOOP_FILTERSETS = (CategoryFilterSet, ProductFilterSet)


@cache
def parameter_names(filterset_class):
    """The query parameters the FilterSet's filters read: their names; None when a widget
    reads others (a MultiWidget's suffixed ``<name>_min``, ``<name>_max``)."""
    for filter_ in filterset_class.base_filters.values():
        widget = filter_.extra.get("widget") or filter_.field_class.widget
        if isinstance(widget, forms.MultiWidget) or (
            isinstance(widget, type) and issubclass(widget, forms.MultiWidget)
        ):
            return None
    return tuple(filterset_class.base_filters)


def filters_given(filterset_class, query_params):
    """The names of the filters that ``query_params`` gives a parameter, in the
    FilterSet's order, when the others are known to do nothing; else None."""
    if filterset_class not in PARAMETERLESS_NOOP_FILTERSETS:
        return None
    names = parameter_names(filterset_class)
    if names is None:
        return None
    return tuple(name for name in names if name in query_params)
