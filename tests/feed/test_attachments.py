"""Files attached to posts are documents of the group's library, in its Attachments folder:
found by search by the words inside them, downloaded after the library's access check,
trashed with their post and restorable like any document (issue #5). Uses the real text
extraction."""

import importlib
import types

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse

from documents import selectors as document_selectors
from documents import services as documents
from documents.models import Document, Folder
from feed import search_index as feed_search_index
from feed import services
from feed.models import Attachment, Post
from groups import services as group_services
from groups.models import Membership
from search.selectors import search
from tests.conftest import client_for, make_user
from tests.documents.helpers import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

WORD = "Vancomycine"  # appears only inside the PDF


def found(person, q, **filters):
    return [(r.kind, r.id) for r in search(person, q, **filters).results]


def attached_post(author, group, *files, body="Le nouveau protocole", **extra) -> Post:
    return services.create_post(author=author, group=group, body=body, attachments=list(files),
                                **extra)


@pytest.fixture
def member(other_user, private_group):
    group_services.add_member(actor=private_group.created_by, group=private_group,
                              user=other_user)
    return other_user


@pytest.fixture
def admin(private_group):
    person = make_user("ines.garcia@hopital.example", "Inès Garcia", language="en")
    group_services.add_member(actor=private_group.created_by, group=private_group, user=person,
                              role=Membership.Role.ADMIN)
    return person


@pytest.fixture
def protocol(member, private_group, django_capture_on_commit_callbacks):
    """A post by ``member`` in a private group with a PDF (whose only "vancomycine" is inside
    the file) and an image, committed: its text read and indexed."""
    with django_capture_on_commit_callbacks(execute=True):
        post = attached_post(member, private_group,
                             upload("Protocole sepsis.pdf", pdf_bytes(f"Administrer {WORD}")),
                             upload("Schema.png", png_bytes((40, 30))))
    return post


def docs(post: Post) -> dict[str, Document]:
    return {a.document.name: a.document for a in post.attachments.select_related("document")}


# --- Creating ----------------------------------------------------------------------------------

def test_files_of_a_post_are_documents_of_the_groups_attachments_folder(protocol, member,
                                                                        private_group):
    files = docs(protocol)
    assert set(files) == {"Protocole sepsis.pdf", "Schema.png"}
    folder = Folder.objects.get(group=private_group, is_attachments=True)
    for document in files.values():
        assert (document.group, document.folder, document.uploaded_by) == (
            private_group, folder, member)
        assert document.current_version.uploaded_by == member
    pdf = files["Protocole sepsis.pdf"].current_version
    assert (pdf.content_type, pdf.extraction_status) == ("application/pdf", "done")
    assert WORD in pdf.text


def test_they_are_listed_in_the_library(protocol, member, private_group):
    folder = Folder.objects.get(group=private_group, is_attachments=True)
    page = document_selectors.folder_documents(private_group, folder)
    assert [d.name for d in page.documents] == ["Protocole sepsis.pdf", "Schema.png"]
    response = client_for(member).get(reverse("documents:folder",
                                              args=[private_group.slug, folder.id]))
    assert response.status_code == 200
    assert "Protocole sepsis.pdf" in response.content.decode()
    # The library's root shows the Attachments folder first.
    root = client_for(member).get(reverse("documents:library", args=[private_group.slug]))
    assert "Attachments" in root.content.decode()


def test_a_word_inside_an_attached_file_finds_its_document_for_members_only(
        protocol, member, user, other_user, guest, staff_user, private_group):
    pdf = docs(protocol)["Protocole sepsis.pdf"]
    assert found(member, WORD.lower()) == [("document", pdf.id)]
    assert found(user, WORD) == [("document", pdf.id)]  # the group's owner
    outsider = make_user("zoe.petit@hopital.example", "Zoé Petit", language="en")
    assert found(outsider, WORD) == []
    assert found(guest, WORD) == []
    group_services.remove_member(actor=user, group=private_group, user=member)
    assert found(member, WORD) == []


def test_the_post_and_its_files_are_one_transaction(user, group, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(feed_search_index, "index_post", fail)
    with pytest.raises(RuntimeError):
        attached_post(user, group, upload("rota.pdf", pdf_bytes()))
    assert not Post.objects.exists() and not Document.objects.exists()
    assert not Folder.objects.filter(is_attachments=True).exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]


