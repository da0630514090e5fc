"""Every write to chat (chat.services): channels, sending, threads, mentions, direct
conversations, edits, deletions, reactions and read pointers."""

import importlib
import threading

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from chat import permissions, selectors, services, signals
from chat.models import (
    Conversation,
    Message,
    MessageEdit,
    MessageMention,
    MessageReaction,
    ReadState,
    ThreadFollow,
)
from groups import services as group_services
from groups.models import Membership
from network.models import Event
from notifications.models import Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Role = Membership.Role
Kind = Notification.Kind


def add(group, person, role=Role.MEMBER):
    """``person`` joins ``group``, added by its creator (the owner of every fixture group)."""
    return group_services.add_member(actor=group.created_by, group=group, user=person, role=role)


def send(author, conversation, body="Bonjour", **options) -> Message:
    message, created = services.send_message(author=author, conversation=conversation,
                                             body=body, **options)
    assert created
    return message


def notified(person, kind=None):
    """``person``'s notifications about messages (being added to a group is told too)."""
    notifications = Notification.objects.filter(recipient=person, target_type="message")
    if kind is not None:
        notifications = notifications.filter(kind=kind)
    return notifications


def limit(settings, **values):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, **values}


@pytest.fixture
def third_user(db):
    return make_user("lea.petit@hopital.example", "Léa Petit", department="Urgences",
                     language="fr")


# --- Channels --------------------------------------------------------------------------------

def test_every_group_gets_its_channel_when_it_is_created(user, group, private_group,
                                                           secret_group):
    for each in (group, private_group, secret_group):
        channel = Conversation.objects.get(group=each)
        assert channel.kind == Conversation.Kind.CHANNEL
        assert channel.created_by == user and channel.direct_key is None


def test_a_group_created_in_a_rolled_back_transaction_leaves_no_channel(user):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        group_services.create_group(creator=user, name="Brouillon")
        raise RuntimeError
    assert not Conversation.objects.filter(kind=Conversation.Kind.CHANNEL).exists()


def test_ensure_channel_is_idempotent(group, channel):
    assert services.ensure_channel(group) == channel
    assert services.ensure_channel(group) == channel
    assert Conversation.objects.filter(group=group).count() == 1


def test_ensure_channel_creates_a_missing_channel(group, channel):
    channel.delete()
    created = services.ensure_channel(group)
    assert created.group == group and created.is_channel
    assert Conversation.objects.filter(group=group).count() == 1


def test_migration_gives_existing_groups_a_channel_once(group, private_group):
    migration = importlib.import_module("chat.migrations.0002_channels_for_existing_groups")
    Conversation.objects.filter(group=group).delete()
    migration.create_channels(apps, None)
    migration.create_channels(apps, None)
    assert Conversation.objects.filter(group=group).count() == 1
    assert Conversation.objects.filter(group=private_group).count() == 1


# --- Sending: who may ------------------------------------------------------------------------

def test_a_member_sends_in_the_group_channel(user, group, channel, sent_events):
    with sent_events.after_commit():
        message, created = services.send_message(author=user, conversation=channel,
                                                 body="**Relève** à 19h")
    assert created and message.seq == 1 and message.author == user
    assert "<strong>Relève</strong>" in message.body_html
    channel.refresh_from_db()
    assert channel.last_seq == 1 and channel.last_message_at == message.created
    assert sent_events.streams("message.created") == {f"group.{group.id}"}
    [event] = sent_events.of_type("message.created")
    assert event["data"]["message"]["id"] == message.id
    assert event["data"]["message"]["seq"] == 1


def test_markdown_is_sanitised_on_send(user, channel):
    message = send(user, channel, '<script>alert(1)</script> [x](javascript:alert(1))')
    assert "<script" not in message.body_html and "javascript:" not in message.body_html


def test_a_non_member_of_a_private_group_cannot_send_nor_see_its_channel(other_user,
                                                                         private_group):
    channel = Conversation.objects.get(group=private_group)
    with pytest.raises(PermissionDenied):
        services.send_message(author=other_user, conversation=channel, body="Hello")
    with pytest.raises(Http404):
        permissions.access_conversation(other_user, channel.id)
    assert not Message.objects.exists()


def test_a_guest_cannot_send_in_a_group_they_are_not_in(guest, group, shared_group):
    channel = Conversation.objects.get(group=group)
    with pytest.raises(PermissionDenied):
        services.send_message(author=guest, conversation=channel, body="Hello")
    with pytest.raises(Http404):
        permissions.access_conversation(guest, channel.id)


def test_a_guest_sends_in_their_shared_group(guest, shared_group):
    channel = Conversation.objects.get(group=shared_group)
    assert send(guest, channel).author == guest


