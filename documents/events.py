"""Event builders for document libraries (docs/realtime.md). JSON-only payloads without names
or text: a client fetches what it shows through the permission-checked views."""

from documents.models import Document, DocumentVersion, Folder


def _document_ref(document: Document) -> dict:
    version = document.current_version
    return {"id": document.id, "group_id": document.group_id, "folder_id": document.folder_id,
            "version": version.number if version else None}


def document_created(document: Document) -> dict:
    return {"type": "document.created", "document": _document_ref(document)}


def document_updated(document: Document, *, changed: list[str]) -> dict:
    return {"type": "document.updated", "document": _document_ref(document), "changed": changed}


def document_trashed(document: Document) -> dict:
    return {"type": "document.trashed", "document": _document_ref(document)}


def document_restored(document: Document) -> dict:
    return {"type": "document.restored", "document": _document_ref(document)}


def version_added(document: Document) -> dict:
    return {"type": "document.version_added", "document": _document_ref(document)}


def text_extracted(version: DocumentVersion) -> dict:
    document = version.document
    return {"type": "document.text_extracted", "document": _document_ref(document),
            "version": version.number, "status": version.extraction_status}


def _folder_ref(folder: Folder) -> dict:
    return {"id": folder.id, "group_id": folder.group_id, "parent_id": folder.parent_id}


def folder_created(folder: Folder) -> dict:
    return {"type": "folder.created", "folder": _folder_ref(folder)}


def folder_updated(folder: Folder) -> dict:
    return {"type": "folder.updated", "folder": _folder_ref(folder)}


def folder_deleted(*, folder_id: int, group_id: int, parent_id: int | None) -> dict:
    return {"type": "folder.deleted",
            "folder": {"id": folder_id, "group_id": group_id, "parent_id": parent_id}}
