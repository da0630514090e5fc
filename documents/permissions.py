"""Who may do what in a document library. Every read starts from
groups.selectors.visible_groups: a document you may not see does not exist for you (404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from documents import selectors
from documents.models import Document, DocumentVersion, Folder
from groups.models import Group
from groups.permissions import can_manage
from groups.selectors import visible_groups, visible_member_group_ids
from network.ids import parse_id


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


# --- Reading ---------------------------------------------------------------------------------

def can_see_library(user, group: Group) -> bool:
    return _active(user) and visible_groups(user).filter(pk=group.pk).exists()


def access_library(user, group: Group) -> Group:
    """``group`` if ``user`` may see its documents; 404 otherwise, as for a missing group."""
    if not can_see_library(user, group):
        raise Http404("No such library.")
    return group


def access_document(user, document_id) -> Document:
    """The document if ``user`` can see it and it is not in the trash; 404 otherwise."""
    document_id = parse_id(document_id)
    document = selectors.document_for(user, document_id) if document_id else None
    if document is None:
        raise Http404("No such document.")
    return document


def access_version(document: Document, number) -> DocumentVersion:
    """A version of a document already accessed; None asks for the current one."""
    if number is not None:
        number = parse_id(number)
        if number is None:
            raise Http404("No such version.")
    version = selectors.version_of(document, number)
    if version is None:
        raise Http404("No such version.")
    return version


def access_folder(user, group: Group, folder_id) -> Folder:
    folder_id = parse_id(folder_id)
    folder = (selectors.visible_folders(user).select_related("parent")
              .filter(group=group, id=folder_id).first() if folder_id else None)
    if folder is None:
        raise Http404("No such folder.")
    return folder


def access_trashed_document(user, document_id) -> Document:
    """A trashed document of a group ``user`` can see, still within the retention period."""
    document_id = parse_id(document_id)
    document = (Document.objects.select_related("group")
                .filter(id=document_id, group__in=visible_groups(user).values("id"),
                        trashed_at__gte=selectors.trash_cutoff()).first()
                if document_id else None)
    if document is None:
        raise Http404("No such document.")
    return document


# --- Writing ---------------------------------------------------------------------------------

def can_upload(user, group: Group) -> bool:
    """Those who may post in the group: its members (a guest while the group is open to
    guests) and organisation admins, while the group is not archived."""
    if not _active(user) or group.is_archived:
        return False
    return user.is_staff or visible_member_group_ids(user).filter(group_id=group.pk).exists()


def can_change(user, document: Document) -> bool:
    """Rename, describe, move, new version, trash: the uploader while they may still upload
    there, and the group's admins (organisation admins included)."""
    group = document.group
    if not _active(user) or group.is_archived:
        return False
    if can_manage(user, group):
        return True
    return document.uploaded_by_id == user.id and can_upload(user, group)


def can_restore(user, document: Document) -> bool:
    return (document.is_trashed and document.trashed_at >= selectors.trash_cutoff()
            and can_change(user, document))


def can_open_trash(user, group: Group) -> bool:
    return not group.is_archived and (can_manage(user, group) or can_upload(user, group))


def can_manage_folder(user, folder: Folder) -> bool:
    """Rename or delete a folder: whoever made it while they may upload, and the group's
    admins. The attachments folder belongs to the library itself."""
    group = folder.group
    if folder.is_attachments or not _active(user) or group.is_archived:
        return False
    if can_manage(user, group):
        return True
    return folder.created_by_id == user.id and can_upload(user, group)


def check(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def check_can_upload(user, group: Group) -> None:
    if group.is_archived:
        raise PermissionDenied(_("This group is archived; its library is read-only."))
    check(can_upload(user, group), _("Only members of the group can add documents to it."))


def check_can_change(user, document: Document) -> None:
    if document.group.is_archived:
        raise PermissionDenied(_("This group is archived; its library is read-only."))
    check(can_change(user, document),
          _("Only the person who uploaded this document and the group's admins can change it."))


def check_can_restore(user, document: Document) -> None:
    check_can_change(user, document)
    check(can_restore(user, document),
          _("This document was deleted more than %(days)s days ago and cannot be restored.")
          % {"days": selectors.trash_days()})


def check_can_open_trash(user, group: Group) -> None:
    check(can_open_trash(user, group),
          _("Only the group's members can see what they deleted from its library."))


def check_can_manage_folder(user, folder: Folder) -> None:
    if folder.is_attachments:
        raise PermissionDenied(_("The attachments folder cannot be renamed or deleted."))
    if folder.group.is_archived:
        raise PermissionDenied(_("This group is archived; its library is read-only."))
    check(can_manage_folder(user, folder),
          _("Only the person who made this folder and the group's admins can change it."))


def trash_scope(user, group: Group):
    """Whose trashed documents ``user`` sees in the trash: everyone's (None) for the group's
    admins, their own otherwise."""
    return None if can_manage(user, group) else user