def test_a_removed_member_can_no_longer_send(user, other_user, private_group):
    channel = Conversation.objects.get(group=private_group)
    add(private_group, other_user)
    send(other_user, channel)
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    with pytest.raises(PermissionDenied):
        services.send_message(author=other_user, conversation=channel, body="Still here?")
    with pytest.raises(Http404):
        permissions.access_conversation(other_user, channel.id)
    assert Message.objects.count() == 1


def test_an_inactive_member_cannot_send(group, channel):
    person = make_user("leaving@hopital.example", "Leaving Soon")
    add(group, person)
    User.objects.filter(pk=person.pk).update(is_active=False)
    person.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.send_message(author=person, conversation=channel, body="Hello")


def test_a_non_member_staff_member_reads_a_public_channel_but_cannot_send(user, other_user,
                                                                          channel):
    send(user, channel)
    assert permissions.access_conversation(other_user, channel.id) == channel
    assert len(selectors.history(channel).messages) == 1
    with pytest.raises(PermissionDenied):
        services.send_message(author=other_user, conversation=channel, body="Hello")


# --- send_message_to: the conversation and the sender's belonging read in one query ----------

def test_sending_by_id_answers_each_sender_as_send_message_and_access_conversation_do(
        user, other_user, guest, group, private_group, shared_group, direct):
    private, public = private_group.channel, group.channel
    assert services.send_message_to(author=user, conversation_id=private.id,
                                    body="Members only")[0].conversation == private
    assert services.send_message_to(author=other_user, conversation_id=direct.id,
                                    body="Hi")[0].conversation == direct
    # Cannot see it: "not found", whether it exists or not.
    for person, conversation_id in ((other_user, private.id), (guest, public.id),
                                    (guest, direct.id), (user, 999_999), (user, 2**63)):
        with pytest.raises(Http404):
            services.send_message_to(author=person, conversation_id=conversation_id,
                                     body="Hello")
    # Sees it (a public group's channel) without belonging to it: told why not.
    with pytest.raises(PermissionDenied):
        services.send_message_to(author=other_user, conversation_id=public.id, body="Hello")
    assert Message.objects.count() == 2


def test_sending_by_id_asks_no_query_of_its_own_for_membership_or_desk(user, private_group):
    channel = private_group.channel
    services.send_message_to(author=user, conversation_id=channel.id, body="Warm up")
    with CaptureQueriesContext(connection) as queries:
        services.send_message_to(author=user, conversation_id=channel.id, body="Hello")
    reads = [query["sql"] for query in queries.captured_queries
             if query["sql"].startswith("SELECT")]
    # The conversation's read carries the membership test and the group's desk, if any.
    conversation_reads = [sql for sql in reads if 'FROM "chat_conversation"' in sql]
    assert len(conversation_reads) == 1
    assert '"groups_membership"' in conversation_reads[0]
    assert '"desk_desk"' in conversation_reads[0]
    assert not [sql for sql in reads if sql.startswith('SELECT 1 AS "a" FROM "groups_membership"')
                or 'FROM "desk_desk"' in sql]


def test_the_sending_read_compiled_once_answers_each_sender_and_each_change_at_once(
        user, other_user, guest, shared_group):
    """The read is compiled to SQL once per process (network.prepared): every later sender,
    member or guest, and every change of membership or of the group must still be read."""
    channel = shared_group.channel
    services.send_message_to(author=user, conversation_id=channel.id, body="Member")
    services.send_message_to(author=guest, conversation_id=channel.id, body="Guest")
    # other_user sees nothing of a private group they are not in.
    with pytest.raises(Http404):
        services.send_message_to(author=other_user, conversation_id=channel.id, body="Hello")
    group_services.add_member(actor=user, group=shared_group, user=other_user)
    services.send_message_to(author=other_user, conversation_id=channel.id, body="Now in")
    group_services.remove_member(actor=user, group=shared_group, user=other_user)
    with pytest.raises(Http404):
        services.send_message_to(author=other_user, conversation_id=channel.id, body="Out")
    # Closed to guests: its guest no longer sees it, although still a member.
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    with pytest.raises(Http404):
        services.send_message_to(author=guest, conversation_id=channel.id, body="Still here?")
    services.send_message_to(author=user, conversation_id=channel.id, body="Members only now")
    assert list(Message.objects.filter(conversation=channel).order_by("seq")
                .values_list("body", flat=True)) == ["Member", "Guest", "Now in",
                                                     "Members only now"]


