"""The shapes of the documents API (/api/v1/): what goes in and what comes out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field

from documents import filetypes
from documents.models import Document, DocumentVersion, Folder


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text: refused here it is a 422, not a database error.
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character, which is not allowed."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class GroupRef(Schema):
    id: int
    slug: str
    name: str


class PersonRef(Schema):
    id: int
    display_name: str


class FolderOut(Schema):
    id: int
    name: str
    parent_id: int | None
    is_attachments: bool = Field(description="The folder for files attached to posts and "
                                             "messages; it cannot be renamed or deleted.")
    url: str

    @staticmethod
    def resolve_name(folder: Folder):
        return str(folder.label)

    @staticmethod
    def resolve_url(folder: Folder):
        return reverse("documents:folder", args=[folder.group.slug, folder.id])


class VersionOut(Schema):
    number: int
    name: str = Field(description="The file's name when it was uploaded.")
    size: int
    content_type: str = Field(description="The kind of file, judged by its content.")
    uploaded_by: PersonRef | None
    created: datetime
    extraction_status: str = Field(description="pending, done, failed or unsupported.")
    extraction_error: str = Field(description="Why the text could not be read (failed).")
    download_url: str

    @staticmethod
    def resolve_name(version: DocumentVersion):
        return version.original_name

    @staticmethod
    def resolve_extraction_error(version: DocumentVersion):
        return version.extraction_reason

    @staticmethod
    def resolve_download_url(version: DocumentVersion):
        return (reverse("api:download_document", args=[version.document_id])
                + f"?version={version.number}")


class DocumentOut(Schema):
    id: int
    group: GroupRef
    folder_id: int | None
    name: str
    description: str
    kind: str = Field(description="What the file is, in words (\"PDF document\").")
    content_type: str
    size: int
    version: int
    uploaded_by: PersonRef | None
    created: datetime
    updated: datetime
    extraction_status: str
    url: str = Field(description="The document's page.")
    download_url: str = Field(description="The current version's file.")

    @staticmethod
    def resolve_kind(document: Document):
        return filetypes.label(document.current_version.content_type)

    @staticmethod
    def resolve_content_type(document: Document):
        return document.current_version.content_type

    @staticmethod
    def resolve_size(document: Document):
        return document.current_version.size

    @staticmethod
    def resolve_version(document: Document):
        return document.current_version.number

    @staticmethod
    def resolve_extraction_status(document: Document):
        return document.current_version.extraction_status

    @staticmethod
    def resolve_url(document: Document):
        return reverse("documents:detail", args=[document.id])

    @staticmethod
    def resolve_download_url(document: Document):
        return reverse("api:download_document", args=[document.id])


class DocumentDetailOut(DocumentOut):
    versions: list[VersionOut] = Field(description="Newest first.")
    can_change: bool = Field(description="Whether you may rename, describe, move, replace or "
                                         "delete it.")
    extraction_error: str

    @staticmethod
    def resolve_versions(document: Document):
        listed = getattr(document, "versions_list", None)
        return listed if listed is not None else list(
            document.versions.select_related("uploaded_by").order_by("-number"))

    @staticmethod
    def resolve_extraction_error(document: Document):
        return document.current_version.extraction_reason


class LibraryOut(Schema):
    folder: FolderOut | None = Field(description="The folder listed; null for the root.")
    path: list[FolderOut] = Field(description="The folders from the root down to this one.")
    folders: list[FolderOut] = Field(description="Its folders (first page only).")
    items: list[DocumentOut]
    next_cursor: str | None


class UploadOut(Schema):
    items: list[DocumentOut]
    notices: list[str] = Field(description="What was done differently from what was asked: a "
                                           "file saved under its real extension, a name "
                                           "already in the folder.")


class TrashItemOut(DocumentOut):
    trashed_at: datetime
    trashed_by: PersonRef | None


class TrashOut(Schema):
    items: list[TrashItemOut]


class DocumentPatch(Schema):
    name: Text | None = None
    description: Text | None = None
    folder_id: int | None = Field(None, description="null moves it to the library's root.")


class FolderIn(Schema):
    name: Text
    parent_id: int | None = None


class FolderPatch(Schema):
    name: Text
