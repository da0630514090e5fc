"""Changes to a document: its name, its description and its folder."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from documents import events, permissions, search_index
from documents.models import Document, Folder
from documents.services._common import _check_folder, _clean_text, _limit
from documents.services.checks import NAME_MAX
from network.realtime import group_stream, send_event_on_commit

# ``folder`` of update_document when the document stays where it is (None means the root).
UNCHANGED = object()


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


