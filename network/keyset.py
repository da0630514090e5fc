"""Keyset ("seek") paging on (created, id), newest first: never OFFSET (DESIGN.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def encode(created: datetime, pk: int) -> str:
    # Whole microseconds: a float timestamp could round and skip or repeat a row.
    return f"{(created - EPOCH) // MICROSECOND}.{pk}"


def decode(cursor: str) -> tuple[datetime, int]:
    try:
        micros, pk = cursor.split(".", 1)
        created = EPOCH + int(micros) * MICROSECOND
        return created, int(pk)
    except (ValueError, OverflowError, OSError):
        raise ValidationError({"cursor": _("This cursor is not valid; start from the first "
                                           "page.")}) from None


def older_than(queryset: QuerySet, cursor: str | None, *, field: str = "created") -> QuerySet:
    """Rows after ``cursor`` in (``field`` desc, id desc) order."""
    if not cursor:
        return queryset
    created, pk = decode(cursor)
    return queryset.filter(Q(**{f"{field}__lt": created}) | Q(**{field: created, "id__lt": pk}))


def page(queryset: QuerySet, cursor: str | None, size: int, *, field: str = "created"):
    """(rows, next cursor or None) of one page, newest first."""
    rows = list(older_than(queryset, cursor, field=field)
                .order_by(f"-{field}", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode(getattr(rows[-1], field), rows[-1].id) if more and rows else None
    return rows, next_cursor
