"""Who may see and do what in chat (chat.permissions): 404 for what you may not see, 403
(PermissionDenied) for what you see but may not do."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from chat import permissions, services
from chat.models import Conversation, Message
from groups import services as group_services
from groups.models import Group, Membership
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Role = Membership.Role


def channel_of(group) -> Conversation:
    return Conversation.objects.select_related("group").get(group=group)


def send(author, conversation, body="Bonjour") -> Message:
    return services.send_message(author=author, conversation=conversation, body=body)[0]


def visible_ids(person) -> set[int]:
    return set(permissions.visible_conversations(person).values_list("id", flat=True))


@pytest.fixture
def third_user(db):
    return make_user("lea.petit@hopital.example", "Léa Petit")


# --- Seeing ------------------------------------------------------------------------------------

def test_staff_members_see_public_channels_and_those_of_their_groups(
        user, other_user, group, private_group, secret_group, direct):
    assert visible_ids(other_user) == {channel_of(group).id, direct.id}
    assert visible_ids(user) == {channel_of(g).id for g in (group, private_group,
                                                             secret_group)} | {direct.id}


def test_organisation_admins_see_every_channel_but_no_one_elses_direct_conversation(
        staff_user, group, private_group, secret_group, direct):
    assert visible_ids(staff_user) == {channel_of(g).id for g in (group, private_group,
                                                                   secret_group)}


def test_guests_see_only_their_shared_group_channel_and_their_conversations(
        user, guest, group, private_group, shared_group):
    conversation, _ = services.start_direct(user=guest, user_ids=[user.id])
    assert visible_ids(guest) == {channel_of(shared_group).id, conversation.id}
    Group.objects.filter(pk=shared_group.pk).update(allow_guests=False)
    assert visible_ids(guest) == {conversation.id}


def test_inactive_and_anonymous_users_see_no_conversation(user, inactive_user, group, direct):
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    for person in (user, inactive_user, AnonymousUser(), None):
        assert visible_ids(person) == set()


def test_access_conversation_gives_a_visible_conversation(user, group, direct):
    channel = channel_of(group)
    assert permissions.access_conversation(user, channel.id) == channel
    assert permissions.access_conversation(user, str(direct.id)) == direct


@pytest.mark.parametrize("conversation_id", [987654, "abc", None, "1.5"])
def test_access_conversation_is_404_for_missing_or_malformed_ids(user, group, conversation_id):
    with pytest.raises(Http404):
        permissions.access_conversation(user, conversation_id)


def test_access_conversation_is_the_same_404_for_hidden_and_missing(other_user, secret_group):
    with pytest.raises(Http404) as hidden:
        permissions.access_conversation(other_user, channel_of(secret_group).id)
    with pytest.raises(Http404) as missing:
        permissions.access_conversation(other_user, 987654)
    assert str(hidden.value) == str(missing.value)


def test_access_message_follows_its_conversation(user, other_user, third_user, private_group,
                                                 direct):
    in_private = send(user, channel_of(private_group))
    in_direct = send(user, direct)
    assert permissions.access_message(user, in_private.id) == in_private
    assert permissions.access_message(other_user, str(in_direct.id)) == in_direct
    for person, message_id in ((other_user, in_private.id), (third_user, in_direct.id),
                               (third_user, "abc"), (user, 987654)):
        with pytest.raises(Http404):
            permissions.access_message(person, message_id)


def test_a_removed_member_loses_access_at_once(user, other_user, private_group):
    channel = channel_of(private_group)
    group_services.add_member(actor=user, group=private_group, user=other_user)
    message = send(other_user, channel)
    assert permissions.access_conversation(other_user, channel.id) == channel
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    with pytest.raises(Http404):
        permissions.access_conversation(other_user, channel.id)
    with pytest.raises(Http404):
        permissions.access_message(other_user, message.id)


# --- Writing -----------------------------------------------------------------------------------

def test_who_may_send_in_a_public_channel(user, other_user, staff_user, guest, inactive_user,
                                          group, shared_group):
    channel = channel_of(group)
    assert permissions.can_send(user, channel)
    # Staff members read a public channel, but write in it once they join the group.
    assert not permissions.can_send(other_user, channel)
    group_services.join_group(user=other_user, group=group)
    assert permissions.can_send(other_user, channel)
    # Organisation admins write everywhere (DESIGN.md: they manage every group).
    assert permissions.can_send(staff_user, channel)
    for person in (guest, inactive_user, AnonymousUser(), None):
        assert not permissions.can_send(person, channel)


def test_who_may_send_in_a_shared_group_channel(user, other_user, guest, shared_group):
    channel = channel_of(shared_group)
    assert permissions.can_send(guest, channel)
    assert not permissions.can_send(other_user, channel)
    Group.objects.filter(pk=shared_group.pk).update(allow_guests=False)
    channel = channel_of(shared_group)
    assert not permissions.can_send(guest, channel)


def test_a_member_who_is_deactivated_may_no_longer_send(group):
    person = make_user("leaving@hopital.example", "Leaving Soon")
    group_services.join_group(user=person, group=group)
    channel = channel_of(group)
    assert permissions.can_send(person, channel)
    person.is_active = False
    assert not permissions.can_send(person, channel)


def test_only_participants_send_in_a_direct_conversation(user, other_user, third_user,
                                                         staff_user, direct):
    assert permissions.can_send(user, direct) and permissions.can_send(other_user, direct)
    assert not permissions.can_send(third_user, direct)
    assert not permissions.can_send(staff_user, direct)


def test_check_can_send_says_an_archived_channel_is_read_only(user, group):
    group_services.set_archived(actor=user, group=group, archived=True)
    channel = channel_of(group)
    assert not permissions.can_send(user, channel)
    with pytest.raises(PermissionDenied, match="archived"):
        permissions.check_can_send(user, channel)


def test_check_can_send_refuses_a_non_member(other_user, private_group, direct, third_user):
    with pytest.raises(PermissionDenied):
        permissions.check_can_send(other_user, channel_of(private_group))
    with pytest.raises(PermissionDenied):
        permissions.check_can_send(third_user, direct)


# --- Moderating, editing, deleting -------------------------------------------------------------

def test_group_owners_admins_and_organisation_admins_moderate_a_channel(
        user, other_user, third_user, staff_user, group, direct):
    channel = channel_of(group)
    group_services.join_group(user=other_user, group=group)
    group_services.add_member(actor=user, group=group, user=third_user, role=Role.ADMIN)
    assert permissions.can_moderate(user, channel)
    assert permissions.can_moderate(third_user, channel)
    assert permissions.can_moderate(staff_user, channel)
    assert not permissions.can_moderate(other_user, channel)
    assert not permissions.can_moderate(user, direct)


def test_only_the_author_may_edit_and_not_once_deleted(user, other_user, staff_user, group):
    group_services.join_group(user=other_user, group=group)
    message = send(other_user, channel_of(group))
    assert permissions.can_edit(other_user, message)
    assert not permissions.can_edit(user, message)
    assert not permissions.can_edit(staff_user, message)
    services.delete_message(actor=other_user, message=message)
    assert not permissions.can_edit(other_user, message)


def test_author_and_moderators_may_delete(user, other_user, third_user, group):
    channel = channel_of(group)
    group_services.join_group(user=other_user, group=group)
    group_services.join_group(user=third_user, group=group)
    message = send(other_user, channel)
    assert permissions.can_delete(other_user, message)
    assert permissions.can_delete(user, message)
    assert not permissions.can_delete(third_user, message)


def test_nobody_edits_or_deletes_in_an_archived_channel(user, other_user, group):
    group_services.join_group(user=other_user, group=group)
    message = send(other_user, channel_of(group))
    group_services.set_archived(actor=user, group=group, archived=True)
    message = Message.objects.select_related("conversation__group").get(pk=message.pk)
    assert not permissions.can_edit(other_user, message)
    assert not permissions.can_delete(other_user, message)
    assert not permissions.can_delete(user, message)


def test_a_former_member_may_not_edit_nor_delete_their_messages(user, other_user, group):
    group_services.join_group(user=other_user, group=group)
    message = send(other_user, channel_of(group))
    group_services.leave_group(user=other_user, group=group)
    assert not permissions.can_edit(other_user, message)
    assert not permissions.can_delete(other_user, message)
    assert permissions.can_delete(user, message)


def test_in_a_direct_conversation_only_the_author_deletes(user, other_user, staff_user, direct):
    message = send(user, direct)
    assert permissions.can_delete(user, message)
    assert not permissions.can_delete(other_user, message)
    assert not permissions.can_delete(staff_user, message)


def test_the_edit_history_is_for_the_group_admins(user, other_user, group, direct):
    group_services.join_group(user=other_user, group=group)
    message = send(other_user, channel_of(group))
    assert permissions.can_see_edit_history(user, message)
    assert not permissions.can_see_edit_history(other_user, message)
    assert not permissions.can_see_edit_history(user, send(user, direct))


def test_urgent_messages_are_always_allowed_in_direct_ones_and_per_channel(user, group,
                                                                           direct):
    channel = channel_of(group)
    assert permissions.can_send_urgent(user, direct)
    assert not permissions.can_send_urgent(user, channel)
    services.set_urgent_allowed(actor=user, conversation=channel, allowed=True)
    assert permissions.can_send_urgent(user, channel_of(group))
