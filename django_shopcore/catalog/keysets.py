"""Keyset orderings: a queryset's ordering as fields ending with the primary key, positions
in it, the row comparisons that select the rows beyond one, and the keys a filter found
out in order (KnownOrder)."""

from typing import NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value


class Keyset:
    """The ordering of a queryset as ``(field, descending)`` pairs ending with the primary key.

    A position in it is the last row's values of those fields; the rows after
    it are ``(k1, ..., id) > (v1, ..., id)`` in the ordering's directions.
    """

    def __init__(self, model, ordering):
        self.ordering = ordering
        self.fields = [model._meta.get_field(name) for name, _descending in ordering]

    @classmethod
    def of(cls, queryset):
        """``queryset``'s keyset; None unless it is ordered by fields ending with the pk."""
        query = queryset.query
        terms = query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
        ordering = []
        for term in terms:
            if not isinstance(term, str):
                return None
            name = term.lstrip("-")
            if name == "pk":
                name = queryset.model._meta.pk.name
            try:
                field = queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
            if not field.concrete or field.is_relation:
                return None
            ordering.append((name, term.startswith("-")))
        if not ordering or ordering[-1][0] != queryset.model._meta.pk.name:
            return None
        return cls(queryset.model, ordering)

    def signature(self):
        return [f"{'-' if descending else ''}{name}" for name, descending in self.ordering]

    def position_of(self, row):
        """The row's sort values as strings (a dict from ``.values()`` or a model instance)."""
        values = []
        for (name, _descending), field in zip(self.ordering, self.fields, strict=True):
            value = row[name] if isinstance(row, dict) else getattr(row, field.attname)
            values.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
        return values

    def parse_position(self, values):
        """Sort values back from strings; ValueError when they do not fit the fields."""
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise ValueError("wrong number of values")
        try:
            return [
                field.to_python(value) for field, value in zip(self.fields, values, strict=True)
            ]
        except (DjangoValidationError, TypeError) as exc:
            raise ValueError(str(exc)) from exc

    def beyond(self, position, backward=False):
        """The rows strictly after ``position`` in this ordering (before it when ``backward``).

        When every key runs in one direction, one row comparison:
        ``(k1, ..., id) > (v1, ..., id)``, which PostgreSQL both estimates and
        scans as one index range (a subtree's merged page would otherwise
        expect a tenth of its rows, and sort every branch). Otherwise one
        alternative per key. The first key's bound is repeated on its own
        (``k1 >= v1``) so that the database can start the index scan there.
        """
        first_name, first_descending = self.ordering[0]
        first_lookup = "lte" if first_descending != backward else "gte"
        first_bound = Q(**{f"{first_name}__{first_lookup}": position[0]})
        if len({descending for _name, descending in self.ordering}) == 1:
            keys = Row(*(F(name) for name, _descending in self.ordering))
            bounds = Row(
                *(
                    Value(value, output_field=field)
                    for field, value in zip(self.fields, position, strict=True)
                )
            )
            before = first_descending != backward
            return first_bound & Q(RowComparison(keys, bounds, "<" if before else ">"))
        alternatives = Q()
        equal_so_far = Q()
        for (name, descending), value in zip(self.ordering, position, strict=True):
            lookup = "lt" if descending != backward else "gt"
            alternatives |= equal_so_far & Q(**{f"{name}__{lookup}": value})
            equal_so_far &= Q(**{name: value})
        return first_bound & alternatives

    def reversed_ordering(self):
        return [f"{'' if descending else '-'}{name}" for name, descending in self.ordering]


class KnownOrder(NamedTuple):
    """Every row's primary key of the queryset ``listed``, in its order (a Keyset's
    ``signature``), found out by the filtering (a search collects and sorts its few
    matches); ``rows`` is ``listed`` without the condition that selects those keys."""

    signature: list[str]
    keys: list[int]
    rows: QuerySet
    listed: QuerySet


class Row(Func):
    """``(a, b, ...)``: a row value."""

    function = ""
    template = "(%(expressions)s)"


class RowComparison(Func):
    """``(a, b, ...) < (x, y, ...)`` (or ``>``), compared as rows (PostgreSQL, SQLite)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, left, right, operator):
        super().__init__(left, right)
        self.arg_joiner = f" {operator} "
        self.template = "%(expressions)s"