def test_a_message_and_its_events_are_stored_in_one_transaction(
        user, member, channel, django_capture_on_commit_callbacks):
    """The message's events are the last write of its transaction (one commit fewer on the
    path of every message), so a send that fails leaves neither."""
    with django_capture_on_commit_callbacks(execute=False):
        message = send(member, channel, "Stored with its event")
        # Before any after-commit work: the event is already there.
        event = Event.objects.get(type="message.created")
        assert event.data["message"]["id"] == message.id
    assert event.stream == f"group.{channel.group_id}"

    def fail(**kwargs):
        raise RuntimeError("the desk could not file it")

    signals.message_sent.connect(fail, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError):
            send(member, channel, "Lost together")
    finally:
        signals.message_sent.disconnect(dispatch_uid="test-fail")
    assert not Message.objects.filter(body="Lost together").exists()
    assert Event.objects.filter(type="message.created").count() == 1


def test_a_belonging_read_for_one_person_is_not_taken_for_another(user, other_user,
                                                                  private_group):
    conversation = permissions.conversation_for_sending(user, private_group.channel.id)
    assert conversation.writer_belongs == (user.id, True)
    assert permissions.can_send(user, conversation)
    assert not permissions.can_send(other_user, conversation)


def test_an_archived_group_channel_is_read_only(user, member, group, channel):
    message = send(member, channel)
    group_services.set_archived(actor=user, group=group, archived=True)
    channel.refresh_from_db()
    with pytest.raises(PermissionDenied, match="archived"):
        services.send_message(author=user, conversation=channel, body="Encore un mot")
    with pytest.raises(PermissionDenied):
        services.react(user=user, message=message, emoji="👍")
    with pytest.raises(PermissionDenied):
        services.edit_message(actor=member, message=message, body="Changed")
    with pytest.raises(PermissionDenied):
        services.delete_message(actor=member, message=message)
    assert permissions.access_conversation(member, channel.id) == channel
    assert [m.id for m in selectors.history(channel).messages] == [message.id]


# --- Sending: what -----------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["", "   \n\t ", None])
def test_an_empty_message_is_refused(user, channel, body):
    with pytest.raises(ValidationError) as error:
        services.send_message(author=user, conversation=channel, body=body)
    assert "body" in error.value.message_dict
    assert not Message.objects.exists()


def test_a_message_over_the_length_limit_is_refused_naming_the_limit(settings, user, channel):
    limit(settings, message_chars=20)
    send(user, channel, "x" * 20)
    with pytest.raises(ValidationError) as error:
        services.send_message(author=user, conversation=channel, body="x" * 21)
    assert "20" in error.value.message_dict["body"][0]
    assert Message.objects.count() == 1


def test_a_client_id_over_64_characters_is_refused(user, channel):
    send(user, channel, client_id="c" * 64)
    with pytest.raises(ValidationError) as error:
        services.send_message(author=user, conversation=channel, body="Hi", client_id="c" * 65)
    assert "client_id" in error.value.message_dict
    assert Message.objects.count() == 1


def test_a_retried_send_returns_the_stored_message_once(user, group, channel, sent_events):
    with sent_events.after_commit():
        first, created = services.send_message(author=user, conversation=channel,
                                               body="Patient en salle 3", client_id="abc-1")
        again, created_again = services.send_message(author=user, conversation=channel,
                                                     body="Patient en salle 3",
                                                     client_id="abc-1")
    assert created and not created_again and again.id == first.id
    assert Message.objects.count() == 1
    assert len(sent_events.of_type("message.created")) == 1
    channel.refresh_from_db()
    assert channel.last_seq == 1


def test_the_same_client_id_from_two_people_makes_two_messages(user, member, channel):
    mine = send(user, channel, client_id="same")
    theirs = send(member, channel, client_id="same")
    assert mine.id != theirs.id and Message.objects.count() == 2


def test_messages_without_client_id_are_never_merged(user, channel):
    send(user, channel, "Un")
    send(user, channel, "Un")
    assert Message.objects.count() == 2


def test_seq_is_gapless_per_conversation_and_shared_by_messages_and_threads(
        user, member, group, channel, direct):
    root = send(user, channel, "Root")
    send(member, channel, "Reply", thread_root_id=root.id)
    send(user, channel, "Next")
    send(user, direct, "Psst")
    send(member, channel, "Reply in channel too", thread_root_id=root.id,
         also_in_channel=True)
    assert list(Message.objects.filter(conversation=channel).values_list("seq", flat=True)
                ) == [1, 2, 3, 4]
    assert list(Message.objects.filter(conversation=direct).values_list("seq", flat=True)) == [1]
    channel.refresh_from_db()
    assert channel.last_seq == 4


def test_a_refused_send_takes_no_seq(settings, user, channel):
    limit(settings, message_chars=5)
    send(user, channel, "one")
    with pytest.raises(ValidationError):
        services.send_message(author=user, conversation=channel, body="far too long")
    assert send(user, channel, "two").seq == 2


