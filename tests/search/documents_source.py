"""A stand-in for documents.search_index in the reindex tests: the shape search_reindex
expects from any app (search/sources.py)."""

from django.utils import timezone

from search.services import Document

KINDS = ("document",)
LIBRARY: list[dict] = []


def search_count(kind):
    return len(LIBRARY)


def search_documents(kind):
    for item in LIBRARY:
        yield Document(kind="document", object_id=item["id"], group_id=item["group_id"],
                       author_id=None, title=item["name"], body=item["text"],
                       created=timezone.now(), url=f"/documents/{item['id']}/",
                       extra={"file_type": "pdf"})