def test_a_guest_attaches_files_in_a_group_open_to_guests(guest, shared_group):
    post = attached_post(guest, shared_group, upload("devis.pdf", pdf_bytes("Devis")))
    document = post.attachments.get().document
    assert (document.group, document.uploaded_by) == (shared_group, guest)


def test_an_organisation_admin_attaches_files_in_any_group(staff_user, private_group):
    post = attached_post(staff_user, private_group, upload("note.txt", "Note de service"))
    assert post.attachments.get().document.folder.is_attachments


def test_nothing_is_attached_in_an_archived_group(user, private_group):
    group_services.set_archived(actor=user, group=private_group, archived=True)
    with pytest.raises(PermissionDenied):
        attached_post(user, private_group, upload("rota.pdf", pdf_bytes()))
    assert not Document.objects.exists()


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(user, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "upload_bytes": 1_048_576}
    with pytest.raises(documents.FileTooLarge) as error:
        attached_post(user, group, upload("scan.pdf", pdf_bytes(padding=1_100_000)))
    [message] = error.value.message_dict["attachments"]
    assert "scan.pdf" in message and "1 MB" in message
    assert not Post.objects.exists()


# --- Downloading -------------------------------------------------------------------------------

def test_members_download_through_the_library_and_others_get_404(protocol, member, guest,
                                                                 staff_user):
    pdf = docs(protocol)["Protocole sepsis.pdf"]
    download = reverse("documents:download", args=[pdf.id])
    response = client_for(member).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(staff_user).get(download).status_code == 200
    outsider = make_user("zoe.petit@hopital.example", "Zoé Petit", language="en")
    for person in (outsider, guest):
        assert client_for(person).get(download).status_code == 404
        assert client_for(person).get(reverse("documents:detail", args=[pdf.id])
                                      ).status_code == 404


def test_the_api_lists_a_posts_files_with_their_documents(protocol, member, api_client_for):
    api = api_client_for(member)
    item = api.get(f"/api/v1/posts/{protocol.id}").json()
    pdf = docs(protocol)["Protocole sepsis.pdf"]
    [entry] = [a for a in item["attachments"] if a["document_id"] == pdf.id]
    assert entry["name"] == "Protocole sepsis.pdf"
    assert entry["content_type"] == "application/pdf"
    assert entry["document_url"] == f"/documents/{pdf.id}/"
    document = api.get(f"/api/v1/documents/{pdf.id}").json()
    assert document["folder_id"] == pdf.folder_id
    assert api.get(entry["download_url"]).status_code == 200
    outsider = make_user("zoe.petit@hopital.example", "Zoé Petit", language="en")
    assert api_client_for(outsider).get(entry["download_url"]).status_code == 404


# --- Editing and deleting ----------------------------------------------------------------------

def test_editing_a_post_keeps_its_files(protocol, member):
    services.update_post(actor=member, post=protocol, body="Corrigé")
    assert set(docs(protocol)) == {"Protocole sepsis.pdf", "Schema.png"}
    assert not Document.objects.filter(trashed_at__isnull=False).exists()


def test_a_renamed_document_shows_its_new_name_on_the_card(protocol, member):
    pdf = docs(protocol)["Protocole sepsis.pdf"]
    documents.update_document(actor=member, document=pdf, name="Sepsis 2025.pdf")
    page = client_for(member).get(reverse("feed:post", args=[protocol.id])).content.decode()
    assert "Sepsis 2025.pdf" in page and "Protocole sepsis.pdf" not in page


def test_deleting_a_post_moves_its_files_to_the_trash_for_the_admins_to_restore(
        protocol, member, admin, private_group, django_capture_on_commit_callbacks):
    files = docs(protocol)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(actor=member, post=protocol)
    assert not Attachment.objects.exists()
    for document in files.values():
        document.refresh_from_db()
        assert document.is_trashed and document.trashed_by == member
    assert found(member, WORD) == []
    pdf = files["Protocole sepsis.pdf"]
    assert client_for(member).get(reverse("documents:download", args=[pdf.id])
                                  ).status_code == 404
    # In the library's trash: the group's admins see it there and restore it.
    trash = client_for(admin).get(reverse("documents:trash_list", args=[private_group.slug]))
    assert "Protocole sepsis.pdf" in trash.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        documents.restore_document(actor=admin, document=pdf)
    assert found(member, WORD) == [("document", pdf.id)]
    assert pdf.folder.is_attachments