def _send_from_threads(conversation_id, authors, per_thread, client_id=None):
    """Each author sends from its own thread (its own database connection), all at once."""
    barrier = threading.Barrier(len(authors))
    results, errors = [], []

    def run(author):
        try:
            conversation = Conversation.objects.get(pk=conversation_id)
            barrier.wait()
            for index in range(per_thread):
                results.append(services.send_message(
                    author=author, conversation=conversation, body=f"{author.id}-{index}",
                    client_id=client_id or ""))
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(author,)) for author in authors]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    return results


postgresql_only = pytest.mark.skipif(connection.vendor == "sqlite",
                                     reason="concurrent writers need PostgreSQL")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_get_distinct_consecutive_seqs(user):
    group = group_services.create_group(creator=user, name="Urgences")
    people = [user] + [make_user(f"writer{n}@hopital.example", f"Writer {n}") for n in range(5)]
    for person in people[1:]:
        add(group, person)
    channel = Conversation.objects.get(group=group)
    results = _send_from_threads(channel.id, people, per_thread=5)
    assert len(results) == 30 and all(created for _m, created in results)
    seqs = sorted(Message.objects.filter(conversation=channel).values_list("seq", flat=True))
    assert seqs == list(range(1, 31))
    channel.refresh_from_db()
    assert channel.last_seq == 30


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_client_id_store_one_message(user):
    group = group_services.create_group(creator=user, name="Urgences")
    channel = Conversation.objects.get(group=group)
    results = _send_from_threads(channel.id, [user] * 6, per_thread=1, client_id="retry-1")
    assert Message.objects.filter(conversation=channel).count() == 1
    assert sum(created for _m, created in results) == 1
    assert {message.id for message, _created in results} == {Message.objects.get().id}
    channel.refresh_from_db()
    assert channel.last_seq == 1


# --- Threads ---------------------------------------------------------------------------------

def test_a_reply_counts_on_its_root_and_updates_it_live(user, member, group, channel,
                                                          sent_events):
    root = send(user, channel, "Qui a la clé du chariot ?")
    with sent_events.after_commit():
        reply = send(member, channel, "Moi", thread_root_id=root.id)
    root.refresh_from_db()
    assert reply.thread_root == root and not reply.also_in_channel
    assert root.reply_count == 1 and root.last_reply_at == reply.created
    [updated] = sent_events.of_type("message.updated")
    assert updated["stream"] == f"group.{group.id}"
    assert updated["data"]["message"]["id"] == root.id
    assert updated["data"]["message"]["reply_count"] == 1
    [created] = sent_events.of_type("message.created")
    assert created["data"]["message"]["thread_root_id"] == root.id


def test_a_reply_to_a_reply_goes_to_the_root(user, member, channel):
    root = send(user, channel, "Root")
    reply = send(member, channel, "Reply", thread_root_id=root.id)
    nested = send(user, channel, "Reply to reply", thread_root_id=reply.id)
    assert nested.thread_root_id == root.id
    root.refresh_from_db()
    reply.refresh_from_db()
    assert root.reply_count == 2 and reply.reply_count == 0


def test_a_reply_to_a_message_of_another_conversation_is_refused(user, channel, direct):
    elsewhere = send(user, direct, "Private")
    with pytest.raises(ValidationError) as error:
        services.send_message(author=user, conversation=channel, body="Hi",
                              thread_root_id=elsewhere.id)
    assert "thread_id" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.send_message(author=user, conversation=channel, body="Hi",
                              thread_root_id="not-a-number")


def test_also_in_channel_shows_a_reply_in_the_channel(user, member, channel):
    root = send(user, channel, "Root")
    hidden = send(member, channel, "Thread only", thread_root_id=root.id)
    shown = send(member, channel, "Also in channel", thread_root_id=root.id,
                 also_in_channel=True)
    assert shown.also_in_channel and not hidden.also_in_channel
    assert [m.id for m in selectors.history(channel).messages] == [root.id, shown.id]
    assert [m.id for m in selectors.thread(root)] == [hidden.id, shown.id]


def test_also_in_channel_is_ignored_outside_a_thread(user, channel):
    assert not send(user, channel, "Plain", also_in_channel=True).also_in_channel


def test_thread_followers_are_notified_of_replies_but_not_the_replier(user, member,
                                                                       third_user, group,
                                                                       channel):
    add(group, third_user)
    root = send(user, channel, "Root")
    first = send(member, channel, "First reply", thread_root_id=root.id)
    assert list(notified(user, Kind.REPLY).values_list("target_id", flat=True)) == [first.id]
    assert not notified(member).exists()
    second = send(third_user, channel, "Second reply", thread_root_id=root.id)
    assert set(notified(user, Kind.REPLY).values_list("target_id", flat=True)) == {
        first.id, second.id}
    assert list(notified(member, Kind.REPLY).values_list("target_id", flat=True)) == [second.id]
    assert not notified(third_user).exists()
    assert set(ThreadFollow.objects.filter(root=root).values_list("user_id", flat=True)) == {
        user.id, member.id, third_user.id}


