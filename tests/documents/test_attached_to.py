"""A document's page names the posts and chat messages it is attached to, as links, for those
who may see them (settings.RELAIS_DOCUMENT_ATTACHMENT_SOURCES: feed and chat say which)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import document_links as chat_links
from chat import services as chat
from chat.models import MessageAttachment
from documents import selectors
from documents import services as documents
from feed import document_links as feed_links
from feed import services as feed
from feed.models import Attachment
from groups import services as group_services
from groups.models import Membership
from tests.conftest import client_for
from tests.documents.helpers import add, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_extraction")]

SECRET_WORDS = "Patient du lit 12"  # the text of the post or message, never on the page


def post_with_file(author, group, name="Protocole sepsis.txt", body=SECRET_WORDS):
    post = feed.create_post(author=author, group=group, body=body,
                            attachments=[upload(name, "Antibiotiques dans l'heure")])
    return post, post.attachments.get().document


def message_with_file(author, group, name="ECG.txt", body=SECRET_WORDS, **extra):
    message, _created = chat.send_message(author=author, conversation=group.channel, body=body,
                                          attachments=[upload(name, "Rythme sinusal")],
                                          **extra)
    return message, MessageAttachment.objects.get(message=message).document


def detail(person, document):
    return client_for(person).get(reverse("documents:detail", args=[document.id]))


@pytest.fixture
def group_admin(private_group, outsider):
    group_services.add_member(actor=private_group.created_by, group=private_group,
                              user=outsider, role=Membership.Role.ADMIN)
    return outsider


# --- Shown to those who may see the post or message --------------------------------------------

def test_a_document_attached_to_a_post_links_to_the_post(private_member, private_group):
    post, document = post_with_file(private_member, private_group)
    page = detail(private_member, document)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Attached to" in html
    assert f'href="{feed.post_url(post)}"' in html
    assert "Post by Hugo Bernard in Cadres de santé" in html
    assert SECRET_WORDS not in html


def test_a_document_attached_to_a_message_links_to_the_message(private_member, private_group):
    message, document = message_with_file(private_member, private_group)
    html = detail(private_member, document).content.decode()
    assert "Attached to" in html
    assert f'href="{chat.message_url(message)}"' in html
    assert "Message by Hugo Bernard in Cadres de santé" in html
    assert SECRET_WORDS not in html


def test_a_reply_shown_only_in_its_thread_links_to_the_thread(private_member, private_group,
                                                             user):
    root, _document = message_with_file(user, private_group, name="Root.txt", body="Question")
    reply, document = message_with_file(private_member, private_group, thread_root_id=root.id)
    [link] = selectors.attached_to(private_member, document)
    # The message's own link, which opens a thread-only reply in its thread.
    page = client_for(private_member).get(link["url"]).content.decode()
    assert "thread-open" in page and f'id="message-{reply.id}"' in page


def test_a_page_without_attachments_says_nothing_of_them(private_member, private_group):
    document = add(private_member, private_group, "Planning.pdf")
    html = detail(private_member, document).content.decode()
    assert "Attached to" not in html
    assert selectors.attached_to(private_member, document) == []


def test_links_are_listed_oldest_first_from_every_source(private_member, private_group, user):
    post, document = post_with_file(private_member, private_group)
    message, _other = message_with_file(user, private_group)
    MessageAttachment.objects.create(message=message, document=document)
    links = selectors.attached_to(private_member, document)
    assert [link["url"] for link in links] == [feed.post_url(post), chat.message_url(message)]


# --- Hidden from those who may not -------------------------------------------------------------

def test_the_sources_give_nothing_to_someone_who_cannot_see_the_group(private_member,
                                                                      private_group, outsider):
    _post, post_document = post_with_file(private_member, private_group)
    _message, message_document = message_with_file(private_member, private_group)
    assert detail(outsider, post_document).status_code == 404
    assert feed_links.attached_to(outsider, post_document) == []
    assert chat_links.attached_to(outsider, message_document) == []


def test_a_post_or_message_in_a_group_the_reader_cannot_see_is_not_listed(
        user, group, private_group, outsider):
    """No service attaches a document to another group's post or message today; should one
    ever, the page must still not name what its reader cannot see."""
    _post, document = post_with_file(user, group, body="Public")  # a public group's library
    hidden_post = feed.create_post(author=user, group=private_group, body=SECRET_WORDS)
    Attachment.objects.create(post=hidden_post, document=document, name=document.name,
                              size=1, content_type="text/plain")
    hidden_message, _created = chat.send_message(author=user, conversation=private_group.channel,
                                                 body=SECRET_WORDS)
    MessageAttachment.objects.create(message=hidden_message, document=document)

    html = detail(outsider, document).content.decode()
    assert "Post by Camille Martin in Cardiologie" in html
    assert feed.post_url(hidden_post) not in html
    assert chat.message_url(hidden_message) not in html
    assert "Cadres de santé" not in html and SECRET_WORDS not in html
    # The author, who sees both groups, gets all three.
    assert len(selectors.attached_to(user, document)) == 3


def test_a_deleted_post_is_not_listed_once_its_file_is_restored(private_member, private_group,
                                                                group_admin):
    post, document = post_with_file(private_member, private_group)
    url = feed.post_url(post)
    feed.delete_post(actor=private_member, post=post)
    document.refresh_from_db()
    documents.restore_document(actor=group_admin, document=document)
    html = detail(private_member, document).content.decode()
    assert "Attached to" not in html and url not in html


def test_a_deleted_message_is_not_listed_once_its_file_is_restored(private_member, private_group,
                                                                   group_admin):
    message, document = message_with_file(private_member, private_group)
    chat.delete_message(actor=private_member, message=message)
    document.refresh_from_db()
    documents.restore_document(actor=group_admin, document=document)
    html = detail(private_member, document).content.decode()
    assert "Attached to" not in html and chat.message_url(message) not in html
    assert SECRET_WORDS not in html


def test_a_deleted_message_still_carrying_the_document_is_not_listed(private_member,
                                                                     private_group):
    """Deleting a message detaches its files; a row left behind must not bring it back."""
    message, document = message_with_file(private_member, private_group)
    chat.delete_message(actor=private_member, message=message)
    MessageAttachment.objects.create(message=message, document=document)
    assert chat_links.attached_to(private_member, document) == []


# --- Cost ---------------------------------------------------------------------------------------

def test_the_page_costs_the_same_queries_whatever_the_number_of_attachments(
        private_member, private_group, user):
    _post, document = post_with_file(private_member, private_group)
    reader = client_for(private_member)
    url = reverse("documents:detail", args=[document.id])
    reader.get(url)  # sessions and caches warmed
    with CaptureQueriesContext(connection) as few:
        assert reader.get(url).status_code == 200

    for number in range(4):
        post = feed.create_post(author=user, group=private_group, body=f"Rappel {number}")
        Attachment.objects.create(post=post, document=document, name=document.name, size=1,
                                  content_type="text/plain")
        message, _created = chat.send_message(author=user, conversation=private_group.channel,
                                              body=f"Voir {number}")
        MessageAttachment.objects.create(message=message, document=document)
    with CaptureQueriesContext(connection) as many:
        html = reader.get(url).content.decode()
    assert html.count("Post by Camille Martin in Cadres de santé") == 4
    assert html.count("Message by Camille Martin in Cadres de santé") == 4
    assert len(many) == len(few)
