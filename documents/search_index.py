"""What documents give search: each document not in the trash, with its name, description and
the text of its current version, as plain data. Used by documents.services and search_reindex."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from documents import filetypes
from documents.models import Document
from search import services as search
from search.services import Document as SearchDocument

KINDS = ("document",)


def search_document(document: Document) -> SearchDocument:
    version = document.current_version
    body = " ".join(p for p in (document.description, version.text if version else "") if p)
    return SearchDocument(
        kind="document", object_id=document.id, group_id=document.group_id,
        author_id=document.uploaded_by_id, title=document.name, body=body,
        created=document.created, url=reverse("documents:detail", args=[document.id]),
        extra={"file_type": filetypes.icon(version.content_type) if version else "file",
               "folder_id": document.folder_id})


def index_document(document: Document) -> None:
    """Index as committed: a document in the trash (or deleted) by then is no longer found."""
    document_id = document.id

    def committed():
        found = (Document.objects.select_related("current_version")
                 .filter(id=document_id, trashed_at__isnull=True).first())
        if found is None:
            search.unindex("document", [document_id])
            return None
        return search_document(found)

    search.index_later(committed)


def unindex_documents(document_ids: list[int]) -> None:
    search.unindex_on_commit("document", document_ids)


def search_count(kind: str) -> int:
    return Document.objects.filter(trashed_at__isnull=True).count()


def search_documents(kind: str) -> Iterator[SearchDocument]:
    documents = (Document.objects.filter(trashed_at__isnull=True)
                 .select_related("current_version").order_by("id"))
    for document in documents.iterator(chunk_size=100):
        yield search_document(document)