def test_following_a_thread_notifies_of_its_replies_and_unfollowing_stops_it(
        user, member, third_user, group, channel):
    add(group, third_user)
    root = send(user, channel, "Root")
    services.follow_thread(user=third_user, root=root)
    services.follow_thread(user=third_user, root=root)
    assert ThreadFollow.objects.filter(root=root, user=third_user).count() == 1
    send(member, channel, "Reply", thread_root_id=root.id)
    assert notified(third_user, Kind.REPLY).count() == 1
    services.follow_thread(user=third_user, root=root, follow=False)
    send(member, channel, "Another", thread_root_id=root.id)
    assert notified(third_user, Kind.REPLY).count() == 1


def test_the_root_author_who_unfollowed_stays_unfollowed(user, member, channel):
    root = send(user, channel, "Root")
    send(member, channel, "Reply", thread_root_id=root.id)
    services.follow_thread(user=user, root=root, follow=False)
    send(member, channel, "Another", thread_root_id=root.id)
    assert notified(user, Kind.REPLY).count() == 1
    assert not ThreadFollow.objects.filter(root=root, user=user).exists()


# --- Mentions and urgent messages --------------------------------------------------------------

def test_a_mention_notifies_and_is_recorded(user, member, group, channel):
    message = send(user, channel, "Merci @Hugo Bernard !")
    assert 'class="mention"' in message.body_html
    [mention] = MessageMention.objects.all()
    assert (mention.user, mention.message, mention.conversation, mention.seq) == (
        member, message, channel, message.seq)
    [notification] = notified(member, Kind.MENTION)
    assert notification.target_id == message.id and notification.group_id == group.id
    assert notification.actor == user and not notification.urgent


def test_a_mention_of_someone_who_cannot_read_the_channel_notifies_no_one(user, other_user,
                                                                          private_group):
    channel = Conversation.objects.get(group=private_group)
    message = send(user, channel, "Voir avec @Hugo Bernard")
    assert 'class="mention"' not in message.body_html
    assert not MessageMention.objects.exists()
    assert not notified(other_user).exists()


def test_a_public_channel_mention_reaches_a_staff_member_who_can_read_it(user, other_user,
                                                                         channel):
    send(user, channel, "@Hugo Bernard, pouvez-vous passer ?")
    assert notified(other_user, Kind.MENTION).count() == 1


def test_a_mention_in_a_direct_conversation_of_an_outsider_notifies_no_one(user, other_user,
                                                                           third_user,
                                                                           direct):
    send(user, direct, "Tu as vu @Léa Petit ?")
    assert not notified(third_user).exists()
    assert not MessageMention.objects.exists()


def test_a_mentioned_thread_follower_gets_one_notification(user, member, channel):
    root = send(member, channel, "Root")
    send(user, channel, "@Hugo Bernard regarde", thread_root_id=root.id)
    assert [n.kind for n in notified(member)] == [Kind.MENTION]


def test_an_urgent_message_is_refused_in_a_channel_until_admins_allow_it(user, member, channel):
    with pytest.raises(PermissionDenied):
        services.send_message(author=member, conversation=channel, body="@Camille Martin vite",
                              urgent=True)
    assert not Message.objects.exists()
    services.set_urgent_allowed(actor=user, conversation=channel, allowed=True)
    channel.refresh_from_db()
    message = send(member, channel, "@Camille Martin vite", urgent=True)
    assert message.urgent
    [notification] = notified(user, Kind.MENTION)
    assert notification.urgent


def test_only_group_admins_allow_urgent_messages(user, member, group, channel, direct):
    with pytest.raises(PermissionDenied):
        services.set_urgent_allowed(actor=member, conversation=channel, allowed=True)
    channel.refresh_from_db()
    assert not channel.urgent_allowed
    group_services.change_role(actor=user, group=group, user=member, role=Role.ADMIN)
    services.set_urgent_allowed(actor=member, conversation=channel, allowed=True)
    channel.refresh_from_db()
    assert channel.urgent_allowed
    with pytest.raises(PermissionDenied):
        services.set_urgent_allowed(actor=user, conversation=direct, allowed=False)


def test_urgent_direct_messages_are_allowed_and_carried_to_notifications(user, other_user,
                                                                        direct):
    send(user, direct, "Appelle-moi", urgent=True)
    [notification] = notified(other_user, Kind.DIRECT_MESSAGE)
    assert notification.urgent


# --- Direct conversations ----------------------------------------------------------------------

