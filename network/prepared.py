"""Model reads compiled to SQL once per process, for the queries on the path of every message.

Django builds a queryset and compiles it to SQL again on every evaluation. For the
conversation a chat message is sent to (three tables and two EXISTS) that Python work was
about 1 ms of CPU on an idle machine, more than half of the read, and twice that under load
(bench/chat.py), on the path of every message before anyone receives it. A PreparedRead
compiles its queryset once per database and *shape*, then runs that SQL with each call's
values and builds the row's model instances as the queryset would have: the same fields,
its select_related objects and its annotations.

The caller's ``build`` function makes the queryset from the shape and from sentinel values:
negative whole numbers that no row of Relais uses, which the compiled SQL carries as
parameters and each call replaces with its own values. Whatever else changes the SQL (a
guest reads fewer groups than a member) must be part of the shape.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Below any id, and within a 32-bit integer's range (an out-of-range value would compile to
# "no rows"): a sentinel can only stand for the value it was made for.
_SENTINEL_BASE = -1_999_999_000


@dataclass(frozen=True)
class _Slot:
    """A parameter of the compiled SQL that each call fills with its value of ``name``."""

    name: str


@dataclass
class _Compiled:
    sql: str
    params: list[Any]  # constants, and _Slot where a call's value goes
    converters: dict
    model: type[Model]
    init_list: list[str]
    fields: slice
    populators: list
    annotations: dict[str, int]


class PreparedRead:
    """``build(shape, **values) -> QuerySet`` compiled once per database and shape; ``first``
    returns the first row's model instance, or None."""

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._compiled: dict[tuple, _Compiled] = {}

    def first(self, shape: Hashable, *, using: str = "default", **values: int) -> Model | None:
        connection = connections[using]
        # The ORM finds no row for an id out of the database's range (a client's 2**63); the
        # raw SQL would fail on it instead.
        smallest, largest = connection.ops.integer_field_range("BigIntegerField")
        if not all(type(value) is int and smallest <= value <= largest
                   for value in values.values()):
            return None
        compiled = self._compiled.get((using, shape))
        if compiled is None:
            compiled = self._compiled[(using, shape)] = self._compile(shape, using, values)
        params = [values[p.name] if isinstance(p, _Slot) else p for p in compiled.params]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = list(row)
            for position, (functions, expression) in compiled.converters.items():
                for function in functions:
                    row[position] = function(row[position], expression, connection)
        instance = compiled.model.from_db(using, compiled.init_list, row[compiled.fields])
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.annotations.items():
            setattr(instance, name, row[position])
        return instance

    def _compile(self, shape: Hashable, using: str, values: dict[str, int]) -> _Compiled:
        sentinels = {name: _SENTINEL_BASE - index for index, name in enumerate(values)}
        slots = {sentinel: _Slot(name) for name, sentinel in sentinels.items()}
        queryset = self._build(shape, **sentinels)[:1]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = [slots.get(p, p) if isinstance(p, int) else p for p in params]
        if set(slots.values()) - set(params):
            raise ValueError("The queryset does not use every value as a parameter.")
        klass_info, select = compiler.klass_info, compiler.select
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql, params=params,
            converters=compiler.get_converters([column for column, *_ in select]),
            model=klass_info["model"],
            init_list=[column.target.attname for column, *_ in select[first:last]],
            fields=slice(first, last),
            populators=get_related_populators(klass_info, select, using),
            annotations=dict(compiler.annotation_col_map))
