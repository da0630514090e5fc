"""Folders of a library: create, rename, delete, and each group's Attachments folder."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from documents import events, permissions, selectors
from documents.models import Folder
from documents.services._common import _check_folder, _clean_text
from groups.models import Group
from network.realtime import group_stream, send_event_on_commit

FOLDER_NAME_MAX = 120


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