def test_start_direct_returns_the_existing_conversation_in_any_order(user, other_user,
                                                                      third_user):
    first, created = services.start_direct(user=user, user_ids=[other_user.id, third_user.id])
    again, created_again = services.start_direct(user=third_user,
                                                 user_ids=[other_user.id, user.id])
    same, _ = services.start_direct(user=other_user,
                                    user_ids=[str(third_user.id), user.id, other_user.id])
    assert created and not created_again and again == first == same
    assert first.kind == Conversation.Kind.DIRECT and first.group is None
    assert set(first.participants.values_list("user_id", flat=True)) == {
        user.id, other_user.id, third_user.id}
    assert Conversation.objects.filter(kind=Conversation.Kind.DIRECT).count() == 1


def test_one_to_one_and_group_conversations_are_different(user, other_user, third_user):
    pair, _ = services.start_direct(user=user, user_ids=[other_user.id])
    trio, _ = services.start_direct(user=user, user_ids=[other_user.id, third_user.id])
    assert pair != trio


def test_a_direct_conversation_has_twenty_people_at_most(user):
    others = [make_user(f"p{n}@hopital.example", f"Person {n}") for n in range(20)]
    conversation, created = services.start_direct(user=user,
                                                  user_ids=[p.id for p in others[:19]])
    assert created and conversation.participants.count() == 20
    with pytest.raises(ValidationError) as error:
        services.start_direct(user=user, user_ids=[p.id for p in others])
    assert "20" in error.value.message_dict["user_ids"][0]
    assert Conversation.objects.filter(kind=Conversation.Kind.DIRECT).count() == 1


@pytest.mark.parametrize("user_ids", [[], "x", ["abc"], None])
def test_start_direct_needs_someone_else(user, user_ids):
    with pytest.raises(ValidationError):
        services.start_direct(user=user, user_ids=user_ids)


def test_start_direct_with_only_oneself_is_refused(user):
    with pytest.raises(ValidationError):
        services.start_direct(user=user, user_ids=[user.id])


def test_start_direct_with_an_unknown_or_inactive_person_is_refused(user, inactive_user):
    for user_ids in ([inactive_user.id], [987654]):
        with pytest.raises(ValidationError):
            services.start_direct(user=user, user_ids=user_ids)
    assert not Conversation.objects.filter(kind=Conversation.Kind.DIRECT).exists()


def test_a_guest_starts_a_conversation_only_with_people_sharing_a_group(user, other_user,
                                                                        guest, shared_group):
    assert services.start_direct(user=guest, user_ids=[user.id])[1]
    with pytest.raises(ValidationError):
        services.start_direct(user=guest, user_ids=[other_user.id])
    with pytest.raises(ValidationError):
        services.start_direct(user=guest, user_ids=[user.id, other_user.id])


def test_a_member_cannot_bring_a_guest_together_with_people_the_guest_cannot_see(
        user, other_user, guest, shared_group):
    with pytest.raises(ValidationError):
        services.start_direct(user=user, user_ids=[guest.id, other_user.id])
    assert services.start_direct(user=user, user_ids=[guest.id])[1]


def test_a_non_participant_cannot_read_nor_write_a_direct_conversation(user, third_user, direct,
                                                                       staff_user):
    message = send(user, direct, "Entre nous")
    for outsider in (third_user, staff_user):
        with pytest.raises(Http404):
            permissions.access_conversation(outsider, direct.id)
        with pytest.raises(Http404):
            permissions.access_message(outsider, message.id)
        with pytest.raises(PermissionDenied):
            services.send_message(author=outsider, conversation=direct, body="Hello")


def test_direct_events_go_to_each_participant_stream_only(user, other_user, direct,
                                                          sent_events):
    with sent_events.after_commit():
        message = send(user, direct, "Coucou")
        services.react(user=other_user, message=message, emoji="👍")
        services.edit_message(actor=user, message=message, body="Coucou !")
        services.delete_message(actor=user, message=message)
    expected = {f"user.{user.id}", f"user.{other_user.id}"}
    for event_type in ("message.created", "reaction.changed", "message.updated",
                       "message.deleted"):
        assert sent_events.streams(event_type) == expected, event_type
        assert len(sent_events.of_type(event_type)) == 2, event_type


def test_a_direct_message_notifies_the_other_participants(user, other_user, third_user):
    conversation, _ = services.start_direct(user=user, user_ids=[other_user.id, third_user.id])
    message = send(user, conversation, "Réunion à 14h")
    for person in (other_user, third_user):
        [notification] = notified(person, Kind.DIRECT_MESSAGE)
        assert notification.target_id == message.id and notification.group_id is None
    assert not notified(user).exists()


# --- Edit --------------------------------------------------------------------------------------

def test_the_author_edits_a_message_and_its_history_is_kept(user, group, channel, sent_events):
    message = send(user, channel, "Réunion à 14h")
    with sent_events.after_commit():
        services.edit_message(actor=user, message=message, body="Réunion à *15h*")
    message.refresh_from_db()
    assert message.body == "Réunion à *15h*" and "<em>15h</em>" in message.body_html
    assert message.edited_at is not None
    [edit] = MessageEdit.objects.filter(message=message)
    assert edit.body == "Réunion à 14h" and edit.edited_by == user
    [event] = sent_events.of_type("message.updated")
    assert event["stream"] == f"group.{group.id}"
    assert event["data"]["message"]["body"] == "Réunion à *15h*"
    assert event["data"]["message"]["edited_at"] is not None


