"""/api/v1/ document libraries: thin adapters over documents.services and documents.selectors
(docs/api.md, "Documents")."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from documents import downloads, permissions, selectors, services
from documents.models import Document, Folder
from documents.schemas import (
    DocumentDetailOut,
    DocumentPatch,
    FolderIn,
    FolderOut,
    FolderPatch,
    LibraryOut,
    Text,
    TrashOut,
    UploadOut,
    VersionOut,
)
from groups.models import Group
from groups.permissions import access_group
from network.ids import parse_id

router = Router(tags=["documents"])


# --- Helpers ---------------------------------------------------------------------------------

def _limit(limit: int) -> int:
    return max(1, min(limit, settings.RELAIS_LIMITS["api_page_size"]))


def _id_cursor(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    position = parse_id(cursor)
    if position is None:
        raise HttpError(400, _("The cursor is not valid."))
    return position


def _library(user, slug: str) -> Group:
    return permissions.access_library(user, access_group(user, slug))


def _folder(user, group: Group, folder_id: int | None) -> Folder | None:
    """A folder of this library, named by the client: one that is not there is refused like
    any other bad input."""
    if folder_id is None:
        return None
    try:
        folder = permissions.access_folder(user, group, folder_id)
    except Http404:
        raise ValidationError({"folder": [_("There is no such folder in this library.")]}) \
            from None
    folder.group = group
    return folder


def _in_group(folders, group: Group) -> list[Folder]:
    folders = list(folders)
    for folder in folders:
        folder.group = group  # the schema's url needs the slug: no query per folder
    return folders


def _file_refused(error: ValidationError):
    """A file over the size limit is 413 with the limit named; other refusals stay 422."""
    if isinstance(error, services.FileTooLarge):
        raise HttpError(413, " ".join(error.messages)) from None
    raise error


def _detail(request, document: Document) -> Document:
    document = selectors.document_for(request.auth, document.id)
    document.versions_list = list(selectors.versions_of(document))
    document.can_change = permissions.can_change(request.auth, document)
    return document


# --- Libraries -------------------------------------------------------------------------------

@router.get("/groups/{slug}/documents", response=LibraryOut,
            summary="A folder of a group's library")
def list_documents(request, slug: Text, folder: int | None = None, cursor: Text | None = None,
                   limit: int = 50):
    """The folder's documents in creation order (keyset paging on the id), and on the first
    page its folders. Without `folder`, the library's root."""
    group = _library(request.auth, slug)
    current = permissions.access_folder(request.auth, group, folder) if folder else None
    after = _id_cursor(cursor)
    items, next_cursor = selectors.documents_by_id(group, current, after_id=after,
                                                   size=_limit(limit))
    folders = _in_group(selectors.subfolders(group, current), group) if not after else []
    return {"folder": current, "path": _in_group(selectors.breadcrumbs(current), group),
            "folders": folders, "items": items, "next_cursor": next_cursor}


@router.post("/groups/{slug}/documents", response={201: UploadOut},
             summary="Upload documents (multipart)")
def upload_documents(request, slug: Text, files: File[list[UploadedFile]],
                     folder: Form[int | None] = None):
    """`files`: one or more files; `folder`: the folder's id (none: the root)."""
    group = _library(request.auth, slug)
    target = _folder(request.auth, group, folder)
    try:
        result = services.upload_documents(uploader=request.auth, group=group, folder=target,
                                           files=files)
    except ValidationError as error:
        _file_refused(error)
    ids = [document.id for document in result.documents]
    items = sorted(selectors.visible_documents(request.auth).filter(id__in=ids)
                   .select_related("group", "uploaded_by", "current_version"),
                   key=lambda document: ids.index(document.id))
    return Status(201, {"items": items, "notices": result.notices})


@router.get("/groups/{slug}/documents/trash", response=TrashOut,
            summary="What you may restore from a library's trash")
