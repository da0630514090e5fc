"""Files attached to messages of a group's channel are documents of the group's library, in its
Attachments folder, governed like any document; direct conversations take no files, having no
library (issue #5). Uses the real text extraction."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chat import services
from chat.models import Message, MessageAttachment
from documents import services as documents
from documents.models import Document, Folder
from groups import services as group_services
from groups.models import Membership
from search.selectors import search
from tests.conftest import client_for, make_user
from tests.documents.helpers import ELF, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
WORD = "Noradrenaline"  # appears only inside the PDF


def found(person, q):
    return [(r.kind, r.id) for r in search(person, q).results]


def send(author, conversation, body="Voici le protocole", files=(), **extra) -> Message:
    return services.send_message(author=author, conversation=conversation, body=body,
                                 attachments=list(files), **extra)[0]


@pytest.fixture
def member(other_user, private_group):
    group_services.add_member(actor=private_group.created_by, group=private_group,
                              user=other_user)
    return other_user


@pytest.fixture
def channel(private_group):
    return private_group.channel


@pytest.fixture
def outsider(db):
    return make_user("paul.durand@hopital.example", "Paul Durand", language="en")


@pytest.fixture
def sent(member, channel, django_capture_on_commit_callbacks):
    """A message of ``member`` in a private group's channel with a PDF and an image,
    committed: the PDF's text read and indexed."""
    with django_capture_on_commit_callbacks(execute=True):
        message = send(member, channel, files=[
            upload("Choc septique.pdf", pdf_bytes(f"Debuter {WORD} rapidement")),
            upload("ECG.png", png_bytes((40, 30)))])
    return message


def attached(message) -> dict[str, Document]:
    return {a.document.name: a.document
            for a in MessageAttachment.objects.filter(message=message).select_related("document")}


# --- Sending -----------------------------------------------------------------------------------

def test_files_of_a_channel_message_are_documents_of_the_attachments_folder(sent, member,
                                                                             private_group):
    files = attached(sent)
    assert set(files) == {"Choc septique.pdf", "ECG.png"}
    folder = Folder.objects.get(group=private_group, is_attachments=True)
    for document in files.values():
        assert (document.group, document.folder, document.uploaded_by) == (
            private_group, folder, member)
    image = MessageAttachment.objects.get(document=files["ECG.png"])
    assert (image.width, image.height) == (40, 30)


def test_a_word_inside_an_attached_file_is_found_by_members_only(sent, member, outsider,
                                                                 guest):
    pdf = attached(sent)["Choc septique.pdf"]
    assert found(member, WORD) == [("document", pdf.id)]
    assert found(outsider, WORD) == []
    assert found(guest, WORD) == []


def test_files_alone_make_a_message(member, channel):
    message = send(member, channel, body="", files=[upload("rota.txt", "Lundi: Camille")])
    assert message.body == "" and message.attachments.count() == 1
    with pytest.raises(ValidationError) as error:
        send(member, channel, body="")
    assert "body" in error.value.message_dict


def test_direct_conversations_take_no_files(user, member):
    direct, _ = services.start_direct(user=user, user_ids=[member.id])
    with pytest.raises(ValidationError) as error:
        send(member, direct, files=[upload("rota.txt", "Lundi")])
    assert "group's channel" in error.value.message_dict["attachments"][0]
    assert not Message.objects.exists() and not Document.objects.exists()


def test_a_retried_send_stores_its_files_once(member, channel):
    first, created = services.send_message(author=member, conversation=channel, body="Rota",
                                           client_id="tab-1",
                                           attachments=[upload("rota.txt", "Lundi")])
    again, created_again = services.send_message(author=member, conversation=channel,
                                                 body="Rota", client_id="tab-1",
                                                 attachments=[upload("rota.txt", "Lundi")])
    assert (created, created_again, again.id) == (True, False, first.id)
    assert Document.objects.count() == 1


def test_refused_files_refuse_the_message_and_store_nothing(member, channel, settings):
    with pytest.raises(ValidationError) as error:
        send(member, channel, files=[upload("rota.txt", "Lundi"), upload("outil.pdf", ELF)])
    assert "outil.pdf" in error.value.message_dict["attachments"][0]
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "post_attachments": 1}
    with pytest.raises(ValidationError) as error:
        send(member, channel, files=[upload("a.txt", "a"), upload("b.txt", "b")])
    assert "1" in error.value.message_dict["attachments"][0]
    assert not Message.objects.exists() and not Document.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]


def test_a_reader_who_may_not_write_attaches_nothing(other_user, group):
    # A public group's channel is readable by everyone, writable by its members only.
    with pytest.raises(PermissionDenied):
        send(other_user, group.channel, files=[upload("rota.txt", "Lundi")])
    assert not Document.objects.exists()


def test_editing_keeps_the_files(sent, member):
    services.edit_message(actor=member, message=sent, body="Corrigé")
    assert len(attached(sent)) == 2


# --- Deleting ----------------------------------------------------------------------------------

