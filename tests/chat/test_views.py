"""The chat web pages and their htmx/fetch fragments (chat/views.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import services
from chat.models import Message, MessageReaction, ReadState
from groups import services as group_services
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def outsider(db):
    return make_user("paul.durand@hopital.example", "Paul Durand")


def send(author, conversation, body="Bonjour", **extra) -> Message:
    return services.send_message(author=author, conversation=conversation, body=body,
                                 **extra)[0]


def url(name, *args):
    return reverse(f"chat:{name}", args=args)


# --- Pages ---------------------------------------------------------------------------------

def test_chat_index_lists_my_channels_and_direct_conversations(member_client, user, member,
                                                              channel):
    direct, _ = services.start_direct(user=user, user_ids=[member.id])
    send(member, direct, "Tu es là ?")
    body = member_client.get(url("index")).content.decode()
    assert "Cardiologie" in body
    assert member.display_name in body
    assert f'data-conversation-row="{direct.id}"' in body
    assert "Group channels" in body and "Direct messages" in body


def test_conversation_page_shows_history_and_a_composer_to_members(member_client, user, channel):
    send(user, channel, "**Staff** meeting at 14:00")
    body = member_client.get(url("conversation", channel.id)).content.decode()
    assert "<strong>Staff</strong> meeting at 14:00" in body
    assert "data-chat-composer" in body
    assert 'role="log"' in body
    assert 'href="#chat-body"' in body  # keyboard users skip the history to the message box


def test_conversation_page_marks_the_first_unread_message(client_for_member, user, member,
                                                          channel):
    send(member, channel, "lu")
    services.mark_read(user=user, conversation=channel)
    first_new = send(member, channel, "pas encore lu")
    send(member, channel, "pas lu non plus")
    body = client_for_member(user).get(url("conversation", channel.id)).content.decode()
    line = body.index("data-unread-line")
    assert body.index("lu</p>") < line < body.index(f'id="message-{first_new.id}"')


@pytest.fixture
def client_for_member():
    return client_for


def test_public_channel_is_readable_but_not_writable_for_non_members(other_client, user,
                                                                    channel):
    send(user, channel, "Ouvert à tous")
    body = other_client.get(url("conversation", channel.id)).content.decode()
    assert "Ouvert à tous" in body
    assert "data-chat-composer" not in body
    assert "Join the group to write in its channel." in body
    response = other_client.post(url("send", channel.id), {"body": "Intrus"}, **HTMX)
    assert response.status_code == 403
    assert not Message.objects.filter(body="Intrus").exists()


@pytest.mark.parametrize("who", ["outsider", "guest"])
def test_private_channel_is_404_for_outsiders_and_guests(request, private_group, user, who):
    person = request.getfixturevalue(who)
    channel = private_group.channel
    message = send(user, channel, "Confidentiel")
    client = client_for(person)
    for path in [url("conversation", channel.id), url("messages", channel.id),
                 url("message", message.id), url("thread", message.id),
                 url("mention_candidates", channel.id)]:
        assert client.get(path).status_code == 404, path
    for path in [url("send", channel.id), url("read", channel.id), url("react", message.id),
                 url("edit", message.id), url("delete", message.id)]:
        assert client.post(path, {"body": "x", "emoji": "👍"}, **HTMX).status_code == 404, path
    message.refresh_from_db()
    assert message.body == "Confidentiel" and not message.is_deleted


def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client, channel):
    for path in [url("index"), url("conversation", channel.id), url("new")]:
        response = anonymous_client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous_client.post(url("send", channel.id), {"body": "x"}).status_code == 302
    assert not Message.objects.exists()


def test_guest_sees_the_shared_groups_channel(guest_client, shared_group, user):
    send(user, shared_group.channel, "Bienvenue au prestataire")
    body = guest_client.get(url("conversation", shared_group.channel.id)).content.decode()
    assert "Bienvenue au prestataire" in body
    assert "data-chat-composer" in body


# --- Sending -------------------------------------------------------------------------------

def test_sending_with_htmx_returns_the_stored_message_once_per_client_id(member_client,
                                                                        channel):
    data = {"body": "Patient en salle 4", "client_id": "tab-1-msg-1"}
    first = member_client.post(url("send", channel.id), data, **HTMX)
    again = member_client.post(url("send", channel.id), data, **HTMX)
    assert first.status_code == 201
    assert "Patient en salle 4" in first.content.decode()
    assert again.status_code == 201
    assert Message.objects.filter(body="Patient en salle 4").count() == 1
    assert 'data-client-id="tab-1-msg-1"' in again.content.decode()


def test_sending_without_javascript_redirects_to_the_new_message(member_client, channel):
    response = member_client.post(url("send", channel.id), {"body": "Sans JS"})
    message = Message.objects.get(body="Sans JS")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?message={message.id}#message-{message.id}")


@pytest.mark.parametrize("body, expected", [
    ("", "Write a message first."),
    ("   ", "Write a message first."),
    ("x" * 10_001, "10000 characters at most"),
])
def test_bad_messages_get_a_clear_error_and_nothing_is_stored(member_client, channel, body,
                                                             expected):
    response = member_client.post(url("send", channel.id), {"body": body}, **HTMX)
    assert response.status_code == 422
    assert expected in response.content.decode()
    assert not Message.objects.exists()


def test_a_thread_reply_is_sent_and_listed_in_the_thread(member_client, user, member, channel):
    root = send(member, channel, "Qui a la clé du chariot ?")
    response = member_client.post(url("send", channel.id),
                                  {"body": "Moi", "thread_id": root.id, "client_id": "r1"},
                                  **HTMX)
    assert response.status_code == 201
    thread = member_client.get(url("thread", root.id)).content.decode()
    assert "Qui a la clé du chariot ?" in thread and "Moi" in thread
    assert "1 reply" in thread
    page = member_client.get(url("conversation", channel.id)).content.decode()
    assert "1 reply" in page
    faces = page[page.index('class="thread-faces"'):]
    assert "CM" in faces[:faces.index("</span></span>") + 14]  # Camille Martin replied
    assert "<p>Moi</p>" not in page  # a thread-only reply stays in its thread


def test_conversation_page_opens_a_thread_from_its_link(member_client, user, channel):
    root = send(user, channel, "Racine")
    send(user, channel, "Réponse dans le fil", thread_root_id=root.id)
    body = member_client.get(url("conversation", channel.id) + f"?thread={root.id}").content.decode()
    assert "thread-open" in body
    assert "Réponse dans le fil" in body


def test_a_link_to_a_thread_only_reply_opens_its_thread(member_client, user, channel):
    root = send(user, channel, "Racine")
    for i in range(60):  # the root is far from the end of the conversation
        send(user, channel, f"plus tard {i}")
    reply = send(user, channel, "Réponse dans le fil", thread_root_id=root.id)
    body = member_client.get(url("conversation", channel.id) + f"?message={reply.id}"
                             ).content.decode()
    assert "thread-open" in body and "Réponse dans le fil" in body
    assert "Racine" in body  # the window is around the root


def test_history_window_pages_after_a_seq(member_client, user, channel):
    messages = [send(user, channel, f"n°{i}") for i in range(5)]
    body = member_client.get(url("messages", channel.id) + f"?after={messages[2].seq}").content.decode()
    assert "n°3" in body and "n°4" in body and "n°2" not in body
    assert 'data-more-after="0"' in body


def test_link_to_a_message_centres_the_history_on_it(member_client, user, channel):
    messages = [send(user, channel, f"message {i}") for i in range(80)]
    target = messages[10]
    body = member_client.get(url("conversation", channel.id) + f"?message={target.id}").content.decode()
    assert f'id="message-{target.id}"' in body
    assert "message-highlight" in body
    assert "message 79" not in body  # the window is around the target, not the latest


def test_conversation_page_costs_the_same_queries_whatever_the_messages(member_client, user,
                                                                        member, channel):
    send(user, channel, "un")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get(url("conversation", channel.id)).status_code == 200
        return len(queries)

    count()  # the first request of a session pays for its own bookkeeping
    few = count()
    for i in range(15):
        message = send(member if i % 2 else user, channel, f"@Camille Martin n°{i}")
        services.react(user=user, message=message, emoji="👍")
        services.react(user=member, message=message, emoji="❤️")
    assert count() == few


# --- Acting on messages --------------------------------------------------------------------

def test_react_edit_and_delete_through_the_page(member_client, user, channel):
    message = send(user, channel, "Avant")
    response = member_client.post(url("react", message.id), {"emoji": "👍"}, **HTMX)
    assert response.status_code == 200 and "reaction-mine" in response.content.decode()
    assert MessageReaction.objects.filter(message=message, emoji="👍").exists()
    response = member_client.post(url("edit", message.id), {"body": "Après"}, **HTMX)
    assert "Après" in response.content.decode() and "(edited)" in response.content.decode()
    response = member_client.post(url("delete", message.id), **HTMX)
    assert "This message was deleted." in response.content.decode()
    message.refresh_from_db()
    assert message.is_deleted


def test_members_cannot_edit_or_delete_someone_elses_message(client_for_member, user, member,
                                                             channel):
    message = send(user, channel, "À moi")
    client = client_for_member(member)
    assert client.post(url("edit", message.id), {"body": "Piraté"}, **HTMX).status_code == 403
    assert client.post(url("delete", message.id), **HTMX).status_code == 403
    message.refresh_from_db()
    assert message.body == "À moi" and not message.is_deleted


def test_group_admins_see_edit_history_others_get_403(member_client, client_for_member, user,
                                                      member, channel):
    message = send(member, channel, "Version 1")
    services.edit_message(actor=member, message=message, body="Version 2")
    body = member_client.get(url("edit_history", message.id)).content.decode()
    assert "Version 1" in body
    assert client_for_member(member).get(url("edit_history", message.id)).status_code == 403


def test_mark_read_moves_the_pointer_forward_only(member_client, user, member, channel):
    first = send(member, channel, "un")
    second = send(member, channel, "deux")
    assert member_client.post(url("read", channel.id), {"message_id": second.id}).content == b"2"
    assert member_client.post(url("read", channel.id), {"message_id": first.id}).content == b"2"
    assert ReadState.objects.get(user=user, conversation=channel).last_read_seq == second.seq


def test_urgent_messages_need_the_channel_to_allow_them(member_client, client_for_member, user,
                                                        member, channel):
    client = client_for_member(member)
    assert client.post(url("send", channel.id), {"body": "Vite", "urgent": "1"},
                       **HTMX).status_code == 403
    client.post(url("urgent", channel.id), {"allowed": "1"})
    channel.refresh_from_db()
    assert not channel.urgent_allowed  # a plain member may not allow them
    member_client.post(url("urgent", channel.id), {"allowed": "1"})
    channel.refresh_from_db()
    assert channel.urgent_allowed
    response = client.post(url("send", channel.id), {"body": "Vite", "urgent": "1"}, **HTMX)
    assert response.status_code == 201 and "message-urgent" in response.content.decode()


# --- Direct conversations ------------------------------------------------------------------

def test_new_message_page_lists_people_and_starts_a_conversation(member_client, user, member):
    page = member_client.get(url("new") + "?q=Bernard").content.decode()
    assert member.display_name in page
    response = member_client.post(url("start_direct"), {"user_id": [member.id]})
    direct = user.chat_participations.get().conversation
    assert response.status_code == 302 and response["Location"] == url("conversation", direct.id)
    again = member_client.post(url("start_direct"), {"user_id": [member.id]})
    assert again["Location"] == url("conversation", direct.id)


def test_a_guest_cannot_start_a_conversation_with_someone_outside_their_groups(
        guest_client, guest, shared_group, outsider):
    response = guest_client.post(url("start_direct"), {"user_id": [outsider.id]}, follow=True)
    assert "You can only write to people you can see in the directory." in response.content.decode()
    assert not guest.chat_participations.exists()
    assert outsider.display_name not in guest_client.get(url("new")).content.decode()


def test_direct_conversations_are_404_to_people_outside_them(user, member, outsider):
    direct, _ = services.start_direct(user=user, user_ids=[member.id])
    send(user, direct, "Entre nous")
    assert client_for(outsider).get(url("conversation", direct.id)).status_code == 404
    assert client_for(member).get(url("conversation", direct.id)).status_code == 200


def test_mention_candidates_are_the_people_who_can_read_the_conversation(member_client, user,
                                                                         member, outsider,
                                                                         private_group):
    group_services.add_member(actor=user, group=private_group, user=member)
    results = member_client.get(url("mention_candidates", private_group.channel.id) + "?q=a").json()
    names = {row["name"] for row in results["results"]}
    assert member.display_name in names
    assert outsider.display_name not in names


def test_sidebar_fragment_shows_unread_and_mention_counts(client_for_member, user, member,
                                                          channel):
    send(user, channel, "Bonjour @Hugo Bernard")
    send(user, channel, "Et à tous")
    body = client_for_member(member).get(url("sidebar")).content.decode()
    assert "conversation-unread" in body
    assert '<span class="count-badge" data-unread-count>2' in body
    assert "@1" in body


def test_a_profile_offers_to_send_a_message_that_opens_the_conversation(member_client, user,
                                                                        member):
    profile = member_client.get(reverse("accounts:profile", args=[member.id])).content.decode()
    assert f'action="{url("start_direct")}"' in profile
    assert f'name="user_id" value="{member.id}"' in profile
    own = member_client.get(reverse("accounts:profile", args=[user.id])).content.decode()
    assert url("start_direct") not in own
    response = member_client.post(url("start_direct"), {"user_id": member.id})
    direct = user.chat_participations.get().conversation
    assert response["Location"] == url("conversation", direct.id)


def test_the_navigation_counts_conversations_with_something_unread(client_for_member, user,
                                                                   member, outsider, channel,
                                                                   private_group):
    from chat.selectors import unread_conversation_count

    client = client_for_member(member)
    assert unread_conversation_count(member) == 0
    root = send(user, channel, "Pour tous")
    direct, _ = services.start_direct(user=outsider, user_ids=[member.id])
    send(outsider, direct, "Un mot")
    send(user, private_group.channel, "Pas pour Hugo")  # not one of his groups
    assert unread_conversation_count(member) == 2
    assert client.get(url("unread")).json() == {"unread_conversations": 2}
    page = client.get(reverse("groups:list")).content.decode()
    assert 'data-badge="chat" data-count="2"' in page
    send(member, channel, "Ma réponse", thread_root_id=root.id)  # writing there reads it
    assert unread_conversation_count(member) == 1

    services.mark_read(user=member, conversation=channel)
    services.mark_read(user=member, conversation=direct)
    send(user, channel, "Seulement dans le fil", thread_root_id=root.id)
    assert unread_conversation_count(member) == 0  # a thread-only reply is not unread here
    send(user, channel, "Aussi dans le canal", thread_root_id=root.id, also_in_channel=True)
    assert unread_conversation_count(member) == 1


def test_the_unread_count_needs_a_signed_in_person(anonymous_client):
    assert anonymous_client.get(url("unread")).status_code == 302