def test_only_the_author_edits_a_message(user, member, channel):
    message = send(member, channel, "Mine")
    with pytest.raises(PermissionDenied):
        services.edit_message(actor=user, message=message, body="Changed by the owner")
    message.refresh_from_db()
    assert message.body == "Mine" and not MessageEdit.objects.exists()


def test_an_edit_keeps_the_length_limit(settings, user, channel):
    limit(settings, message_chars=10)
    message = send(user, channel, "Short")
    with pytest.raises(ValidationError):
        services.edit_message(actor=user, message=message, body="x" * 11)
    with pytest.raises(ValidationError):
        services.edit_message(actor=user, message=message, body=" ")


def test_an_edit_to_the_same_text_changes_nothing(user, channel, sent_events):
    message = send(user, channel, "Same")
    with sent_events.after_commit():
        services.edit_message(actor=user, message=message, body="Same")
    assert message.edited_at is None and not MessageEdit.objects.exists()
    assert not sent_events.of_type("message.updated")


def test_a_removed_member_cannot_edit_their_old_messages(user, other_user, private_group):
    channel = Conversation.objects.get(group=private_group)
    add(private_group, other_user)
    message = send(other_user, channel, "Mine")
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    with pytest.raises(PermissionDenied):
        services.edit_message(actor=other_user, message=message, body="Changed")


# --- Delete ------------------------------------------------------------------------------------

def test_the_author_deletes_a_message_shown_deleted(user, member, group, channel, sent_events):
    message = send(member, channel, "Oups @Camille Martin")
    services.react(user=user, message=message, emoji="👍")
    assert notified(user, Kind.MENTION).exists()
    with sent_events.after_commit():
        services.delete_message(actor=member, message=message)
    message.refresh_from_db()
    assert message.is_deleted and message.body == "" and message.body_html == ""
    assert not MessageReaction.objects.filter(message=message).exists()
    assert not Notification.objects.filter(target_type="message", target_id=message.id).exists()
    assert MessageEdit.objects.get(message=message).body == "Oups @Camille Martin"
    [event] = sent_events.of_type("message.deleted")
    assert event["stream"] == f"group.{group.id}"
    assert event["data"]["message"] == {"id": message.id, "conversation_id": channel.id,
                                        "seq": message.seq}
    assert [m.id for m in selectors.history(channel).messages] == [message.id]


def test_a_group_admin_deletes_someone_elses_message(user, member, third_user, group, channel):
    add(group, third_user, role=Role.ADMIN)
    first = send(member, channel, "Spam")
    second = send(member, channel, "More spam")
    services.delete_message(actor=user, message=first)
    services.delete_message(actor=third_user, message=second)
    assert Message.objects.filter(deleted_at__isnull=False).count() == 2


def test_a_plain_member_cannot_delete_someone_elses_message(user, member, channel):
    message = send(user, channel, "Mine")
    with pytest.raises(PermissionDenied):
        services.delete_message(actor=member, message=message)
    message.refresh_from_db()
    assert not message.is_deleted and message.body == "Mine"


def test_a_direct_message_is_deleted_by_its_author_only(user, other_user, direct):
    message = send(user, direct, "Mine")
    with pytest.raises(PermissionDenied):
        services.delete_message(actor=other_user, message=message)
    services.delete_message(actor=user, message=message)
    with pytest.raises(PermissionDenied):
        services.delete_message(actor=user, message=message)


def test_a_deleted_message_no_longer_counts_as_a_mention(user, member, channel):
    message = send(user, channel, "@Hugo Bernard regarde")
    services.delete_message(actor=user, message=message)
    [row] = selectors.my_conversations(member)
    assert row.mention_count == 0 and row.unread_count == 0


# --- Reactions ---------------------------------------------------------------------------------

def test_reactions_are_idempotent_and_counted_in_their_event(user, member, third_user, group,
                                                             channel, sent_events):
    add(group, third_user)
    message = send(user, channel, "Nouvelle procédure")
    with sent_events.after_commit():
        assert services.react(user=member, message=message, emoji="👍")
        assert not services.react(user=member, message=message, emoji="👍")
        assert services.react(user=third_user, message=message, emoji="👍")
        assert services.react(user=third_user, message=message, emoji="✅")
    assert MessageReaction.objects.filter(message=message).count() == 3
    events = sent_events.of_type("reaction.changed")
    assert len(events) == 3
    assert {e["stream"] for e in events} == {f"group.{group.id}"}
    assert events[-1]["data"] == {"message_id": message.id, "conversation_id": channel.id,
                                  "counts": {"👍": 2, "✅": 1}}