def test_a_group_admin_deleting_someone_elses_post_trashes_its_files(protocol, admin):
    services.delete_post(actor=admin, post=protocol)
    assert Document.objects.filter(trashed_at__isnull=False).count() == 2


def test_a_member_who_may_not_delete_the_post_leaves_its_files_alone(protocol, user,
                                                                     private_group):
    other = make_user("lea.petit@hopital.example", "Léa Petit", language="en")
    group_services.add_member(actor=user, group=private_group, user=other)
    with pytest.raises(PermissionDenied):
        services.delete_post(actor=other, post=protocol)
    assert not Document.objects.filter(trashed_at__isnull=False).exists()


def test_trashed_files_are_purged_with_the_trash(protocol, member, settings):
    from datetime import timedelta

    from django.utils import timezone

    services.delete_post(actor=member, post=protocol)
    later = timezone.now() + timedelta(days=settings.RELAIS_DOCUMENT_TRASH_DAYS + 1)
    assert documents.purge_trash(now=later) == 2
    assert not Document.objects.exists()


# --- Moving the files of posts from before documents (migration 0006) --------------------------

MIGRATION = importlib.import_module("feed.migrations.0006_attachments_to_documents")


def legacy_attachment(post: Post, name: str, content: bytes, content_type: str,
                      **extra) -> Attachment:
    """An attachment as posts stored them before documents: its file beside the post."""
    attachment = Attachment(post=post, name=name, size=len(content), content_type=content_type,
                            **extra)
    attachment.file.save("upload", ContentFile(content), save=False)
    attachment.save()
    return attachment


def migrate():
    return MIGRATION.move_attachments_to_documents(
        django_apps, types.SimpleNamespace(connection=connection))


def test_the_migration_turns_old_attachments_into_documents(
        member, private_group, group, user, django_capture_on_commit_callbacks):
    post = services.create_post(author=member, group=private_group, body="Rota")
    old = legacy_attachment(post, "rota.pdf", pdf_bytes(f"Planning {WORD}"), "application/pdf")
    image = legacy_attachment(post, "photo.png", png_bytes((7, 5)), "image/png", is_image=True,
                              width=7, height=5)
    other = services.create_post(author=user, group=group, body="Menu")
    elsewhere = legacy_attachment(other, "menu.txt", b"Lundi: soupe", "text/plain")
    old_names = [old.file.name, image.file.name, elsewhere.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        assert migrate() == 3
    old.refresh_from_db()
    document = old.document
    assert (document.group, document.name, document.uploaded_by) == (private_group, "rota.pdf",
                                                                     member)
    assert document.folder == Folder.objects.get(group=private_group, is_attachments=True)
    assert document.created == old.created
    version = document.current_version
    assert (version.number, version.size, version.content_type, version.original_name) == (
        1, old.size, "application/pdf", "rota.pdf")
    assert version.file.name.startswith(f"documents/{private_group.id}/")
    assert version.file.name.endswith(".pdf")
    with version.file.open("rb") as stored:
        assert stored.read() == pdf_bytes(f"Planning {WORD}")
    assert old.file.name == ""
    assert not any(default_storage.exists(name) for name in old_names)
    elsewhere.refresh_from_db()
    assert elsewhere.document.group == group and elsewhere.document.folder.is_attachments
    # The card shows them from the library; their text is read by the usual command.
    page = client_for(member).get(reverse("feed:post", args=[post.id])).content.decode()
    assert reverse("documents:detail", args=[document.id]) in page
    image.refresh_from_db()
    assert reverse("documents:version_view", args=[image.document_id, 1]) in page
    with django_capture_on_commit_callbacks(execute=True):
        documents.extract_text(version.id)
    assert found(member, WORD) == [("document", document.id)]


def test_the_migration_runs_once_and_keeps_a_row_whose_file_is_missing(
        member, private_group, django_capture_on_commit_callbacks):
    post = services.create_post(author=member, group=private_group, body="Rota")
    legacy_attachment(post, "rota.txt", b"Lundi", "text/plain")
    lost = legacy_attachment(post, "lost.txt", b"Mardi", "text/plain")
    default_storage.delete(lost.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert migrate() == 1
        assert migrate() == 0
    assert Document.objects.count() == 1
    lost.refresh_from_db()
    assert lost.document is None and lost.file.name  # left as it was, nothing invented
