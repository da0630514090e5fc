"""What groups give search: each group's name and description, as plain data (search imports
no content app). Who finds a group is decided by search itself (listed_groups). Used by
groups.services on commit and by search_reindex."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from groups.models import Group
from search import services as search
from search.services import Document

KINDS = ("group",)


def group_document(group: Group) -> Document:
    return Document(kind="group", object_id=group.id, group_id=group.id, author_id=None,
                    title=group.name, body=group.description, created=group.created,
                    url=reverse("groups:detail", args=[group.slug]),
                    extra={"visibility": group.visibility, "colour": group.colour,
                           **({"archived": True} if group.archived_at else {})})


def index_group(group: Group) -> None:
    """Index a group as committed."""
    group_id = group.id

    def committed() -> Document | None:
        found = Group.objects.filter(id=group_id).first()
        return group_document(found) if found else None

    search.index_later(committed)


def search_count(kind: str) -> int:
    return Group.objects.count()


def search_documents(kind: str) -> Iterator[Document]:
    for group in Group.objects.order_by("id").iterator(chunk_size=1000):
        yield group_document(group)
