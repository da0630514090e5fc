"""The trash: moving documents (and the files of a deleted post or message) there, restoring
them, and purging those whose time there is up."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from documents import events, permissions, search_index, selectors
from documents.models import Document, DocumentVersion
from documents.services._common import _delete_files
from network.realtime import group_stream, send_event_on_commit


def _schedule_purge() -> None:
    """Queue a sweep for when this document's time in the trash is up, where the task backend
    can wait; ``manage.py purge_document_trash`` (cron) sweeps in any case."""
    from documents.tasks import purge_document_trash

    if purge_document_trash.get_backend().supports_defer:
        run_after = timezone.now() + timedelta(days=selectors.trash_days(), minutes=5)
        transaction.on_commit(lambda: purge_document_trash.using(run_after=run_after).enqueue())


def trash_document(*, actor: User, document: Document) -> Document:
    """Move to the trash: gone from the library, restorable for RELAIS_DOCUMENT_TRASH_DAYS."""
    permissions.check_can_change(actor, document)
    with transaction.atomic():
        document.trashed_at, document.trashed_by = timezone.now(), actor
        document.save(update_fields=["trashed_at", "trashed_by"])
        search_index.index_document(document)  # finds it in the trash: unindexes it
        send_event_on_commit(group_stream(document.group_id), events.document_trashed(document))
        _schedule_purge()
    return document


def restore_document(*, actor: User, document: Document) -> Document:
    """Back where it was (at the root if its folder is gone): by its uploader or the
    group's admins, within the retention period."""
    permissions.check_can_restore(actor, document)
    with transaction.atomic():
        document.trashed_at, document.trashed_by = None, None
        document.updated = timezone.now()
        document.save(update_fields=["trashed_at", "trashed_by", "updated"])
        search_index.index_document(document)
        send_event_on_commit(group_stream(document.group_id),
                             events.document_restored(document))
    return document


def purge_trash(*, now=None, batch_size: int = 200) -> int:
    """Delete for good, with their files, the documents in the trash for longer than the
    retention period; returns how many. Safe to run at any time and twice."""
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(selectors.expired_trash(now).order_by("id")
                       .values_list("id", flat=True)[:batch_size])
            if not ids:
                return purged
            names = list(DocumentVersion.objects.filter(document_id__in=ids)
                         .values_list("file", flat=True))
            Document.objects.filter(id__in=ids).update(current_version=None)
            Document.objects.filter(id__in=ids).delete()
            search_index.unindex_documents(ids)
            transaction.on_commit(partial(_delete_files, names))
        purged += len(ids)


def trash_attachments(*, actor: User, document_ids) -> int:
    """Move to the trash the documents attached to a post or a message that ``actor`` is
    deleting (the caller has checked that they may). Like any trashed document they can be
    restored by their uploader and the group's admins for RELAIS_DOCUMENT_TRASH_DAYS; those
    already in the trash are left as they are. Returns how many were moved."""
    with transaction.atomic():
        documents = list(Document.objects.select_related("current_version")
                         .filter(id__in=list(document_ids), trashed_at__isnull=True))
        if not documents:
            return 0
        now = timezone.now()
        Document.objects.filter(id__in=[d.id for d in documents]).update(trashed_at=now,
                                                                         trashed_by=actor)
        for document in documents:
            document.trashed_at, document.trashed_by = now, actor
            search_index.index_document(document)  # finds it in the trash: unindexes it
            send_event_on_commit(group_stream(document.group_id),
                                 events.document_trashed(document))
        _schedule_purge()
    return len(documents)


