"""Reads of conversations and messages (chat.selectors, after "Conversations and messages"):
history windows, the sidebar with its unread and mention counts, who reads what."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from chat import selectors, services
from chat.models import Conversation, Message
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def send(author, conversation, body="Bonjour", **options) -> Message:
    message, created = services.send_message(author=author, conversation=conversation,
                                             body=body, **options)
    assert created
    return message


@pytest.fixture
def third_user(db):
    return make_user("lea.petit@hopital.example", "Léa Petit", department="Urgences")


@pytest.fixture
def messages(user, channel):
    """Ten messages in the channel, seq 1 to 10."""
    return [send(user, channel, f"m{n}") for n in range(1, 11)]


def seqs(history) -> list[int]:
    return [message.seq for message in history.messages]


# --- History -----------------------------------------------------------------------------------

def test_history_is_the_latest_window_in_seq_order(channel, messages):
    window = selectors.history(channel, limit=4)
    assert seqs(window) == [7, 8, 9, 10]
    assert window.more_before and not window.more_after


def test_history_of_a_short_conversation_is_complete(channel, messages):
    window = selectors.history(channel)
    assert seqs(window) == list(range(1, 11))
    assert not window.more_before and not window.more_after


def test_history_of_an_empty_conversation_is_empty(channel):
    window = selectors.history(channel)
    assert window.messages == [] and not window.more_before and not window.more_after


def test_history_before_pages_back_disjoint_and_complete(channel, messages):
    pages, before = [], None
    while True:
        window = selectors.history(channel, before=before, limit=3)
        pages.append(seqs(window))
        if not window.more_before:
            break
        before = window.messages[0].seq
    assert pages == [[8, 9, 10], [5, 6, 7], [2, 3, 4], [1]]


def test_history_after_pages_forward_disjoint_and_complete(channel, messages):
    pages, after = [], 0
    while True:
        window = selectors.history(channel, after=after, limit=4)
        pages.append(seqs(window))
        if not window.more_after:
            break
        after = window.messages[-1].seq
    assert pages == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


def test_history_before_and_after_a_seq(channel, messages):
    older = selectors.history(channel, before=5, limit=10)
    newer = selectors.history(channel, after=5, limit=10)
    assert seqs(older) == [1, 2, 3, 4] and older.more_after and not older.more_before
    assert seqs(newer) == [6, 7, 8, 9, 10] and newer.more_before and not newer.more_after


def test_history_around_a_message_centres_on_it(channel, messages):
    window = selectors.history(channel, around=messages[4].id, limit=4)
    assert seqs(window) == [3, 4, 5, 6]
    assert window.more_before and window.more_after


def test_history_around_the_first_message_starts_at_it(channel, messages):
    window = selectors.history(channel, around=messages[0].id, limit=4)
    assert seqs(window) == [1, 2]
    assert not window.more_before and window.more_after


def test_history_around_then_both_ways_covers_everything_once(channel, messages):
    middle = selectors.history(channel, around=messages[5].id, limit=4)
    older = selectors.history(channel, before=middle.messages[0].seq, limit=50)
    newer = selectors.history(channel, after=middle.messages[-1].seq, limit=50)
    assert seqs(older) + seqs(middle) + seqs(newer) == list(range(1, 11))


def test_history_around_an_unknown_message_is_empty(user, channel, messages, direct):
    elsewhere = send(user, direct)
    for around in (987654, elsewhere.id):
        window = selectors.history(channel, around=around)
        assert window.messages == [] and not window.more_before and not window.more_after


def test_history_leaves_out_thread_only_replies(user, member, channel):
    root = send(user, channel, "Root")
    send(member, channel, "Thread only", thread_root_id=root.id)
    shown = send(member, channel, "Also in channel", thread_root_id=root.id,
                 also_in_channel=True)
    last = send(user, channel, "After")
    assert [m.id for m in selectors.history(channel).messages] == [root.id, shown.id, last.id]
    assert [m.id for m in selectors.history(channel, after=root.seq).messages] == [shown.id,
                                                                                   last.id]
    assert [m.id for m in selectors.history(channel, before=last.seq).messages] == [root.id,
                                                                                    shown.id]


def test_history_around_a_thread_only_reply_is_empty(user, member, channel):
    root = send(user, channel, "Root")
    reply = send(member, channel, "Thread only", thread_root_id=root.id)
    assert selectors.history(channel, around=reply.id).messages == []


def test_history_shows_deleted_messages_as_deleted(user, channel):
    kept = send(user, channel, "Kept")
    gone = send(user, channel, "Gone")
    services.delete_message(actor=user, message=gone)
    window = selectors.history(channel)
    assert [m.id for m in window.messages] == [kept.id, gone.id]
    assert window.messages[1].is_deleted and window.messages[1].body == ""


def test_history_query_count_does_not_grow_with_messages_and_reactions(
        django_assert_max_num_queries, user, member, channel):
    for n in range(30):
        message = send(user, channel, f"m{n}")
        services.react(user=member, message=message, emoji="👍")
        if n % 3 == 0:
            services.send_message(author=user, conversation=channel, body="",
                                  attachments=[SimpleUploadedFile(f"f{n}.txt", b"rota")])
    # The messages with their authors, their reactions, their files with their documents.
    with django_assert_max_num_queries(3):
        window = selectors.history(channel, limit=20)
        for message in window.messages:
            assert message.author.display_name
            assert [r.emoji for r in message.reactions.all()] in (["👍"], [])
            for attachment in selectors.attachments_of(message):
                assert attachment.document.current_version.size == 4
    assert any(selectors.attachments_of(m) for m in window.messages)


def test_a_thread_lists_its_replies_oldest_first(user, member, channel):
    root = send(user, channel, "Root")
    first = send(member, channel, "One", thread_root_id=root.id)
    send(user, channel, "Unrelated")
    second = send(user, channel, "Two", thread_root_id=first.id, also_in_channel=True)
    assert [m.id for m in selectors.thread(root)] == [first.id, second.id]


def test_reaction_counts_per_emoji(user, member, channel):
    message = send(user, channel)
    services.react(user=user, message=message, emoji="👍")
    services.react(user=member, message=message, emoji="👍")
    services.react(user=member, message=message, emoji="🙏")
    assert selectors.reaction_counts(message) == {"👍": 2, "🙏": 1}


# --- Who reads a conversation, where its events go -------------------------------------------

def test_a_channel_is_read_by_who_can_see_its_group(user, other_user, guest, staff_user,
                                                    private_group, group):
    private = Conversation.objects.get(group=private_group)
    public = Conversation.objects.get(group=group)
    assert set(selectors.people_in(private)) == {user, staff_user}
    assert set(selectors.people_in(public)) == {user, other_user, staff_user}


def test_a_direct_conversation_is_read_by_its_active_participants(user, other_user,
                                                                  third_user):
    conversation, _ = services.start_direct(user=user, user_ids=[other_user.id, third_user.id])
    User.objects.filter(pk=third_user.pk).update(is_active=False)
    assert set(selectors.people_in(conversation)) == {user, other_user}


def test_channel_events_go_to_the_group_stream_and_direct_ones_to_each_person(
        user, other_user, group, channel, direct):
    assert selectors.conversation_streams(channel) == [f"group.{group.id}"]
    assert selectors.conversation_streams(direct) == sorted(
        [f"user.{user.id}", f"user.{other_user.id}"],
        key=lambda stream: int(stream.split(".")[1]))


def test_direct_conversation_between_finds_the_same_people_in_any_order(user, other_user,
                                                                        third_user, direct):
    assert selectors.direct_conversation_between([other_user.id, user.id]) == direct
    assert selectors.direct_conversation_between([user.id, other_user.id, user.id]) == direct
    assert selectors.direct_conversation_between([user.id, third_user.id]) is None


# --- The sidebar -------------------------------------------------------------------------------

def sidebar(person) -> dict[int, Conversation]:
    return {row.id: row for row in selectors.my_conversations(person)}


def test_my_conversations_are_my_groups_channels_and_my_direct_conversations(
        user, other_user, third_user, group, private_group, secret_group, direct):
    # other_user is in no group: public channels they could read are not in their sidebar.
    others, _ = services.start_direct(user=third_user, user_ids=[user.id])
    channels = {Conversation.objects.get(group=g).id for g in (group, private_group,
                                                                 secret_group)}
    assert set(sidebar(user)) == channels | {direct.id, others.id}
    assert set(sidebar(other_user)) == {direct.id}
    assert set(sidebar(third_user)) == {others.id}


def test_organisation_admins_see_only_the_channels_of_their_own_groups(staff_user, group):
    assert sidebar(staff_user) == {}


def test_a_guest_sidebar_has_only_their_shared_group(guest, group, shared_group):
    assert set(sidebar(guest)) == {Conversation.objects.get(group=shared_group).id}
    Group.objects.filter(pk=shared_group.pk).update(allow_guests=False)
    assert sidebar(guest) == {}


def test_a_removed_member_loses_the_channel_from_their_sidebar(user, other_user,
                                                               private_group):
    group_services.add_member(actor=user, group=private_group, user=other_user)
    channel = Conversation.objects.get(group=private_group)
    assert set(sidebar(other_user)) == {channel.id}
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    assert sidebar(other_user) == {}


def test_inactive_and_anonymous_users_have_no_conversations(inactive_user):
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.my_conversations(inactive_user)) == []
    assert list(selectors.my_conversations(AnonymousUser())) == []


def test_my_conversations_are_ordered_by_last_activity(user, other_user, third_user, group,
                                                       private_group):
    channel = Conversation.objects.get(group=group)
    private = Conversation.objects.get(group=private_group)
    pair, _ = services.start_direct(user=user, user_ids=[other_user.id])
    trio, _ = services.start_direct(user=user, user_ids=[other_user.id, third_user.id])
    send(user, pair, "first")
    send(user, channel, "second")
    send(user, private, "third")
    # trio has no message: its creation, before every message, is its last activity.
    order = [row.id for row in selectors.my_conversations(user)]
    assert order == [private.id, channel.id, pair.id, trio.id]
    send(user, pair, "again")
    assert selectors.my_conversations(user).first().id == pair.id


def test_a_conversation_without_messages_is_placed_by_its_creation(user, other_user, group):
    channel = Conversation.objects.get(group=group)
    Conversation.objects.filter(pk=channel.pk).update(
        created=timezone.now() - timedelta(days=3))
    direct, _ = services.start_direct(user=user, user_ids=[other_user.id])
    assert [row.id for row in selectors.my_conversations(user)] == [direct.id, channel.id]


def test_unread_count_leaves_out_my_messages_thread_only_replies_and_deleted_ones(
        user, member, channel):
    root = send(user, channel, "Root")
    send(member, channel, "Mine")
    send(user, channel, "Thread only", thread_root_id=root.id)
    send(user, channel, "Also in channel", thread_root_id=root.id, also_in_channel=True)
    gone = send(user, channel, "Deleted")
    services.delete_message(actor=user, message=gone)
    # Root, and the reply also shown in the channel; member's own messages moved their pointer.
    assert sidebar(member)[channel.id].unread_count == 1
    send(user, channel, "New")
    assert sidebar(member)[channel.id].unread_count == 2
    assert sidebar(user)[channel.id].unread_count == 0


def test_unread_count_starts_at_every_message_for_a_new_member(user, other_user, group,
                                                               channel):
    for n in range(3):
        send(user, channel, f"m{n}")
    group_services.join_group(user=other_user, group=group)
    assert sidebar(other_user)[channel.id].unread_count == 3


def test_reading_clears_unread_and_mention_counts(user, member, channel):
    first = send(user, channel, "@Hugo Bernard un")
    send(user, channel, "deux")
    third = send(user, channel, "@Hugo Bernard trois")
    row = sidebar(member)[channel.id]
    assert (row.unread_count, row.mention_count) == (3, 2)
    services.mark_read(user=member, conversation=channel, message_id=first.id)
    row = sidebar(member)[channel.id]
    assert (row.unread_count, row.mention_count, row.read_seq) == (2, 1, first.seq)
    services.mark_read(user=member, conversation=channel, message_id=third.id)
    row = sidebar(member)[channel.id]
    assert (row.unread_count, row.mention_count) == (0, 0)


def test_a_mention_in_a_thread_counts_as_a_mention(user, member, channel):
    root = send(member, channel, "Root")
    send(user, channel, "@Hugo Bernard vu ?", thread_root_id=root.id)
    row = sidebar(member)[channel.id]
    assert (row.unread_count, row.mention_count) == (0, 1)


def test_unread_counts_are_per_person_and_per_conversation(user, other_user, third_user,
                                                          group, channel, direct):
    group_services.join_group(user=other_user, group=group)
    group_services.join_group(user=third_user, group=group)
    send(user, channel, "channel")
    send(user, direct, "direct 1")
    send(user, direct, "direct 2")
    mine = sidebar(other_user)
    assert (mine[channel.id].unread_count, mine[direct.id].unread_count) == (1, 2)
    assert sidebar(third_user)[channel.id].unread_count == 1
    assert direct.id not in sidebar(third_user)


def _add_conversations(user, count, prefix):
    """``count`` direct conversations and ``count`` group channels, each with a message."""
    for n in range(count):
        person = make_user(f"{prefix}-{n}@hopital.example", f"Person {prefix} {n}")
        conversation, _ = services.start_direct(user=user, user_ids=[person.id])
        send(person, conversation, "@Camille Martin hello")
        group = group_services.create_group(creator=person, name=f"Groupe {prefix} {n}")
        group_services.join_group(user=user, group=group)
        send(person, Conversation.objects.get(group=group), "hello")


def test_my_conversations_query_count_does_not_grow_with_conversations(user):
    queries_for = {}
    for prefix, count in (("a", 1), ("b", 9)):
        _add_conversations(user, count, prefix)
        with CaptureQueriesContext(connection) as queries:
            rows = list(selectors.my_conversations(user))
            for row in rows:
                assert row.unread_count == 1
                assert row.mention_count == (0 if row.is_channel else 1)
                if row.is_channel:
                    assert row.group.name
        queries_for[len(rows)] = len(queries)
    assert queries_for == {2: 1, 20: 1}