def test_deleting_a_message_moves_its_files_to_the_trash_for_the_admins_to_restore(
        sent, member, private_group, django_capture_on_commit_callbacks):
    admin = make_user("ines.garcia@hopital.example", "Inès Garcia", language="en")
    group_services.add_member(actor=private_group.created_by, group=private_group, user=admin,
                              role=Membership.Role.ADMIN)
    files = attached(sent)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_message(actor=admin, message=sent)
    assert not MessageAttachment.objects.exists()
    for document in files.values():
        document.refresh_from_db()
        assert document.is_trashed and document.trashed_by == admin
    assert found(member, WORD) == []
    pdf = files["Choc septique.pdf"]
    with django_capture_on_commit_callbacks(execute=True):
        documents.restore_document(actor=admin, document=pdf)
    assert found(member, WORD) == [("document", pdf.id)]


# --- Pages and the API -------------------------------------------------------------------------

def test_the_composer_offers_files_in_channels_only(member, channel, user):
    page = client_for(member).get(reverse("chat:conversation", args=[channel.id]))
    assert 'name="attachments"' in page.content.decode()
    assert 'enctype="multipart/form-data"' in page.content.decode()
    direct, _ = services.start_direct(user=user, user_ids=[member.id])
    page = client_for(member).get(reverse("chat:conversation", args=[direct.id]))
    assert 'name="attachments"' not in page.content.decode()


def test_the_composer_sends_files_and_the_message_shows_them(member, channel):
    client = client_for(member)
    response = client.post(reverse("chat:send", args=[channel.id]), {
        "body": "Le planning", "client_id": "tab-9",
        "attachments": [upload("planning.pdf", pdf_bytes()), upload("photo.jpg", png_bytes())],
    }, **HTMX)
    assert response.status_code == 201
    files = attached(Message.objects.get())
    pdf, image = files["planning.pdf"], files["photo.png"]
    page = response.content.decode()
    assert reverse("documents:detail", args=[pdf.id]) in page
    assert reverse("documents:download", args=[pdf.id]) in page
    assert reverse("documents:version_view", args=[image.id, 1]) in page
    # "photo.jpg" was a PNG: saved as such, and the sender is told.
    assert "photo.jpg" in json.loads(response["X-Notices"])[0]
    history = client.get(reverse("chat:conversation", args=[channel.id])).content.decode()
    assert reverse("documents:detail", args=[pdf.id]) in history


def test_the_composer_names_the_size_limit_with_413(member, channel, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "upload_bytes": 1_048_576}
    response = client_for(member).post(reverse("chat:send", args=[channel.id]), {
        "body": "Scan", "attachments": [upload("scan.pdf", pdf_bytes(padding=1_100_000))],
    }, **HTMX)
    assert response.status_code == 413
    assert "scan.pdf" in response.content.decode() and "1 MB" in response.content.decode()
    assert not Message.objects.exists()


def test_the_composer_refuses_files_in_a_direct_conversation(user, member):
    direct, _ = services.start_direct(user=user, user_ids=[member.id])
    response = client_for(member).post(reverse("chat:send", args=[direct.id]), {
        "body": "Rota", "attachments": [upload("rota.txt", "Lundi")]}, **HTMX)
    assert response.status_code == 422
    assert "group's channel" in response.content.decode()


def test_downloads_go_through_the_librarys_access_check(sent, member, outsider, guest,
                                                        private_group, user):
    pdf = attached(sent)["Choc septique.pdf"]
    download = reverse("documents:download", args=[pdf.id])
    assert client_for(member).get(download).status_code == 200
    for person in (outsider, guest):
        assert client_for(person).get(download).status_code == 404
    group_services.remove_member(actor=user, group=private_group, user=member)
    assert client_for(member).get(download).status_code == 404


def test_the_api_and_the_socket_payload_list_the_files(sent, member, outsider, api_client_for,
                                                       channel):
    api = api_client_for(member)
    [item] = api.get(f"/api/v1/conversations/{channel.id}/messages").json()["items"]
    pdf = attached(sent)["Choc septique.pdf"]
    [entry] = [a for a in item["attachments"] if a["document_id"] == pdf.id]
    assert entry == {
        "id": entry["id"], "document_id": pdf.id, "name": "Choc septique.pdf",
        "size": pdf.current_version.size, "content_type": "application/pdf",
        "is_image": False, "url": f"/documents/{pdf.id}/download/",
        "document_url": f"/documents/{pdf.id}/",
        "download_url": f"/api/v1/documents/{pdf.id}/download"}
    assert api.get(entry["download_url"]).status_code == 200
    assert api_client_for(outsider).get(entry["download_url"]).status_code == 404


def test_a_reply_of_files_alone_is_named_by_its_files_in_notifications(member, user, channel):
    from notifications.models import Notification

    root = send(user, channel, body="Qui a le planning ?")
    send(member, channel, body="", files=[upload("Planning.pdf", pdf_bytes())],
         thread_root_id=root.id)
    notice = Notification.objects.get(recipient=user, kind=Notification.Kind.REPLY)
    assert notice.title == "Planning.pdf"
