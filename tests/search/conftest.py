"""Search fixtures: content built through the real services, indexed as after a commit.

The tests run inside a transaction that never commits, so what the services register with
``transaction.on_commit`` (the index writes) runs when ``committed()`` ends.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest
from django.db import connection
from django.utils import timezone

from search import selectors, services

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="PostgreSQL full-text search only")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 only")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield
    return run


def found(user, q, **options) -> list[tuple[str, int]]:
    """(kind, id) of every result, in order, following the cursors to the end."""
    results, cursor = [], None
    while True:
        page = selectors.search(user, q, cursor=cursor, **options)
        results.extend((result.kind, result.id) for result in page.results)
        cursor = page.next_cursor
        if cursor is None:
            return results


def ids(user, q, kind="post", **options) -> set[int]:
    return {pk for k, pk in found(user, q, **options) if k == kind}


_next_id = iter(range(1_000_000, 2_000_000))


def put(kind="post", *, group=None, title="", body="", author=None, created=None,
        audience=None, extra=None, object_id=None) -> int:
    """Index one entry directly (for what no content app makes yet, such as documents)."""
    object_id = object_id or next(_next_id)
    services.index(kind, object_id, group_id=getattr(group, "pk", group),
                   author_id=getattr(author, "pk", author), title=title, body=body,
                   created=created or timezone.now(), url=f"/{kind}/{object_id}/",
                   extra=extra, audience=audience)
    return object_id


def at(year, month, day, hour=12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))
