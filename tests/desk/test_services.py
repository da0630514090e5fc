"""desk/services.py and desk/setup.py: filing, numbering, the card and its thread, changes and
their log, notifications, urgent handling, first response, reopening, "me too", messages
turned into tickets, private desks, bulk assign, set-up validation and events."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from chat import services as chat_services
from chat.models import Message, ThreadFollow
from desk import permissions, selectors, services, setup
from desk.models import Desk, FormField, MeToo, Ticket, TicketChange
from groups import services as group_services
from groups.models import Group
from network.models import Event
from notifications.models import Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def ticket_notifications(person, **extra):
    return Notification.objects.filter(recipient=person, kind=Notification.Kind.TICKET,
                                       target_type="ticket", **extra)


def thread_bodies(ticket) -> list[str]:
    return [m.body for m in selectors.thread_of(ticket)]


@pytest.fixture
def member(other_user, it_group):
    """Hugo, a member of the IT group who is not an agent."""
    group_services.join_group(user=other_user, group=it_group)
    return other_user


@pytest.fixture
def colleague(db):
    return make_user("lea.petit@hopital.example", "Léa Petit", language="en")


# --- Filing and numbering --------------------------------------------------------------------

def test_tickets_are_numbered_per_desk(it_desk, hr_desk, user):
    first = services.file_request(requester=user, desk=it_desk, title="One")
    second = services.file_request(requester=user, desk=it_desk, title="Two")
    hr = services.file_request(requester=user, desk=hr_desk, title="Pay")
    assert (first.reference, second.reference, hr.reference) == ("IT-1", "IT-2", "HR-1")
    assert Desk.objects.get(pk=it_desk.pk).next_number == 3


def test_numbering_reads_the_locked_row_not_a_stale_desk(it_desk, user):
    stale = Desk.objects.get(pk=it_desk.pk)
    services.file_request(requester=user, desk=it_desk, title="One")
    assert services.file_request(requester=user, desk=stale, title="Two").number == 2


def test_numbering_locks_the_desk_row(it_desk, user):
    with CaptureQueriesContext(connection) as queries:
        services.file_request(requester=user, desk=it_desk, title="One")
    if connection.vendor == "postgresql":
        assert any("FOR UPDATE" in q["sql"] and "desk_desk" in q["sql"]
                   for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_get_distinct_numbers(it_desk, user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    numbers, failures = [], []

    def file(index):
        try:
            numbers.append(services.file_request(requester=user, desk=it_desk,
                                                 title=f"T{index}").number)
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_ticket_card_is_a_message_in_the_desk_channel(it_desk, it_group, user, wifi_form):
    building, _since, details = wifi_form.fields.all()
    answers = [{"field": building.id, "label": "Building", "kind": "single_choice",
                "value": "B", "text": "B"},
               {"field": details.id, "label": "Details", "kind": "long_text",
                "value": "*bold*", "text": "*bold*"}]
    ticket = services.file_request(requester=user, desk=it_desk, title="Wi-Fi [down]",
                                   intake_form=wifi_form, answers=answers)
    message = ticket.message
    assert message.conversation == it_group.channel and message.author == user
    assert message.thread_root_id is None
    assert "IT-1" in message.body and "Wi-Fi \\[down\\]" in message.body
    assert "**Building**: B" in message.body and "\\*bold\\*" in message.body
    assert ticket.category == wifi_form.category
    reply = services.comment(actor=user, ticket=ticket, body="Still down")
    assert reply.thread_root_id == message.id


def test_file_request_validates_title_priority_and_category(it_desk, hr_desk, user,
                                                            desk_admin):
    with pytest.raises(ValidationError):
        services.file_request(requester=user, desk=it_desk, title="   ")
    with pytest.raises(ValidationError):
        services.file_request(requester=user, desk=it_desk, title="x" * 201)
    with pytest.raises(ValidationError):
        services.file_request(requester=user, desk=it_desk, title="x", priority="asap")
    hr_category = setup.save_category(actor=desk_admin, desk=hr_desk, name="Pay")
    with pytest.raises(ValidationError):
        services.file_request(requester=user, desk=it_desk, title="x", category=hr_category)
    assert Ticket.objects.count() == 0


def test_priority_is_normal_when_desk_does_not_let_requesters_choose(it_desk, user,
                                                                     desk_admin):
    setup.update_desk(actor=desk_admin, desk=it_desk, priorities_enabled=False)
    ticket = services.file_request(requester=user, desk=it_desk, title="x", priority="high")
    assert ticket.priority == "normal"


def test_guest_cannot_file_on_staff_desk(it_desk, guest):
    with pytest.raises(PermissionDenied):
        services.file_request(requester=guest, desk=it_desk, title="x")


def test_members_only_desk_refuses_non_members(it_desk, desk_admin, user, member):
    setup.update_desk(actor=desk_admin, desk=it_desk, intake="members")
    with pytest.raises(PermissionDenied):
        services.file_request(requester=user, desk=it_desk, title="x")
    assert services.file_request(requester=member, desk=it_desk, title="x").number == 1


# --- Changes, log, notifications -------------------------------------------------------------

def test_update_ticket_logs_changes_and_tells_the_thread(ticket, agent, wifi_category):
    services.update_ticket(actor=agent, ticket=ticket, status="in_progress", priority="high",
                           assignee=agent, category=None)
    rows = {c.field: (c.old, c.new, c.actor_id) for c in TicketChange.objects.filter(
        ticket=ticket)}
    assert rows == {"status": ("new", "in_progress", agent.id),
                    "priority": ("normal", "high", agent.id),
                    "assignee": ("", str(agent.id), agent.id),
                    "category": (str(wifi_category.id), "", agent.id)}
    bodies = thread_bodies(ticket)
    assert len(bodies) == 4
    assert "_changed the status from New to In progress_" in bodies
    assert "_changed the assignee from none to Arthur Agent_" in bodies


def test_update_ticket_without_change_logs_nothing(ticket, agent):
    services.update_ticket(actor=agent, ticket=ticket, status="new")
    assert TicketChange.objects.count() == 0 and thread_bodies(ticket) == []


def test_update_ticket_refused_to_non_agents_and_bad_values(ticket, user, other_user, agent,
                                                            member):
    for person in (user, other_user, member):
        with pytest.raises(PermissionDenied):
            services.update_ticket(actor=person, ticket=ticket, status="closed")
    with pytest.raises(ValidationError):
        services.update_ticket(actor=agent, ticket=ticket, status="done")
    with pytest.raises(ValidationError):
        services.update_ticket(actor=agent, ticket=ticket, assignee=member)
    with pytest.raises(ValidationError):
        services.update_ticket(actor=agent, ticket=ticket, title="new")


def test_resolving_sets_times_and_counts_as_first_response(ticket, agent, time_machine):
    time_machine.move_to("2026-12-07 09:00:00+00:00", tick=False)
    ticket = services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    assert ticket.resolved_at.isoformat() == "2026-12-07T09:00:00+00:00"
    assert ticket.first_response_at == ticket.resolved_at
    ticket = services.update_ticket(actor=agent, ticket=ticket, status="closed")
    assert ticket.closed_at is not None and ticket.resolved_at is not None


def test_changes_notify_requester_me_too_and_assignee(ticket, user, agent, other_agent,
                                                      colleague):
    services.me_too(user=colleague, ticket=ticket)
    services.update_ticket(actor=agent, ticket=ticket, assignee=other_agent)
    for person in (user, colleague, other_agent):
        assert ticket_notifications(person, target_id=ticket.id).exists(), person
    assert not ticket_notifications(agent, target_id=ticket.id, actor=agent).exists()
    before = ticket_notifications(user).count()
    services.update_ticket(actor=other_agent, ticket=ticket, status="waiting")
    assert ticket_notifications(user).count() == before + 1
    assert not ticket_notifications(other_agent, actor=other_agent).exists()


def test_new_ticket_notifies_agents_not_urgently(ticket, agent, other_agent, user):
    for person in (agent, other_agent):
        row = ticket_notifications(person, target_id=ticket.id).get()
        assert row.urgent is False
    assert not ticket_notifications(user).exists()


def test_urgent_ticket_notifies_on_call_agents_urgently(it_desk, user, agent, other_agent):
    ticket = services.file_request(requester=user, desk=it_desk, title="Server down",
                                   priority="urgent")
    assert ticket_notifications(agent, target_id=ticket.id, urgent=True).count() == 1
    assert not ticket_notifications(other_agent, target_id=ticket.id).exists()


def test_urgent_bypasses_off_duty_of_on_call_agent(it_desk, user, agent, other_agent,
                                                   time_machine):
    from notifications import services as notification_services

    time_machine.move_to("2026-12-07 09:00:00+00:00", tick=False)
    for person in (agent, other_agent):
        notification_services.update_settings(user=person, duty="off_duty")
    calm = services.file_request(requester=user, desk=it_desk, title="Mouse")
    held = ticket_notifications(other_agent, target_id=calm.id).get()
    ticket = services.file_request(requester=user, desk=it_desk, title="Down",
                                   priority="urgent")
    row = ticket_notifications(agent, target_id=ticket.id).get()
    assert row.urgent is True and row.in_app is True
    now = row.created
    due = [d for d in (row.push_due, row.email_due) if d is not None]
    assert due and min(due) <= now
    assert all(d is None or d > now for d in (held.push_due, held.email_due))


def test_raising_to_urgent_tells_on_call_agents(ticket, agent, other_agent):
    services.update_ticket(actor=other_agent, ticket=ticket, priority="urgent")
    assert ticket_notifications(agent, target_id=ticket.id, urgent=True).exists()


def test_urgent_category_forces_urgent(it_desk, desk_admin, user, agent):
    outage = setup.save_category(actor=desk_admin, desk=it_desk, name="Outage", urgent=True)
    ticket = services.file_request(requester=user, desk=it_desk, title="All down",
                                   priority="low", category=outage)
    assert ticket.priority == "urgent"
    assert ticket_notifications(agent, target_id=ticket.id, urgent=True).exists()


def test_urgent_request_goes_to_the_urgent_desk(it_desk, desk_admin, agent, user):
    group = group_services.create_group(creator=desk_admin, name="Urgences informatiques")
    urgent_desk = setup.create_desk(actor=desk_admin, group=group, prefix="URG")
    setup.update_desk(actor=desk_admin, desk=it_desk, urgent_desk=urgent_desk)
    ticket = services.file_request(requester=user, desk=Desk.objects.get(pk=it_desk.pk),
                                   title="Fire", priority="urgent")
    assert ticket.desk == urgent_desk and ticket.reference == "URG-1"
    assert ticket.message.conversation.group == group
    normal = services.file_request(requester=user, desk=Desk.objects.get(pk=it_desk.pk),
                                   title="Mouse")
    assert normal.desk == it_desk


def test_urgent_desk_must_be_another_visible_desk(it_desk, desk_admin, user):
    with pytest.raises(ValidationError):
        setup.update_desk(actor=desk_admin, desk=it_desk, urgent_desk=it_desk)
    private = group_services.create_group(creator=user, name="Secret",
                                          visibility=Group.Visibility.SECRET)
    other = setup.create_desk(actor=user, group=private, prefix="SEC")
    with pytest.raises(ValidationError):
        setup.update_desk(actor=desk_admin, desk=it_desk, urgent_desk=other)


def test_queue_pins_urgent_unassigned_until_taken(it_desk, user, agent):
    normal = services.file_request(requester=user, desk=it_desk, title="A", priority="high")
    urgent = services.file_request(requester=user, desk=it_desk, title="B", priority="urgent")
    assert [(t, t.pinned) for t in selectors.queue(it_desk, agent)] == [(urgent, 0),
                                                                        (normal, 1)]
    services.update_ticket(actor=agent, ticket=urgent, assignee=agent)
    assert [t.pinned for t in selectors.queue(it_desk, agent)] == [1, 1]


# --- First response and replies --------------------------------------------------------------

def test_agent_comment_sets_first_response(ticket, agent, user, time_machine):
    time_machine.move_to("2026-12-07 10:00:00+00:00", tick=False)
    services.comment(actor=user, ticket=ticket, body="Any news?")
    assert Ticket.objects.get(id=ticket.id).first_response_at is None
    time_machine.move_to("2026-12-07 10:05:00+00:00", tick=False)
    services.comment(actor=agent, ticket=ticket, body="Looking")
    first = Ticket.objects.get(id=ticket.id).first_response_at
    assert first.isoformat() == "2026-12-07T10:05:00+00:00"
    time_machine.move_to("2026-12-07 11:00:00+00:00", tick=False)
    services.comment(actor=agent, ticket=ticket, body="Again")
    assert Ticket.objects.get(id=ticket.id).first_response_at == first


def test_plain_chat_reply_in_thread_by_agent_sets_first_response(ticket, agent):
    chat_services.send_message(author=agent, conversation=ticket.message.conversation,
                               body="On it", thread_root_id=ticket.message_id)
    assert Ticket.objects.get(id=ticket.id).first_response_at is not None


def test_plain_chat_reply_by_member_is_not_a_first_response(ticket, member):
    chat_services.send_message(author=member, conversation=ticket.message.conversation,
                               body="Same here", thread_root_id=ticket.message_id)
    assert Ticket.objects.get(id=ticket.id).first_response_at is None


def test_requester_reply_moves_waiting_to_in_progress(ticket, agent, user):
    services.update_ticket(actor=agent, ticket=ticket, status="waiting")
    services.comment(actor=user, ticket=ticket, body="Building B, floor 2")
    ticket = Ticket.objects.get(id=ticket.id)
    assert ticket.status == "in_progress"
    change = TicketChange.objects.filter(ticket=ticket).last()
    assert (change.field, change.old, change.new, change.actor_id) == (
        "status", "waiting", "in_progress", user.id)


def test_comment_refused_to_others(ticket, other_user, guest):
    for person in (other_user, guest):
        with pytest.raises(PermissionDenied):
            services.comment(actor=person, ticket=ticket, body="Hi")


def test_reply_notifies_outsider_requester_of_private_desk(hr_desk, user, agent):
    ticket = services.file_request(requester=user, desk=hr_desk, title="Leave")
    services.comment(actor=agent, ticket=ticket, body="Which dates?")
    assert Notification.objects.filter(recipient=user, kind=Notification.Kind.REPLY,
                                       target_id=ticket.id).exists()


# --- Reopen ----------------------------------------------------------------------------------

def test_requester_reopens_within_seven_days(ticket, agent, user, time_machine):
    time_machine.move_to("2026-12-01 09:00:00+00:00", tick=False)
    services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    time_machine.move_to("2026-12-07 09:00:00+00:00", tick=False)
    ticket = services.reopen(actor=user, ticket=Ticket.objects.get(id=ticket.id))
    assert ticket.status == "in_progress" and ticket.resolved_at is None
    assert "_reopened the ticket_" in thread_bodies(ticket)
    assert ticket_notifications(agent, target_id=ticket.id).exists()


def test_reopen_refused_after_seven_days_and_to_others(ticket, agent, user, other_user,
                                                       time_machine):
    time_machine.move_to("2026-12-01 09:00:00+00:00", tick=False)
    services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    with pytest.raises(PermissionDenied):
        services.reopen(actor=other_user, ticket=Ticket.objects.get(id=ticket.id))
    time_machine.move_to("2026-12-08 09:00:01+00:00", tick=False)
    with pytest.raises(PermissionDenied):
        services.reopen(actor=user, ticket=Ticket.objects.get(id=ticket.id))


def test_open_ticket_cannot_be_reopened(ticket, user):
    with pytest.raises(PermissionDenied):
        services.reopen(actor=user, ticket=ticket)


# --- Me too ----------------------------------------------------------------------------------

def test_me_too_counts_and_follows(ticket, other_user, colleague):
    services.me_too(user=other_user, ticket=ticket)
    services.me_too(user=other_user, ticket=ticket)  # twice is once
    ticket = services.me_too(user=colleague, ticket=ticket)
    assert ticket.me_too_count == 2
    assert ThreadFollow.objects.filter(root=ticket.message, user=other_user).exists()
    assert permissions.visible_tickets(other_user).filter(id=ticket.id).exists()
    assert permissions.can_comment(other_user, ticket)
    ticket = services.me_too(user=other_user, ticket=ticket, add=False)
    assert ticket.me_too_count == 1
    assert not ThreadFollow.objects.filter(root=ticket.message, user=other_user).exists()


def test_me_too_refused_on_own_ticket_for_guests_and_on_closed(ticket, user, guest, agent,
                                                               other_user):
    with pytest.raises(PermissionDenied):
        services.me_too(user=user, ticket=ticket)
    with pytest.raises(PermissionDenied):
        services.me_too(user=guest, ticket=ticket)
    services.update_ticket(actor=agent, ticket=ticket, status="closed")
    with pytest.raises(PermissionDenied):
        services.me_too(user=other_user, ticket=Ticket.objects.get(id=ticket.id))
    assert MeToo.objects.count() == 0


# --- Messages that become tickets ------------------------------------------------------------

def test_every_message_is_a_request_for_members_not_agents(it_desk, it_group, desk_admin,
                                                           member, agent):
    setup.update_desk(actor=desk_admin, desk=it_desk, every_message_is_request=True)
    message, _new = chat_services.send_message(author=member, conversation=it_group.channel,
                                               body="My **printer** jams")
    ticket = Ticket.objects.get(message=message)
    assert ticket.source == "channel" and ticket.requester == member
    assert ticket.title == "My printer jams" and ticket.reference == "IT-1"
    assert "opened this ticket: IT-1" in thread_bodies(ticket)[0]
    chat_services.send_message(author=agent, conversation=it_group.channel, body="FYI: reboot")
    chat_services.send_message(author=member, conversation=it_group.channel, body="reply",
                               thread_root_id=message.id)
    assert Ticket.objects.count() == 1


def test_a_message_that_becomes_a_request_is_told_before_the_note_in_its_thread(
        it_desk, it_group, desk_admin, member, sent_events):
    """The desk writes its note in the message's thread while the message is being stored:
    readers hear of the message first, then of its reply and its new reply count."""
    setup.update_desk(actor=desk_admin, desk=it_desk, every_message_is_request=True)
    with sent_events.after_commit():
        message, _new = chat_services.send_message(author=member, conversation=it_group.channel,
                                                   body="The scanner is offline")
    told = [(e["type"], e["data"]["message"]["id"]) for e in sent_events
            if e["type"].startswith("message.")]
    note = Message.objects.get(thread_root=message)
    assert told == [("message.created", message.id), ("message.created", note.id),
                    ("message.updated", message.id)]
    ids = list(Event.objects.filter(type__startswith="message.").order_by("id")
               .values_list("data__message__id", flat=True))
    assert ids == [message.id, note.id, message.id]


def test_a_message_sent_by_conversation_id_becomes_a_request_too(it_desk, it_group, desk_admin,
                                                                 member, agent):
    # The API's and the socket's path: the desk is read with the conversation, not asked.
    setup.update_desk(actor=desk_admin, desk=it_desk, every_message_is_request=True)
    message, _new = chat_services.send_message_to(
        author=member, conversation_id=it_group.channel.id, body="Scanner offline")
    assert Ticket.objects.get(message=message).requester == member
    chat_services.send_message_to(author=agent, conversation_id=it_group.channel.id,
                                  body="Looking")
    assert Ticket.objects.count() == 1


def test_messages_are_not_tickets_by_default(it_group, member, it_desk):
    chat_services.send_message(author=member, conversation=it_group.channel, body="Hello")
    assert Ticket.objects.count() == 0


def test_ticket_from_message_agents_only_and_idempotent(it_desk, it_group, member, agent):
    message, _new = chat_services.send_message(author=member, conversation=it_group.channel,
                                               body="Screen flickers")
    with pytest.raises(PermissionDenied):
        services.ticket_from_message(actor=member, message=message)
    ticket = services.ticket_from_message(actor=agent, message=message)
    assert ticket.source == "message" and ticket.requester == member
    assert ticket.message == message
    assert services.ticket_from_message(actor=agent, message=message) == ticket
    assert Ticket.objects.count() == 1


def test_ticket_from_thread_reply_or_other_channel_refused(it_desk, it_group, member, agent,
                                                           group, user):
    root, _new = chat_services.send_message(author=member, conversation=it_group.channel,
                                            body="Root")
    reply, _new = chat_services.send_message(author=member, conversation=it_group.channel,
                                             body="Reply", thread_root_id=root.id)
    with pytest.raises(ValidationError):
        services.ticket_from_message(actor=agent, message=reply)
    elsewhere, _new = chat_services.send_message(author=user, conversation=group.channel,
                                                 body="Not a desk")
    with pytest.raises(ValidationError):
        services.ticket_from_message(actor=agent, message=elsewhere)


# --- Private desks and agents ----------------------------------------------------------------

def test_outsider_requester_sees_own_ticket_on_private_desk_only(hr_desk, user, other_user,
                                                                 agent):
    mine = services.file_request(requester=user, desk=hr_desk, title="Mine")
    theirs = services.file_request(requester=other_user, desk=hr_desk, title="Theirs")
    assert list(permissions.visible_tickets(user).filter(desk=hr_desk)) == [mine]
    assert list(permissions.visible_tickets(other_user).filter(desk=hr_desk)) == [theirs]
    assert set(permissions.visible_tickets(agent).filter(desk=hr_desk)) == {mine, theirs}
    with pytest.raises(Http404):
        permissions.access_ticket(user, hr_desk, theirs.number)
    assert permissions.access_ticket(user, hr_desk, mine.number) == mine


def test_removed_agent_is_no_longer_an_agent(it_desk, desk_admin, agent, other_agent, it_group):
    assert permissions.is_agent(agent, it_desk)
    setup.remove_agent(actor=desk_admin, desk=it_desk, user=agent)
    assert not permissions.is_agent(agent, it_desk)
    group_services.leave_group(user=other_agent, group=it_group)
    assert not permissions.is_agent(other_agent, it_desk)
    assert [a.user for a in selectors.agents_of(it_desk)] == []
    assert permissions.is_agent(desk_admin, it_desk)


def test_agents_are_staff_members_of_the_group(it_desk, desk_admin, user, guest, agent):
    with pytest.raises(ValidationError):
        setup.set_agent(actor=desk_admin, desk=it_desk, user=user)
    with pytest.raises(PermissionDenied):
        setup.set_agent(actor=agent, desk=it_desk, user=agent)


def test_bulk_assign(it_desk, hr_desk, user, agent, other_agent):
    tickets = [services.file_request(requester=user, desk=it_desk, title=f"T{i}")
               for i in range(3)]
    hr = services.file_request(requester=user, desk=hr_desk, title="HR")
    changed = services.bulk_assign(actor=agent, desk=it_desk,
                                   ticket_ids=[t.id for t in tickets] + [hr.id],
                                   assignee=other_agent)
    assert changed == 3
    assert set(Ticket.objects.filter(assignee=other_agent)) == set(tickets)
    assert Ticket.objects.get(id=hr.id).assignee is None
    assert services.bulk_assign(actor=agent, desk=it_desk, ticket_ids=[tickets[0].id],
                                assignee=other_agent) == 0
    with pytest.raises(PermissionDenied):
        services.bulk_assign(actor=user, desk=it_desk, ticket_ids=[tickets[0].id],
                             assignee=agent)
    with pytest.raises(ValidationError):
        services.bulk_assign(actor=agent, desk=it_desk, ticket_ids=["x"], assignee=agent)


# --- Set-up validation -----------------------------------------------------------------------

def test_create_desk_validates_prefix(desk_admin, it_desk, user):
    group = group_services.create_group(creator=desk_admin, name="Biomédical")
    for prefix in ("", "1T", "IT-X", "ABCDEFGHIJKLM"):
        with pytest.raises(ValidationError):
            setup.create_desk(actor=desk_admin, group=group, prefix=prefix)
    with pytest.raises(ValidationError) as error:
        setup.create_desk(actor=desk_admin, group=group, prefix="it")
    assert "prefix" in error.value.message_dict
    desk = setup.create_desk(actor=desk_admin, group=group, prefix="bio")
    assert desk.prefix == "BIO"
    with pytest.raises(ValidationError):
        setup.create_desk(actor=desk_admin, group=group, prefix="BIO2")
    other = group_services.create_group(creator=desk_admin, name="Autre")
    with pytest.raises(PermissionDenied):
        setup.create_desk(actor=user, group=other, prefix="AU")


def test_save_form_validates_fields_and_choices(it_desk, desk_admin, user):
    bad_specs = [
        [{"label": "", "kind": "short_text"}],
        [{"label": "x", "kind": "colour"}],
        [{"label": "x", "kind": "single_choice", "choices": ["only"]}],
        [{"label": "x", "kind": "multiple_choice", "choices": ["a", "a"]}],
        [{"label": "x", "kind": "short_text"}] * 41,
    ]
    for fields in bad_specs:
        with pytest.raises(ValidationError):
            setup.save_form(actor=desk_admin, desk=it_desk, name="Form", fields=fields)
    with pytest.raises(ValidationError):
        setup.save_form(actor=desk_admin, desk=it_desk, name="", fields=[])
    with pytest.raises(PermissionDenied):
        setup.save_form(actor=user, desk=it_desk, name="Form", fields=[])
    form = setup.save_form(actor=desk_admin, desk=it_desk, name="Form", fields=[
        {"label": " Where ", "kind": "short_text", "choices": ["ignored"]},
        {"label": "Which", "kind": "single_choice", "choices": ["a", " b ", ""]}])
    where, which = form.fields.all()
    assert (where.label, where.choices, which.choices) == ("Where", [], ["a", "b"])
    assert which.key == f"field_{which.pk}" and which.kind == FormField.Kind.SINGLE_CHOICE


def test_save_category_duplicate_and_too_long(it_desk, desk_admin, wifi_category):
    with pytest.raises(ValidationError):
        setup.save_category(actor=desk_admin, desk=it_desk, name="Wi-Fi")
    with pytest.raises(ValidationError):
        setup.save_category(actor=desk_admin, desk=it_desk, name="x" * 81)


def test_set_route_validates_emoji_and_target(it_desk, desk_admin, user, it_group):
    target = group_services.create_group(creator=desk_admin, name="Biomédical")
    with pytest.raises(ValidationError):
        setup.set_route(actor=desk_admin, desk=it_desk, emoji="🦄", target=target)
    with pytest.raises(ValidationError):
        setup.set_route(actor=desk_admin, desk=it_desk, emoji="🩺", target=it_group)
    hidden = group_services.create_group(creator=user, name="Secret",
                                         visibility=Group.Visibility.SECRET)
    with pytest.raises(ValidationError):
        setup.set_route(actor=desk_admin, desk=it_desk, emoji="🩺", target=hidden)
    with pytest.raises(PermissionDenied):
        setup.set_route(actor=user, desk=it_desk, emoji="🩺", target=target)
    route = setup.set_route(actor=desk_admin, desk=it_desk, emoji="🩺", target=target)
    assert route.target == target
    assert setup.remove_route(actor=desk_admin, desk=it_desk, emoji="🩺") is True


def test_set_target_and_service_hours_validation(it_desk, desk_admin):
    from datetime import time

    with pytest.raises(ValidationError):
        setup.set_target(actor=desk_admin, desk=it_desk, priority="asap",
                         first_response_minutes=10, resolution_minutes=None)
    with pytest.raises(ValidationError):
        setup.set_target(actor=desk_admin, desk=it_desk, priority="high",
                         first_response_minutes=0, resolution_minutes=None)
    with pytest.raises(ValidationError):
        setup.set_service_hours(actor=desk_admin, desk=it_desk,
                                periods=[(7, time(9), time(17))])
    with pytest.raises(ValidationError):
        setup.set_service_hours(actor=desk_admin, desk=it_desk,
                                periods=[(0, time(17), time(9))])


def test_update_desk_validates_settings(it_desk, desk_admin):
    with pytest.raises(ValidationError):
        setup.update_desk(actor=desk_admin, desk=it_desk, intake="everyone")
    with pytest.raises(ValidationError):
        setup.update_desk(actor=desk_admin, desk=it_desk, time_zone="Mars/Olympus")
    with pytest.raises(ValidationError):
        setup.update_desk(actor=desk_admin, desk=it_desk, prefix="NEW")


def test_due_times_follow_targets(it_desk, desk_admin, user, time_machine):
    time_machine.move_to("2026-12-07 09:00:00+00:00", tick=False)
    setup.set_target(actor=desk_admin, desk=it_desk, priority="high",
                     first_response_minutes=30, resolution_minutes=240)
    ticket = services.file_request(requester=user, desk=it_desk, title="x", priority="high")
    assert ticket.first_response_due.isoformat() == "2026-12-07T09:30:00+00:00"
    assert ticket.resolution_due.isoformat() == "2026-12-07T13:00:00+00:00"


# --- Events ----------------------------------------------------------------------------------

def test_ticket_created_event_streams(sent_events, it_desk, it_group, user):
    with sent_events.after_commit():
        ticket = services.file_request(requester=user, desk=it_desk, title="x")
    assert sent_events.streams("ticket.created") == {f"group.{it_group.id}", f"user.{user.id}"}
    [event] = [e for e in sent_events.of_type("ticket.created")
               if e["stream"] == f"user.{user.id}"]
    payload = event["data"]["ticket"]
    assert payload["reference"] == "IT-1" and payload["id"] == ticket.id


def test_ticket_updated_event_streams(sent_events, ticket, it_group, user, agent, other_user):
    services.me_too(user=other_user, ticket=ticket)
    with sent_events.after_commit():
        services.update_ticket(actor=agent, ticket=ticket, assignee=agent)
    assert sent_events.streams("ticket.updated") == {
        f"group.{it_group.id}", f"user.{user.id}", f"user.{other_user.id}",
        f"user.{agent.id}"}
    payload = sent_events.of_type("ticket.updated")[0]["data"]["ticket"]
    assert payload["assignee_id"] == agent.id


def test_private_desk_events_skip_outsiders(sent_events, hr_desk, user, other_user):
    with sent_events.after_commit():
        services.file_request(requester=user, desk=hr_desk, title="x")
    streams = sent_events.streams("ticket.created")
    assert f"user.{user.id}" in streams and f"user.{other_user.id}" not in streams



def test_thread_log_is_in_the_organisations_language(settings, ticket, agent):
    settings.RELAIS_DEFAULT_LANGUAGE = "fr"
    services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    bodies = list(Message.objects.filter(thread_root=ticket.message)
                  .values_list("body", flat=True))
    assert "_a changé le statut de Nouveau à Résolu_" in bodies
