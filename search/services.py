"""Every write to the search index. Content apps call these with plain data (DESIGN.md,
"Search"): search imports none of them.

Content services register their writes with ``index_on_commit`` / ``unindex_on_commit`` so
the index changes only once their own transaction has committed. A failure there is logged,
not raised: the content is saved, and ``manage.py search_reindex`` repairs the index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from search.models import AudienceMember, Entry, Kind
from search.text import clean

TITLE_MAX = Entry._meta.get_field("title").max_length
URL_MAX = Entry._meta.get_field("url").max_length
AUDIENCE_MAX = Entry._meta.get_field("audience").max_length
UPSERT_FIELDS = ["group", "author", "audience", "title", "body", "created", "url", "extra",
                 "indexed_at"]


@dataclass
class Document:
    """One thing to index, as a content app describes it."""

    kind: str
    object_id: int
    group_id: int | None
    author_id: int | None
    title: str
    body: str
    created: datetime
    url: str
    extra: dict = field(default_factory=dict)
    audience: str | None = None


def _entry(document: Document, now: datetime) -> Entry:
    if document.kind not in Kind.values:
        raise ValueError(f"unknown search kind: {document.kind!r}")
    if document.audience is not None and len(document.audience) > AUDIENCE_MAX:
        raise ValueError(f"audience key longer than {AUDIENCE_MAX} characters")
    if len(document.url) > URL_MAX:
        raise ValueError(f"url longer than {URL_MAX} characters")
    return Entry(kind=document.kind, object_id=document.object_id, group_id=document.group_id,
                 author_id=document.author_id, audience=document.audience,
                 title=clean(document.title, limit=TITLE_MAX),
                 body=clean(document.body, limit=settings.RELAIS_LIMITS["search_body_chars"]),
                 created=document.created, url=document.url, extra=document.extra or {},
                 indexed_at=now)


def index_many(documents: Iterable[Document]) -> int:
    """Add or replace entries (one statement per call: search_reindex sends batches)."""
    now = timezone.now()
    entries = [_entry(document, now) for document in documents]
    if not entries:
        return 0
    Entry.objects.bulk_create(entries, update_conflicts=True,
                              unique_fields=["kind", "object_id"], update_fields=UPSERT_FIELDS)
    return len(entries)


def index(kind: str, object_id: int, *, group_id: int | None, author_id: int | None,
          title: str, body: str, created: datetime, url: str, extra: dict | None = None,
          audience: str | None = None) -> None:
    """Add or replace the entry of one thing."""
    index_many([Document(kind=kind, object_id=object_id, group_id=group_id,
                         author_id=author_id, title=title, body=body, created=created, url=url,
                         extra=extra or {}, audience=audience)])


def unindex(kind: str, object_ids: Iterable[int]) -> int:
    """Remove the entries of these things (those not indexed are ignored)."""
    ids = list(object_ids)
    if not ids:
        return 0
    deleted, _ = Entry.objects.filter(kind=kind, object_id__in=ids).delete()
    return deleted


def set_audience(key: str, user_ids: Iterable[int]) -> None:
    """Who may find the entries whose audience is ``key``: exactly these people."""
    if len(key) > AUDIENCE_MAX:
        raise ValueError(f"audience key longer than {AUDIENCE_MAX} characters")
    wanted = set(user_ids)
    with transaction.atomic():
        AudienceMember.objects.filter(key=key).exclude(user_id__in=wanted).delete()
        AudienceMember.objects.bulk_create([AudienceMember(key=key, user_id=uid)
                                            for uid in sorted(wanted)], ignore_conflicts=True)


def index_on_commit(kind: str, object_id: int, **fields) -> None:
    """``index`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: index(kind, object_id, **fields), robust=True)


def index_later(build: Callable[[], Document | None]) -> None:
    """Once the transaction commits, index what ``build`` returns (None: nothing to index).

    Content apps build the Document then, from the content as it was committed: later
    changes in the same transaction are included, and content deleted meanwhile is skipped.
    """
    def run():
        document = build()
        if document is not None:
            index_many([document])

    transaction.on_commit(run, robust=True)


def unindex_on_commit(kind: str, object_ids: Iterable[int]) -> None:
    ids = list(object_ids)
    transaction.on_commit(lambda: unindex(kind, ids), robust=True)


def set_audience_on_commit(key: str, user_ids: Iterable[int]) -> None:
    ids = list(user_ids)
    transaction.on_commit(lambda: set_audience(key, ids), robust=True)


def remove_stale(kind: str, *, indexed_before: datetime) -> int:
    """Remove the entries of ``kind`` not rewritten since ``indexed_before`` (search_reindex:
    what no longer exists, or may no longer be found)."""
    deleted, _ = Entry.objects.filter(kind=kind, indexed_at__lt=indexed_before).delete()
    return deleted

