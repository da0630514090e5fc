"""What chat tells people, and what they can silence: the conversation scope of chat
notifications, muting a conversation (service, page, API) and reactions to messages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chat import services
from chat.models import Conversation
from groups import services as group_services
from notifications.models import Mute, Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def send(author, conversation, body="Bonjour", **options):
    message, _created = services.send_message(author=author, conversation=conversation,
                                              body=body, **options)
    return message


def about_messages(person, kind=None):
    notifications = Notification.objects.filter(recipient=person, target_type="message")
    return notifications.filter(kind=kind) if kind else notifications


@pytest.fixture
def third_user(db):
    return make_user("lea.petit@hopital.example", "Léa Petit", language="en")


# --- The scope a person can mute ------------------------------------------------------------------

def test_chat_notifications_name_their_conversation_as_scope(user, member, channel, direct):
    send(member, direct, "Tu es là ?")
    root = send(user, channel, "Garde de nuit")
    send(member, channel, "Oui", thread_root_id=root.id)
    send(member, channel, "@Camille Martin regarde")
    scopes = dict(about_messages(user).values_list("kind", "scope"))
    assert scopes == {Kind.DIRECT_MESSAGE: f"conversation:{direct.id}",
                      Kind.REPLY: f"conversation:{channel.id}",
                      Kind.MENTION: f"conversation:{channel.id}"}


# --- Muting ---------------------------------------------------------------------------------------

def test_muting_a_direct_conversation_stops_its_messages_but_not_urgent_ones(user, other_user,
                                                                             direct):
    assert services.set_muted(user=user, conversation=direct, muted=True) is True
    send(other_user, direct, "Pas pressé")
    assert not about_messages(user).exists()
    urgent = send(other_user, direct, "Patient instable", urgent=True)
    assert list(about_messages(user).values_list("target_id", "urgent")) == [(urgent.id, True)]


def test_muting_a_channel_stops_replies_and_reactions_but_not_mentions(user, member, channel):
    root = send(user, channel, "Planning")
    services.set_muted(user=user, conversation=channel, muted=True)
    send(member, channel, "Je prends lundi", thread_root_id=root.id)
    services.react(user=member, message=root, emoji="👍")
    assert not about_messages(user).exists()
    mention = send(member, channel, "@Camille Martin tu valides ?")
    assert list(about_messages(user).values_list("kind", "target_id")) == [
        (Kind.MENTION, mention.id)]


def test_muting_one_conversation_leaves_the_others_alone(user, member, channel, direct):
    services.set_muted(user=user, conversation=channel, muted=True)
    send(member, direct, "Coucou")
    assert about_messages(user, Kind.DIRECT_MESSAGE).count() == 1


def test_unmuting_brings_the_notifications_back(user, other_user, direct):
    services.set_muted(user=user, conversation=direct, muted=True)
    assert services.set_muted(user=user, conversation=direct, muted=False) is False
    send(other_user, direct, "Tu me rappelles ?")
    assert about_messages(user, Kind.DIRECT_MESSAGE).count() == 1
    assert not Mute.objects.exists()


def test_muting_is_per_person(user, other_user, direct):
    services.set_muted(user=other_user, conversation=direct, muted=True)
    send(other_user, direct, "Je suis en réunion")
    send(user, direct, "D'accord")
    assert about_messages(user).count() == 1
    assert not about_messages(other_user).exists()


def test_the_mute_keeps_a_label_and_a_link_for_the_settings_page(user, other_user, channel,
                                                                 direct):
    services.set_muted(user=user, conversation=direct, muted=True)
    services.set_muted(user=user, conversation=channel, muted=True)
    services.set_muted(user=user, conversation=channel, muted=True)  # twice is once
    mutes = {m.scope: (m.label, m.url) for m in Mute.objects.filter(user=user)}
    assert mutes == {
        f"conversation:{direct.id}": ("Hugo Bernard",
                                      reverse("chat:conversation", args=[direct.id])),
        f"conversation:{channel.id}": ("Cardiologie",
                                       reverse("chat:conversation", args=[channel.id]))}


def test_no_one_mutes_a_conversation_they_cannot_see(user, other_user, third_user, guest,
                                                     private_group, direct):
    private_channel = Conversation.objects.get(group=private_group)
    with pytest.raises(PermissionDenied):
        services.set_muted(user=third_user, conversation=direct, muted=True)
    with pytest.raises(PermissionDenied):
        services.set_muted(user=guest, conversation=private_channel, muted=True)
    assert not Mute.objects.exists()


# --- Muting from the conversation page ------------------------------------------------------------

def test_the_header_menu_mutes_and_unmutes(member_client, user, direct):
    url = reverse("chat:mute", args=[direct.id])
    page = member_client.get(reverse("chat:conversation", args=[direct.id])).content.decode()
    assert "Mute notifications" in page and "Notifications muted" not in page
    response = member_client.post(url, {"muted": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("chat:conversation", args=[direct.id])
    page = response.content.decode()
    assert "Notifications of this conversation are muted" in page
    assert "Unmute notifications" in page and "data-chat-muted" in page
    assert Mute.objects.filter(user=user, scope=f"conversation:{direct.id}").exists()
    page = member_client.post(url, {"muted": "0"}, follow=True).content.decode()
    assert "You will be notified of this conversation again." in page
    assert not Mute.objects.exists()


def test_the_sidebar_marks_muted_conversations(member_client, user, channel, direct):
    services.set_muted(user=user, conversation=direct, muted=True)
    sidebar = member_client.get(reverse("chat:sidebar")).content.decode()
    rows = sidebar.split('data-conversation-row="')[1:]
    marks = {int(row.split('"')[0]): "conversation-muted" in row.split("</li>")[0]
             for row in rows}
    assert marks == {direct.id: True, channel.id: False}


def test_every_reader_has_the_conversation_menu_but_only_admins_the_urgent_switch(
        member_client, other_client, member, channel):
    admin_page = member_client.get(reverse("chat:conversation", args=[channel.id])).content
    member_page = other_client.get(reverse("chat:conversation", args=[channel.id])).content
    assert b"Mute notifications" in admin_page and b"Mute notifications" in member_page
    assert b"Allow urgent messages" in admin_page
    assert b"Allow urgent messages" not in member_page


def test_muting_a_hidden_conversation_is_not_found(client, private_group, direct):
    private_channel = Conversation.objects.get(group=private_group)
    outsider = make_user("lea.petit@hopital.example", "Léa Petit")
    client.force_login(outsider)
    for conversation_id in (private_channel.id, direct.id, 999999):
        response = client.post(reverse("chat:mute", args=[conversation_id]), {"muted": "1"})
        assert response.status_code == 404
    assert not Mute.objects.exists()


def test_muting_needs_a_signed_in_post(anonymous_client, member_client, direct):
    url = reverse("chat:mute", args=[direct.id])
    response = anonymous_client.post(url, {"muted": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert member_client.get(url).status_code == 405
    assert not Mute.objects.exists()


@pytest.mark.parametrize("data", [{}, {"muted": "yes"}, {"muted": ""}])
def test_muting_without_a_clear_choice_is_refused(member_client, direct, data):
    response = member_client.post(reverse("chat:mute", args=[direct.id]), data)
    assert response.status_code == 400
    assert "muted=1" in response.content.decode()
    assert not Mute.objects.exists()


# --- Muting over the API --------------------------------------------------------------------------

def test_api_mutes_and_unmutes_a_conversation(user, api_client_for, direct):
    api = api_client_for(user)
    url = f"/api/v1/conversations/{direct.id}/mute"
    assert api.post(url).json() == {"muted": True}
    assert api.post(url).json() == {"muted": True}
    assert api.get(f"/api/v1/conversations/{direct.id}").json()["muted"] is True
    assert api.delete(url).json() == {"muted": False}
    assert api.get(f"/api/v1/conversations/{direct.id}").json()["muted"] is False
    assert not Mute.objects.exists()


def test_api_mute_is_not_found_for_outsiders_and_refused_without_a_token(
        api_client_for, guest, client, private_group, direct):
    private_channel = Conversation.objects.get(group=private_group)
    third = make_user("lea.petit@hopital.example", "Léa Petit")
    outsider = api_client_for(third)
    for conversation in (private_channel, direct):
        assert outsider.post(f"/api/v1/conversations/{conversation.id}/mute").status_code == 404
        assert outsider.delete(
            f"/api/v1/conversations/{conversation.id}/mute").status_code == 404
    assert api_client_for(guest).post(
        f"/api/v1/conversations/{private_channel.id}/mute").status_code == 404
    assert client.post(f"/api/v1/conversations/{direct.id}/mute").status_code == 401
    assert not Mute.objects.exists()


# --- Reactions ------------------------------------------------------------------------------------

def test_a_reaction_notifies_the_messages_author_once_per_person(user, member, third_user,
                                                                 group, channel):
    group_services.join_group(user=third_user, group=group)
    message = send(user, channel, "Réunion à 14 h")
    assert services.react(user=member, message=message, emoji="👍")
    services.react(user=member, message=message, emoji="❤️")
    services.react(user=member, message=message, emoji="👍", add=False)
    services.react(user=member, message=message, emoji="👍")
    services.react(user=third_user, message=message, emoji="👍")
    reactions = about_messages(user, Kind.REACTION)
    assert sorted(reactions.values_list("actor_id", flat=True)) == sorted(
        [member.id, third_user.id])
    notification = reactions.get(actor=member)
    assert (notification.target_id, notification.group_id) == (message.id, group.id)
    assert notification.url == services.message_url(message)
    assert not about_messages(member).exists() and not about_messages(third_user).exists()


def test_reacting_to_ones_own_message_notifies_no_one(user, channel):
    message = send(user, channel, "Note pour moi")
    services.react(user=user, message=message, emoji="👍")
    assert not Notification.objects.filter(kind=Kind.REACTION).exists()


def test_a_reaction_in_a_direct_conversation_notifies_the_author(user, other_user, direct):
    message = send(other_user, direct, "C'est fait")
    services.react(user=user, message=message, emoji="🙏")
    notification = about_messages(other_user, Kind.REACTION).get()
    assert notification.group_id is None and notification.actor == user


def test_an_author_who_left_a_private_group_is_not_told_of_reactions(user, other_user,
                                                                     private_group):
    private_channel = Conversation.objects.get(group=private_group)
    group_services.add_member(actor=user, group=private_group, user=other_user)
    message = send(other_user, private_channel, "Mon dernier message")
    group_services.leave_group(user=other_user, group=private_group)
    services.react(user=user, message=message, emoji="👍")
    assert not about_messages(other_user).exists()


def test_an_inactive_author_is_not_told_of_reactions(user, member, channel):
    message = send(member, channel, "Au revoir")
    member.is_active = False
    member.save(update_fields=["is_active"])
    services.react(user=user, message=message, emoji="👍")
    assert not Notification.objects.filter(kind=Kind.REACTION).exists()


def test_a_refused_reaction_notifies_no_one(user, member, channel, guest):
    message = send(member, channel, "Bonjour")
    with pytest.raises(ValidationError):
        services.react(user=user, message=message, emoji="🦄")
    with pytest.raises(PermissionDenied):
        services.react(user=guest, message=message, emoji="👍")
    assert not Notification.objects.filter(kind=Kind.REACTION).exists()


# --- Urgent messages in a channel ------------------------------------------------------------

def test_an_urgent_channel_message_reaches_every_member_at_once_even_through_a_mute(
        user, member, third_user, guest, channel, group):
    # ``group`` is public: third_user reads its channel without being a member.
    services.set_urgent_allowed(actor=user, conversation=channel, allowed=True)
    services.set_muted(user=member, conversation=channel, muted=True)
    send(user, channel, "Le chariot d'urgence est prêt")
    assert not about_messages(member).exists()  # a plain message notifies no one
    urgent = send(user, channel, "Chariot d'urgence à vérifier en salle 3", urgent=True)
    reached = about_messages(member, Kind.URGENT_MESSAGE)
    assert list(reached.values_list("target_id", "urgent")) == [(urgent.id, True)]
    assert not about_messages(user).exists()  # not its author
    assert not about_messages(third_user).exists()  # reads the channel, is not a member
    assert not about_messages(guest).exists()


def test_someone_named_in_an_urgent_message_is_told_once_as_a_mention(user, member, channel):
    services.set_urgent_allowed(actor=user, conversation=channel, allowed=True)
    send(user, channel, "@Hugo Bernard salle 3 tout de suite", urgent=True)
    assert list(about_messages(member).values_list("kind", "urgent")) == [(Kind.MENTION, True)]


def test_a_mention_in_a_plain_channel_message_notifies_no_one_else(user, member, third_user,
                                                                   channel):
    group_services.join_group(user=third_user, group=channel.group)
    send(user, channel, "@Hugo Bernard tu peux passer ?")
    assert about_messages(member).count() == 1
    assert not about_messages(third_user).exists()
