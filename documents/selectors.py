"""Every read of the document libraries, scoped to the viewer through
groups.selectors.visible_groups. Trashed documents only appear in the trash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from documents.models import Document, DocumentVersion, Folder
from groups.models import Group
from groups.selectors import groups_for, visible_groups, visible_member_group_ids

LIBRARY_PAGE_SIZE = 100
RECENT_SIZE = 15
# Deep enough for any real filing plan, shallow enough for a breadcrumb.
MAX_FOLDER_DEPTH = 8


def trash_days() -> int:
    return settings.RELAIS_DOCUMENT_TRASH_DAYS


def trash_cutoff(now=None):
    """Documents trashed before this are past restoring, and purged."""
    return (now or timezone.now()) - timedelta(days=trash_days())


def _with_details(documents: QuerySet[Document]) -> QuerySet[Document]:
    return documents.select_related("group", "folder", "uploaded_by", "current_version")


def visible_documents(user) -> QuerySet[Document]:
    """Documents ``user`` may see: in their visible groups, not in the trash."""
    return Document.objects.filter(group__in=visible_groups(user).values("id"),
                                   trashed_at__isnull=True)


def visible_folders(user) -> QuerySet[Folder]:
    return Folder.objects.filter(group__in=visible_groups(user).values("id"))


def document_for(user, document_id: int) -> Document | None:
    return _with_details(visible_documents(user)).filter(id=document_id).first()


def versions_of(document: Document) -> QuerySet[DocumentVersion]:
    return document.versions.select_related("uploaded_by").order_by("-number")


def version_of(document: Document, number: int | None) -> DocumentVersion | None:
    if number is None:
        return document.current_version
    return document.versions.filter(number=number).first()


def attached_to(user, document: Document) -> list[dict]:
    """The posts and messages ``document`` is attached to that ``user`` may see, oldest first:
    ``[{"label", "url", "created"}]``. Each module of settings.RELAIS_DOCUMENT_ATTACHMENT_SOURCES
    (feed, chat: they build on documents, which imports neither) offers ``attached_to(user,
    document)`` with its own visibility rules, in a number of queries that does not grow with
    the attachments."""
    links = []
    for path in settings.RELAIS_DOCUMENT_ATTACHMENT_SOURCES:
        source = import_module(path)
        if not hasattr(source, "attached_to"):
            raise ImproperlyConfigured(f"document attachment source {path} has no attached_to")
        links.extend(source.attached_to(user, document))
    return sorted(links, key=lambda link: link["created"])


def breadcrumbs(folder: Folder | None) -> list[Folder]:
    """The folders from the library's root down to ``folder``."""
    path = []
    while folder is not None and len(path) <= MAX_FOLDER_DEPTH:
        path.append(folder)
        folder = folder.parent
    return path[::-1]


def subfolders(group: Group, folder: Folder | None) -> QuerySet[Folder]:
    """The folders in ``folder`` (None: the root), with how many documents and folders each
    holds, by name."""
    live = (Document.objects.filter(folder=OuterRef("pk"), trashed_at__isnull=True).order_by()
            .values("folder").annotate(total=Count("id")).values("total"))
    children = (Folder.objects.filter(parent=OuterRef("pk")).order_by()
                .values("parent").annotate(total=Count("id")).values("total"))
    return (Folder.objects.filter(group=group, parent=folder)
            .annotate(document_count=Coalesce(Subquery(live), 0),
                      folder_count=Coalesce(Subquery(children), 0))
            .order_by("-is_attachments", Lower("name"), "id"))


@dataclass
class LibraryPage:
    documents: list[Document]
    next_after: str | None


def _name_key(document: Document) -> str:
    return f"{document.name_key}|{document.id}"


def folder_documents(group: Group, folder: Folder | None, *, after: str | None = None,
                     size: int = LIBRARY_PAGE_SIZE) -> LibraryPage:
    """A page of the documents in ``folder`` by name; ``after`` is the previous page's
    ``next_after`` (the last name and id shown)."""
    documents = (_with_details(Document.objects.filter(group=group, folder=folder,
                                                       trashed_at__isnull=True))
                 .annotate(name_key=Lower("name")))
    if after:
        name, _sep, last_id = after.rpartition("|")
        if last_id.isdigit():
            documents = documents.filter(Q(name_key__gt=name)
                                         | Q(name_key=name, id__gt=int(last_id)))
    rows = list(documents.order_by("name_key", "id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return LibraryPage(rows, _name_key(rows[-1]) if more and rows else None)


def documents_by_id(group: Group, folder: Folder | None, *, after_id: int = 0,
                    size: int) -> tuple[list[Document], str | None]:
    """The API's page of a folder: in creation order, keyed on the id."""
    documents = (_with_details(Document.objects.filter(group=group, folder=folder,
                                                       trashed_at__isnull=True, id__gt=after_id))
                 .order_by("id"))
    rows = list(documents[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, str(rows[-1].id) if more and rows else None


def recent_documents(user, *, limit: int = RECENT_SIZE) -> list[Document]:
    """The latest documents of the groups ``user`` belongs to (and may see)."""
    documents = Document.objects.filter(group__in=visible_member_group_ids(user),
                                        trashed_at__isnull=True)
    return list(_with_details(documents).order_by("-updated", "-id")[:limit])


def libraries_for(user) -> QuerySet[Group]:
    """The user's groups, each with the number of documents in its library."""
    live = (Document.objects.filter(group=OuterRef("pk"), trashed_at__isnull=True).order_by()
            .values("group").annotate(total=Count("id")).values("total"))
    return (groups_for(user, member=True).filter(id__in=visible_groups(user).values("id"))
            .annotate(document_count=Coalesce(Subquery(live), 0)))


def folders_of(group: Group) -> list[tuple[Folder, str]]:
    """Every folder of the library with its path ("Protocols / Hygiene"), in path order."""
    folders = list(Folder.objects.filter(group=group))
    by_id = {folder.id: folder for folder in folders}

    def path(folder: Folder) -> list[str]:
        names, seen = [], set()
        while folder is not None and folder.id not in seen:
            seen.add(folder.id)
            names.append(folder.name)
            folder = by_id.get(folder.parent_id)
        return names[::-1]

    labelled = [(folder, path(folder)) for folder in folders]
    labelled.sort(key=lambda pair: [name.lower() for name in pair[1]])
    return [(folder, " / ".join(names)) for folder, names in labelled]


def trash_of(group: Group, *, uploaded_by=None) -> QuerySet[Document]:
    """The group's trash, newest first (only ``uploaded_by``'s documents if given). Past the
    retention period, nothing: it is about to be purged."""
    documents = Document.objects.filter(group=group, trashed_at__gte=trash_cutoff())
    if uploaded_by is not None:
        documents = documents.filter(uploaded_by=uploaded_by)
    return (documents.select_related("uploaded_by", "trashed_by", "current_version", "folder")
            .order_by("-trashed_at", "-id"))


def expired_trash(now=None) -> QuerySet[Document]:
    return Document.objects.filter(trashed_at__lt=trash_cutoff(now))


def pending_extractions() -> QuerySet[DocumentVersion]:
    return DocumentVersion.objects.filter(extraction_status=DocumentVersion.Extraction.PENDING)