def list_trash(request, slug: Text):
    """Everything for the group's admins, your own documents for other members; newest
    first. Documents stay restorable for `RELAIS_DOCUMENT_TRASH_DAYS` days."""
    group = _library(request.auth, slug)
    permissions.check_can_open_trash(request.auth, group)
    scope = permissions.trash_scope(request.auth, group)
    return {"items": list(selectors.trash_of(group, uploaded_by=scope)
                          .select_related("group")[:500])}


# --- Documents -------------------------------------------------------------------------------

@router.get("/documents/{int:document_id}", response=DocumentDetailOut, summary="One document")
def get_document(request, document_id: int):
    return _detail(request, permissions.access_document(request.auth, document_id))


@router.patch("/documents/{int:document_id}", response=DocumentDetailOut,
              summary="Rename, describe or move a document (uploader, group admins)")
def update_document(request, document_id: int, payload: DocumentPatch):
    """Only the fields present change; `"folder_id": null` moves it to the root."""
    document = permissions.access_document(request.auth, document_id)
    changes = payload.dict(exclude_unset=True)
    folder = services.UNCHANGED
    if "folder_id" in changes:
        folder = _folder(request.auth, document.group, changes["folder_id"])
    services.update_document(actor=request.auth, document=document, name=changes.get("name"),
                             description=changes.get("description"), folder=folder)
    return _detail(request, document)


@router.delete("/documents/{int:document_id}", response={204: None},
               summary="Move a document to the trash (uploader, group admins)")
def trash_document(request, document_id: int):
    document = permissions.access_document(request.auth, document_id)
    services.trash_document(actor=request.auth, document=document)
    return Status(204, None)


@router.post("/documents/{int:document_id}/restore", response=DocumentDetailOut,
             summary="Take a document out of the trash (uploader, group admins)")
def restore_document(request, document_id: int):
    document = permissions.access_trashed_document(request.auth, document_id)
    services.restore_document(actor=request.auth, document=document)
    return _detail(request, document)


@router.post("/documents/{int:document_id}/versions", response={201: VersionOut},
             summary="Upload a new version (multipart `file`)")
def add_version(request, document_id: int, file: File[UploadedFile]):
    document = permissions.access_document(request.auth, document_id)
    try:
        version = services.add_version(actor=request.auth, document=document, upload=file)
    except ValidationError as error:
        _file_refused(error)
    return Status(201, version)


@router.get("/documents/{int:document_id}/download", url_name="download_document",
            summary="The file of a document (the current version unless `version` is given)")
def download_document(request, document_id: int, version: int | None = None):
    """The file itself, as an attachment, with `X-Content-Type-Options: nosniff`."""
    document = permissions.access_document(request.auth, document_id)
    chosen = permissions.access_version(document, version)
    return downloads.file_response(document, chosen, immutable=version is not None)


# --- Folders ---------------------------------------------------------------------------------

@router.post("/groups/{slug}/folders", response={201: FolderOut}, summary="Create a folder")
def create_folder(request, slug: Text, payload: FolderIn):
    group = _library(request.auth, slug)
    parent = _folder(request.auth, group, payload.parent_id)
    folder = services.create_folder(actor=request.auth, group=group, name=payload.name,
                                    parent=parent)
    return Status(201, folder)


def _access_folder(user, folder_id: int) -> Folder:
    folder = (selectors.visible_folders(user).select_related("group", "parent")
              .filter(id=folder_id).first())
    if folder is None:
        raise Http404
    return folder


@router.patch("/folders/{int:folder_id}", response=FolderOut,
              summary="Rename a folder (its creator, group admins)")
def rename_folder(request, folder_id: int, payload: FolderPatch):
    folder = _access_folder(request.auth, folder_id)
    return services.rename_folder(actor=request.auth, folder=folder, name=payload.name)


@router.delete("/folders/{int:folder_id}", response={204: None},
               summary="Delete an empty folder (its creator, group admins)")
def delete_folder(request, folder_id: int):
    folder = _access_folder(request.auth, folder_id)
    services.delete_folder(actor=request.auth, folder=folder)
    return Status(204, None)
