"""Plain-SQL reads that return model instances, for the portal's busiest pages.

Django compiles a queryset into SQL on every evaluation; for a filtered, ordered, limited
SELECT that is about half a millisecond of CPU, more than the database takes to answer it
from an index. On the dashboard, which every signed-in visit lands on, that compilation was
most of the page's own cost. A selector that owns such a read writes its SQL once and builds
the same instances the ORM would (fields it did not select stay deferred, loaded on access),
so templates and callers cannot tell the difference.

Keep these for reads whose shape never changes; everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def columns(model: type[M], attnames: Iterable[str]) -> list[models.Field]:
    """The concrete fields of `model` named in `attnames` (attribute names, e.g. `case_id`),
    in the model's own order, which is the order `instances` expects each row's values in."""
    wanted = set(attnames)
    fields = [field for field in model._meta.concrete_fields if field.attname in wanted]
    unknown = wanted - {field.attname for field in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no concrete fields {sorted(unknown)}")
    return fields


def select_list(fields: Sequence[models.Field], *, alias: str = "") -> str:
    """`fields` as the quoted column list of a SELECT, optionally qualified by `alias`."""
    quote = connection.ops.quote_name
    prefix = f"{quote(alias)}." if alias else ""
    return ", ".join(prefix + quote(field.column) for field in fields)


def instances(model: type[M], fields: Sequence[models.Field], rows: Iterable[Sequence]) -> list[M]:
    """Build `model` instances from `rows` whose first values are `fields`, in that order,
    exactly as a queryset restricted to those fields with `only()` would."""
    attnames = [field.attname for field in fields]
    width = len(fields)
    return [model.from_db(connection.alias, attnames, row[:width]) for row in rows]
