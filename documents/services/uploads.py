"""Files into the library: uploads of new documents, new versions of one, and the files
attached to posts and messages.

Attached files are documents of the group's library, in its Attachments folder: checked, read,
found, downloaded and trashed like any other. Feed and chat keep which post or message each
one is attached to; documents imports neither of them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from documents import events, permissions, search_index
from documents.models import Document, DocumentVersion, Folder
from documents.services._common import _check_folder, _delete_files
from documents.services.checks import CheckedFile, check_files
from documents.services.folders import attachments_folder
from groups.models import Group
from network.realtime import group_stream, send_event_on_commit


@dataclass
class UploadResult:
    documents: list[Document]
    notices: list[str] = field(default_factory=list)


def _enqueue_extraction(version_id: int) -> None:
    from documents.tasks import extract_document_text

    transaction.on_commit(lambda: extract_document_text.enqueue(version_id))


def _store_version(document: Document, checked: CheckedFile, uploader: User, number: int,
                   stored: list[str]) -> DocumentVersion:
    version = DocumentVersion(document=document, number=number, size=checked.upload.size,
                              content_type=checked.content_type,
                              original_name=checked.original_name, uploaded_by=uploader)
    checked.upload.seek(0)
    version.file.save("upload", checked.upload, save=False)
    stored.append(version.file.name)
    version.save()
    return version


@contextlib.contextmanager
def removing_files_on_failure():
    """Around a transaction that stores files (here, or a post or message with attachments):
    yields the list the stored names go into, and deletes those files if it fails."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        _delete_files(stored)
        raise


def upload_documents(*, uploader: User, group: Group, files, folder: Folder | None = None
                     ) -> UploadResult:
    """Add ``files`` to the library, in ``folder`` (None: the root). All or nothing: one
    refused file refuses the upload, with every refusal named."""
    permissions.check_can_upload(uploader, group)
    _check_folder(group, folder)
    checked = check_files(files)
    notices = [item.notice for item in checked if item.notice]
    existing = set(Document.objects.filter(group=group, folder=folder, trashed_at__isnull=True,
                                           name__in=[item.name for item in checked])
                   .values_list("name", flat=True))
    for name in sorted(existing):
        notices.append(_("A document named “%(name)s” was already here: both are kept. To "
                         "replace a document, add a new version of it.") % {"name": name})
    with removing_files_on_failure() as stored, transaction.atomic():
        documents = _create_documents(group, folder, checked, uploader, stored)
    return UploadResult(documents, notices)


def _create_documents(group: Group, folder: Folder | None, checked: list[CheckedFile],
                      uploader: User, stored: list[str]) -> list[Document]:
    documents = []
    now = timezone.now()
    for item in checked:
        document = Document.objects.create(group=group, folder=folder, name=item.name,
                                           uploaded_by=uploader, created=now, updated=now)
        version = _store_version(document, item, uploader, 1, stored)
        document.current_version = version
        document.save(update_fields=["current_version"])
        documents.append(document)
        _enqueue_extraction(version.id)
        search_index.index_document(document)
        send_event_on_commit(group_stream(group.id), events.document_created(document))
    return documents


def add_version(*, actor: User, document: Document, upload) -> DocumentVersion:
    """A new version of ``document``: it becomes the current one; the earlier ones are kept.
    The version's ``notice`` says when the file was saved under another name."""
    permissions.check_can_change(actor, document)
    checked = check_files([upload], field_name="file")[0]
    with removing_files_on_failure() as stored, transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = _store_version(locked, checked, actor, last + 1, stored)
        locked.current_version = version
        locked.updated = timezone.now()
        locked.save(update_fields=["current_version", "updated"])
        _enqueue_extraction(version.id)
        search_index.index_document(locked)
        send_event_on_commit(group_stream(locked.group_id), events.version_added(locked))
    document.current_version, document.updated = version, locked.updated
    version.notice = checked.notice
    return version


def check_attachments(files, *, field_name: str = "attachments") -> list[CheckedFile]:
    """Files to attach, checked as uploads to the library are (size, kind by content, count);
    none at all is fine. Refusals are given under ``field_name``."""
    files = list(files or [])
    return check_files(files, field_name=field_name) if files else []


def attach_files(*, uploader: User, group: Group, checked: list[CheckedFile],
                 stored: list[str], checked_by_caller: bool = False) -> list[Document]:
    """Documents of ``group``'s Attachments folder for the files of a post or a message, in
    their order. Runs inside the caller's transaction, so they exist only with their post or
    message; the stored files' names go into ``stored`` (from ``removing_files_on_failure``
    around that transaction), so a failure leaves no file behind. ``checked_by_caller``: the
    caller already decided the uploader may write there without being a member (a request
    filed on a desk open to all staff)."""
    if not checked:
        return []
    if not checked_by_caller:
        permissions.check_can_upload(uploader, group)
    return _create_documents(group, attachments_folder(group), checked, uploader, stored)


