"""Every write to the document libraries: uploads, versions, changes, the trash, folders and
the text read from files.

Each service checks permission, runs in one transaction and registers its events (and the
text extraction task) on commit. Files are written to storage inside the transaction and
removed again if it fails, so a failed upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from documents import events, filetypes, permissions, search_index, selectors
from documents.models import UNREADABLE, Document, DocumentVersion, Folder
from groups.models import Group
from network.realtime import group_stream, send_event_on_commit

logger = logging.getLogger(__name__)

Extraction = DocumentVersion.Extraction
UNCHANGED = object()
NAME_MAX = 255
FOLDER_NAME_MAX = 120
EXTRACTION_ERROR_MAX = 300


class FileTooLarge(ValidationError):
    """A file is over RELAIS_UPLOAD_MAX_BYTES (answered with 413 by the views and the API)."""


@dataclass
class CheckedFile:
    upload: object
    name: str
    original_name: str
    content_type: str
    notice: str = ""


@dataclass
class UploadResult:
    documents: list[Document]
    notices: list[str] = field(default_factory=list)


def _limit(name: str) -> int:
    return settings.RELAIS_LIMITS[name]


def _storage():
    return DocumentVersion._meta.get_field("file").storage


def _delete_files(names: list[str]) -> None:
    storage = _storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the stored file %s", name, exc_info=True)


# --- Names and checks ------------------------------------------------------------------------

def _clean_text(value: str) -> str:
    """``value`` without control characters, its spaces collapsed."""
    value = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                    for c in value or "")
    return " ".join(value.split())


def clean_file_name(name: str) -> str:
    """The last part of a file name an upload came with, fit to show (never a path)."""
    name = _clean_text(os.path.basename((name or "").replace("\\", "/"))).strip(". ")
    if len(name) > NAME_MAX:
        stem, extension = os.path.splitext(name)
        extension = extension[:20]
        name = stem[: NAME_MAX - len(extension)] + extension
    return name or "document"


def _clean_document_name(name: str) -> str:
    cleaned = _clean_text(name)
    if not cleaned:
        raise ValidationError({"name": _("Give the document a name.")})
    if len(cleaned) > NAME_MAX:
        raise ValidationError({"name": _("A name can be %(limit)s characters at most.")
                                       % {"limit": NAME_MAX}})
    return cleaned


def _clean_description(description: str) -> str:
    description = (description or "").replace("\x00", "").strip()
    limit = _limit("document_description_chars")
    if len(description) > limit:
        raise ValidationError({"description": _("A description can be %(limit)s characters at "
                                                "most (this one has %(count)s).")
                                              % {"limit": limit, "count": len(description)}})
    return description


def size_in_mb(size: int, *, up: bool = False) -> str:
    """Megabytes for a message: a file's size is rounded up, a limit down, so a file just
    over the limit never reads as equal to it."""
    tenths = size * 10 / 1_048_576
    tenths = math.ceil(tenths) if up else math.floor(tenths)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def check_file(upload) -> CheckedFile:
    """``upload``'s real kind and the name to store it under; refused (ValidationError, or
    FileTooLarge) when it is empty, too large or of a kind the library does not accept."""
    original = clean_file_name(getattr(upload, "name", "") or "")
    limit = _limit("upload_bytes")
    if upload.size > limit:
        raise FileTooLarge(_("“%(name)s” is too large (%(size)s MB): files can be %(limit)s MB "
                             "at most.") % {"name": original,
                                            "size": size_in_mb(upload.size, up=True),
                                            "limit": size_in_mb(limit)}, code="file_too_large")
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": original}, code="empty")
    detected = filetypes.detect(upload, original)
    real = filetypes.file_type(detected.content_type)
    if not filetypes.is_allowed(detected.content_type):
        if detected.renamed_from:
            message = _("“%(name)s” is not what its name says: its content is of the kind "
                        "“%(real)s”, which cannot be shared here.")
        else:
            message = _("“%(name)s” cannot be shared here: its content is of the kind "
                        "“%(real)s”.")
        message = message % {"name": original, "real": real.label}
        accepted = _("Accepted: %(kinds)s.") % {"kinds": filetypes.allowed_extensions()}
        raise ValidationError(f"{message} {accepted}", code="refused_type")
    notice = ""
    if detected.renamed_from:
        notice = (_("“%(name)s” is not what its name says: its content is of the kind "
                    "“%(real)s”, so it was saved as “%(saved)s”.")
                  % {"name": original, "real": real.label, "saved": detected.name})
    return CheckedFile(upload, clean_file_name(detected.name), original, detected.content_type,
                       notice)


def check_files(files, *, field_name: str = "files") -> list[CheckedFile]:
    """Every file checked; all refusals at once, naming each file and the limit it broke."""
    files = list(files or [])
    if not files:
        raise ValidationError({field_name: _("Choose at least one file.")})
    limit = _limit("documents_per_upload")
    if len(files) > limit:
        message = ngettext("Upload %(limit)s file at most at once (you chose %(count)s).",
                           "Upload %(limit)s files at most at once (you chose %(count)s).",
                           limit)
        raise ValidationError({field_name: message % {"limit": limit, "count": len(files)}})
    checked, refusals, too_large = [], [], []
    for upload in files:
        try:
            checked.append(check_file(upload))
        except FileTooLarge as error:
            too_large.extend(error.messages)
        except ValidationError as error:
            refusals.extend(error.messages)
    if refusals:
        raise ValidationError({field_name: too_large + refusals})
    if too_large:
        raise FileTooLarge({field_name: too_large})
    return checked


def _check_folder(group: Group, folder: Folder | None) -> None:
    if folder is not None and folder.group_id != group.id:
        raise ValidationError({"folder": _("There is no such folder in this library.")})


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


# --- Documents -------------------------------------------------------------------------------

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


def update_document(*, actor: User, document: Document, name: str | None = None,
                    description: str | None = None, folder=UNCHANGED) -> Document:
    """Rename, describe or move (within its group: ``folder`` None is the library's root)."""
    permissions.check_can_change(actor, document)
    changed = []
    if name is not None:
        name = _clean_document_name(name)
        if name != document.name:
            document.name = name
            changed.append("name")
    if description is not None:
        description = _clean_description(description)
        if description != document.description:
            document.description = description
            changed.append("description")
    if folder is not UNCHANGED:
        _check_folder(document.group, folder)
        if (folder.id if folder else None) != document.folder_id:
            document.folder = folder
            changed.append("folder")
    if not changed:
        return document
    with transaction.atomic():
        document.updated = timezone.now()
        document.save(update_fields=[*changed, "updated"])
        search_index.index_document(document)
        send_event_on_commit(group_stream(document.group_id),
                             events.document_updated(document, changed=changed))
    return document


def rename_document(*, actor: User, document: Document, name: str) -> Document:
    return update_document(actor=actor, document=document, name=name)


def describe_document(*, actor: User, document: Document, description: str) -> Document:
    return update_document(actor=actor, document=document, description=description)


def move_document(*, actor: User, document: Document, folder: Folder | None) -> Document:
    return update_document(actor=actor, document=document, folder=folder)


# --- The trash -------------------------------------------------------------------------------

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


# --- Folders ---------------------------------------------------------------------------------

def _clean_folder_name(name: str) -> str:
    cleaned = _clean_text(name)
    if not cleaned:
        raise ValidationError({"name": _("Give the folder a name.")})
    if len(cleaned) > FOLDER_NAME_MAX:
        raise ValidationError({"name": _("A folder name can be %(limit)s characters at most.")
                                       % {"limit": FOLDER_NAME_MAX}})
    return cleaned


def _check_unique_folder_name(group: Group, parent: Folder | None, name: str,
                              exclude: Folder | None = None) -> None:
    siblings = Folder.objects.filter(group=group, parent=parent, name__iexact=name,
                                     is_attachments=False)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        raise ValidationError({"name": _("There is already a folder named “%(name)s” here.")
                                       % {"name": name}})


def create_folder(*, actor: User, group: Group, name: str, parent: Folder | None = None
                  ) -> Folder:
    permissions.check_can_upload(actor, group)
    _check_folder(group, parent)
    name = _clean_folder_name(name)
    if len(selectors.breadcrumbs(parent)) >= selectors.MAX_FOLDER_DEPTH:
        raise ValidationError({"parent": _("Folders can be nested %(limit)s deep at most.")
                                         % {"limit": selectors.MAX_FOLDER_DEPTH}})
    with transaction.atomic():
        _check_unique_folder_name(group, parent, name)
        folder = Folder.objects.create(group=group, parent=parent, name=name, created_by=actor)
        send_event_on_commit(group_stream(group.id), events.folder_created(folder))
    return folder


def rename_folder(*, actor: User, folder: Folder, name: str) -> Folder:
    permissions.check_can_manage_folder(actor, folder)
    name = _clean_folder_name(name)
    if name == folder.name:
        return folder
    with transaction.atomic():
        _check_unique_folder_name(folder.group, folder.parent, name, exclude=folder)
        folder.name = name
        folder.save(update_fields=["name"])
        send_event_on_commit(group_stream(folder.group_id), events.folder_updated(folder))
    return folder


def delete_folder(*, actor: User, folder: Folder) -> None:
    """Only an empty folder goes; documents of it still in the trash come back at the root."""
    permissions.check_can_manage_folder(actor, folder)
    with transaction.atomic():
        documents = folder.documents.filter(trashed_at__isnull=True).count()
        children = folder.children.count()
        if documents or children:
            raise ValidationError(_("Only an empty folder can be deleted: move or delete what "
                                    "it holds first (documents: %(documents)s, folders: "
                                    "%(folders)s).")
                                  % {"documents": documents, "folders": children})
        ref = {"folder_id": folder.id, "group_id": folder.group_id,
               "parent_id": folder.parent_id}
        folder.delete()
        send_event_on_commit(group_stream(ref["group_id"]), events.folder_deleted(**ref))


def attachments_folder(group: Group) -> Folder:
    """The group's folder for files attached to posts and messages, made the first time."""
    folder, _created = Folder.objects.get_or_create(
        group=group, is_attachments=True, defaults={"name": "Attachments", "parent": None})
    return folder


# --- Files attached to posts and messages ----------------------------------------------------
# They are documents of the group's library, in its Attachments folder: checked, read, found,
# downloaded and trashed like any other. Feed and chat keep which post or message each one is
# attached to; documents imports neither of them.

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


# --- Text extraction -------------------------------------------------------------------------

@contextlib.contextmanager
def _local_path(version: DocumentVersion):
    """A path on this machine holding the version's bytes (storage may be remote)."""
    try:
        yield version.file.path
        return
    except NotImplementedError:
        pass
    suffix = f".{version.file_type.extension}" if version.file_type.extension else ""
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, version.file.open("rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield copy.name


def _source_language(reason) -> str:
    # Stored untranslated; the pages translate it into each reader's language.
    with translation.override(None):
        return str(reason)[:EXTRACTION_ERROR_MAX]


def extract_text(version_id: int) -> str | None:
    """Read and store the text of a version, once: a version already read (or being read by
    another worker that finishes first) is left as it is. Returns the version's status, None
    when it no longer exists."""
    from documents import extraction

    version = DocumentVersion.objects.select_related("document").filter(id=version_id).first()
    if version is None or version.extraction_status != Extraction.PENDING:
        return version.extraction_status if version else None
    text, code, reason = "", "", ""
    try:
        with _local_path(version) as path:
            text = extraction.extract(path, version.content_type)
        status = Extraction.DONE
    except extraction.UnsupportedType:
        status = Extraction.UNSUPPORTED
    except extraction.ExtractionFailed as error:
        status, code = Extraction.FAILED, str(getattr(error, "code", ""))[:40]
        reason = _source_language(getattr(error, "reason", UNREADABLE))
    except Exception:
        logger.exception("Reading the text of document version %s failed", version_id)
        status, reason = Extraction.FAILED, _source_language(UNREADABLE)
    with transaction.atomic():
        updated = DocumentVersion.objects.filter(
            id=version_id, extraction_status=Extraction.PENDING).update(
            text=(text or "").replace("\x00", ""), extraction_status=status,
            extraction_code=code, extraction_error=reason, extracted_at=timezone.now())
        if updated:
            version.extraction_status = status
            search_index.index_document(version.document)
            send_event_on_commit(group_stream(version.document.group_id),
                                 events.text_extracted(version))
    return status
