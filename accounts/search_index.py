"""What accounts give search: people (name, job title, department, email), as plain data.
Who finds a person is the directory's rule (accounts.selectors.visible_people), applied by
search itself; deactivated accounts are not indexed. Used by accounts.services on commit and
by search_reindex."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from accounts.models import User
from search import services as search
from search.services import Document

KINDS = ("person",)


def person_document(user: User) -> Document:
    return Document(kind="person", object_id=user.id, group_id=None, author_id=None,
                    title=user.display_name,
                    body=" · ".join(part for part in (user.job_title, user.department,
                                                      user.email) if part),
                    created=user.date_joined, url=reverse("accounts:profile", args=[user.id]),
                    extra={"job_title": user.job_title, "department": user.department,
                           **({"guest": True} if user.is_guest else {})})


def index_person(user: User) -> None:
    """Index an account as committed: an active one is found, an inactive one no more."""
    user_id = user.id

    def committed() -> Document | None:
        found = User.objects.filter(id=user_id, is_active=True).first()
        if found is None:
            search.unindex("person", [user_id])
            return None
        return person_document(found)

    search.index_later(committed)


def search_count(kind: str) -> int:
    return User.objects.filter(is_active=True).count()


def search_documents(kind: str) -> Iterator[Document]:
    for user in User.objects.filter(is_active=True).order_by("id").iterator(chunk_size=1000):
        yield person_document(user)