def test_unreacting_is_idempotent(user, member, channel, sent_events):
    message = send(user, channel, "Hello")
    services.react(user=member, message=message, emoji="🎉")
    with sent_events.after_commit():
        assert services.react(user=member, message=message, emoji="🎉", add=False)
        assert not services.react(user=member, message=message, emoji="🎉", add=False)
    assert not MessageReaction.objects.exists()
    [event] = sent_events.of_type("reaction.changed")
    assert event["data"]["counts"] == {}


@pytest.mark.parametrize("emoji", ["🍕", "", "👍👍", "<b>"])
def test_only_the_palette_reactions_are_accepted(user, channel, emoji):
    message = send(user, channel, "Hello")
    with pytest.raises(ValidationError):
        services.react(user=user, message=message, emoji=emoji)
    assert not MessageReaction.objects.exists()


def test_a_non_member_cannot_react_nor_react_to_a_deleted_message(user, other_user, channel):
    message = send(user, channel, "Hello")
    with pytest.raises(PermissionDenied):
        services.react(user=other_user, message=message, emoji="👍")
    services.delete_message(actor=user, message=message)
    with pytest.raises(ValidationError):
        services.react(user=user, message=message, emoji="👍")
    assert not MessageReaction.objects.exists()


# --- Read pointers -----------------------------------------------------------------------------

def pointer(person, conversation) -> int:
    state = ReadState.objects.filter(user=person, conversation=conversation).first()
    return state.last_read_seq if state else 0


def test_sending_moves_the_senders_pointer_only(user, member, channel):
    message = send(user, channel)
    assert pointer(user, channel) == message.seq
    assert pointer(member, channel) == 0
    # The next message moves the same row (numbered and read in one statement on PostgreSQL).
    later = send(user, channel, "Encore")
    state = ReadState.objects.get(user=user, conversation=channel)
    assert (state.last_read_seq, state.updated) == (later.seq, later.created)
    channel.refresh_from_db()
    assert (channel.last_seq, channel.last_visible_seq, channel.last_message_at) == (
        later.seq, later.seq, later.created)
    assert ReadState.objects.filter(conversation=channel).count() == 1


def test_mark_read_up_to_a_message_then_to_the_end(user, member, channel):
    messages = [send(user, channel, f"m{n}") for n in range(4)]
    assert services.mark_read(user=member, conversation=channel,
                              message_id=messages[1].id) == 2
    channel.refresh_from_db()
    assert services.mark_read(user=member, conversation=channel) == 4
    assert pointer(member, channel) == 4


def test_the_read_pointer_only_moves_forward(user, member, channel, sent_events):
    messages = [send(user, channel, f"m{n}") for n in range(3)]
    with sent_events.after_commit():
        assert services.mark_read(user=member, conversation=channel,
                                  message_id=messages[2].id) == 3
        assert services.mark_read(user=member, conversation=channel,
                                  message_id=messages[0].id) == 3
    assert pointer(member, channel) == 3
    [event] = sent_events.of_type("conversation.read")
    assert event["stream"] == f"user.{member.id}"
    assert event["data"] == {"conversation_id": channel.id, "user_id": member.id,
                             "last_read_seq": 3}


def test_mark_read_of_a_message_elsewhere_is_refused(user, member, channel, direct):
    elsewhere = send(user, direct)
    for message_id in (elsewhere.id, "nope", 123456):
        with pytest.raises(ValidationError):
            services.mark_read(user=member, conversation=channel, message_id=message_id)
    assert pointer(member, channel) == 0


def test_mark_read_reads_the_notifications_of_what_was_read(user, member, channel):
    first = send(user, channel, "@Hugo Bernard un")
    second = send(user, channel, "@Hugo Bernard deux")
    services.mark_read(user=member, conversation=channel, message_id=first.id)
    assert list(notified(member).filter(read_at__isnull=True)
                .values_list("target_id", flat=True)) == [second.id]
    channel.refresh_from_db()
    services.mark_read(user=member, conversation=channel)
    assert not notified(member).filter(read_at__isnull=True).exists()


def test_mark_read_reads_recent_notifications_in_a_long_conversation(user, member, channel):
    Message.objects.bulk_create([
        Message(conversation=channel, seq=seq, author=user, body="old", body_html="<p>old</p>")
        for seq in range(1, 1101)])
    Conversation.objects.filter(pk=channel.pk).update(last_seq=1100)
    channel.refresh_from_db()
    recent = send(user, channel, "@Hugo Bernard tout récent")
    assert recent.seq == 1101
    channel.refresh_from_db()
    services.mark_read(user=member, conversation=channel)
    assert not notified(member).filter(read_at__isnull=True).exists()
