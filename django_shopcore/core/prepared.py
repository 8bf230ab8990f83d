"""Queries compiled once and run again with other values (PostgreSQL): a hot path's SQL
without the ORM building and compiling it on every request."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import Field

# The only backend whose rows come back as ``.values()`` gives them once each
# field's ``from_db_value`` has run: Django adds no converters of its own there.
PREPARED_VENDORS = ("postgresql",)

# Placeholders are values no row has and no query otherwise holds, that
# PreparedRows finds among the compiled parameters (alone, or as every item of
# an array) and replaces on each read.
FIRST_PLACEHOLDER = -(2**31) + 1000
PLACEHOLDER_EPOCH = datetime.datetime(1900, 1, 1, tzinfo=datetime.timezone.utc)


class Placeholders(dict):
    """``{name: placeholder}``, one distinct placeholder per name, of the type its value has."""

    def __init__(self, *int_names):
        super().__init__()
        for name in int_names:
            self.of(int, name)

    def of(self, kind, name):
        """A new placeholder of ``kind`` (int, Decimal, str or datetime) for ``name``."""
        number = FIRST_PLACEHOLDER - len(self)
        placeholder = {
            int: number,
            Decimal: Decimal(f"{number}.37"),
            str: f"\x00placeholder {number}",
            datetime.datetime: PLACEHOLDER_EPOCH + datetime.timedelta(microseconds=len(self) + 1),
        }[kind]
        self[name] = placeholder
        return placeholder

    def array(self, name, length=2):
        """An integer placeholder ``length`` times: an array parameter (``= ANY(%s)``) of any
        length at run time. Two by default, so that nothing takes it for a single value."""
        return [self.of(int, name)] * length


@dataclass
class Compiled:
    sql: str
    params: tuple
    # (parameter position, name of the value, whether the value is an array).
    slots: list[tuple[int, str, bool]]
    # (column, field with from_db_value), found out on the first read.
    converters: list[tuple[str, Field]] | None = None


class PreparedRows:
    """The rows of a ``.values()`` queryset filtered on placeholders, read again and again
    with real values in their place.

    Building and compiling a queryset costs far more than a primary key
    lookup on the database: for a detail, most of its time. The queryset is
    compiled once per database alias, its parameters that are placeholders
    are replaced by each read's values, and each column is converted as
    ``.values()`` converts it (the field's ``from_db_value``). Only on
    PostgreSQL (``supported()``); elsewhere callers read the queryset itself.
    """

    def __init__(self, queryset, **placeholders):
        # Unevaluated, so that the database router still picks a database per read.
        self.queryset = queryset
        # (type, placeholder) -> name of the value that replaces it.
        self.names = {(type(value), value): name for name, value in placeholders.items()}
        # alias -> Compiled.
        self.compiled = {}

    @staticmethod
    def supported(queryset):
        return connections[queryset.db].vendor in PREPARED_VENDORS

    def statement(self, values, alias=None):
        """``(alias, Compiled, params)``: the SQL to run with ``values`` in place of the
        placeholders, on the database the router picks (or ``alias``)."""
        alias = alias or self.queryset.db
        compiled = self.compiled.get(alias)
        if compiled is None:
            compiled = self.compiled[alias] = self.compile(alias)
        params = list(compiled.params)
        for position, name, in_array in compiled.slots:
            params[position] = list(values[name]) if in_array else values[name]
        return alias, compiled, params

    def rows(self, **values):
        """The queryset's rows (dicts) with ``values`` in place of the placeholders."""
        alias, compiled, params = self.statement(values)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            names = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
        if compiled.converters is None:
            compiled.converters = self.column_converters(names)
        result = [dict(zip(names, row, strict=True)) for row in rows]
        for name, field in compiled.converters:
            for row in result:
                row[name] = field.from_db_value(row[name], None, connection)
        return result

    def compile(self, alias):
        sql, params = self.queryset.query.get_compiler(using=alias).as_sql()
        slots = []
        for position, param in enumerate(params):
            name = self.placeholder_name(param)
            if name is not None:
                slots.append((position, name, isinstance(param, list)))
        if {name for _position, name, _in_array in slots} != set(self.names.values()):
            raise ValueError("A placeholder is not a parameter of the compiled query.")
        return Compiled(sql, tuple(params), slots)

    def placeholder_name(self, param):
        """The name of the placeholder ``param`` is, or is an array of; else None."""
        if isinstance(param, list):
            names = {self.placeholder_name(item) for item in param}
            return names.pop() if len(names) == 1 and len(param) > 1 else None
        try:
            return self.names.get((type(param), param))
        except TypeError:  # Unhashable: no placeholder.
            return None

    def column_converters(self, names):
        """``[(column, field)]`` for the columns whose field converts what the database gives."""
        fields = [(name, self.output_field(name)) for name in names]
        return [(name, field) for name, field in fields if hasattr(field, "from_db_value")]

    def output_field(self, name) -> Field | None:
        """The field a ``.values()`` column reads: an annotation's, or the one its
        ``__``-separated path leads to."""
        annotation = self.queryset.query.annotations.get(name)
        if annotation is not None:
            return annotation.output_field
        meta = self.queryset.model._meta
        field = None
        for part in name.split("__"):
            field = meta.get_field(part)
            if field.is_relation and field.related_model is not None:
                meta = field.related_model._meta
        if field is not None and field.is_relation:
            # ``category`` or ``category_id``: the key's value, as the target field reads it.
            return field.target_field
        return field
