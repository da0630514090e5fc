"""A ticket's page and the actions on it (desk/views_ticket.py), and what chat shows of desks:
forwarded quotes, the "Make a ticket" menu item, ticket badges."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat import services as chat
from chat.models import Message
from desk import services, setup
from desk.models import MeToo, Ticket, TicketChange
from groups import services as group_services
from tests.conftest import client_for, make_user
from tests.documents.helpers import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def url(name, ticket, *extra):
    return reverse(f"desk:{name}", args=[ticket.desk.group.slug, ticket.number, *extra])


def page(client, ticket):
    response = client.get(url("ticket", ticket))
    return response, response.content.decode()


@pytest.fixture
def outsider(db):
    return make_user("paul.durand@hopital.example", "Paul Durand", language="en")


@pytest.fixture
def hr_ticket(hr_desk, user):
    """Camille (not a member of the private HR group) asks HR something."""
    return services.file_request(requester=user, desk=hr_desk, title="Payslip question")


@pytest.fixture
def forwarded(hr_desk, it_desk, desk_admin, agent, it_group):
    """A message of the private HR channel forwarded to the IT desk by an HR agent's 💻."""
    setup.set_route(actor=desk_admin, desk=hr_desk, emoji="💻", target=it_group)
    source = chat.send_message(author=agent, conversation=chat.ensure_channel(hr_desk.group),
                               body="Confidential salary spreadsheet will not open")[0]
    chat.react(user=agent, message=source, emoji="💻")
    ticket = Ticket.objects.get(desk=it_desk, origin=source)
    return ticket


# --- The page -----------------------------------------------------------------------------

def test_requester_sees_their_ticket_without_the_agents_panel(member_client, ticket):
    response, body = page(member_client, ticket)
    assert response.status_code == 200
    assert "IT-1" in body and "Wi-Fi down in building B" in body
    assert "Wi-Fi" in body and "Camille Martin" in body
    assert "Handle this ticket" not in body
    assert url("ticket_comment", ticket) in body  # a reply box
    assert url("ticket_me_too", ticket) not in body  # their own ticket
    assert "desk_ticket.js" in body


@pytest.mark.parametrize("who", ["agent", "desk_admin"])
def test_agents_and_desk_admins_get_the_panel(request, ticket, who):
    body = page(client_for(request.getfixturevalue(who)), ticket)[1]
    assert "Handle this ticket" in body
    assert url("ticket_update", ticket) in body
    for label in ("Take it", "Ask the requester", "Resolve"):
        assert label in body
    assert "Arthur Agent" in body and "Bea Agent" in body  # assignee choices


def test_other_staff_see_a_public_desks_ticket_and_may_say_me_too(other_client, ticket):
    response, body = page(other_client, ticket)
    assert response.status_code == 200
    assert "Handle this ticket" not in body
    assert url("ticket_me_too", ticket) in body and "Me too" in body
    assert url("ticket_comment", ticket) not in body
    # They can read the desk's channel: a link to the ticket's message.
    assert f"?message={ticket.message_id}&amp;thread={ticket.message_id}" in body


def test_private_desks_tickets_are_hidden_from_outsiders_and_guests(hr_ticket, other_client,
                                                                   guest_client, ticket):
    assert other_client.get(url("ticket", hr_ticket)).status_code == 404
    assert guest_client.get(url("ticket", hr_ticket)).status_code == 404
    assert guest_client.get(url("ticket", ticket)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client, ticket):
    response = anonymous_client.get(url("ticket", ticket))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_missing_ticket_is_a_404(member_client, ticket):
    response = member_client.get(reverse("desk:ticket", args=[ticket.desk.group.slug, 999]))
    assert response.status_code == 404


def test_requester_outside_a_private_desk_sees_their_ticket_and_replies(member_client, user,
                                                                        hr_ticket, agent):
    response, body = page(member_client, hr_ticket)
    assert response.status_code == 200 and "Payslip question" in body
    assert "Open in the desk's channel" not in body  # they cannot read the channel
    response = member_client.post(url("ticket_comment", hr_ticket),
                                  {"body": "It is the **March** one"})
    assert response.status_code == 302
    reply = Message.objects.get(thread_root=hr_ticket.message, author=user)
    assert response["Location"].endswith(f"#reply-{reply.id}")
    services.comment(actor=agent, ticket=hr_ticket, body="Looking into it")
    body = page(member_client, hr_ticket)[1]
    assert "<strong>March</strong>" in body and "Looking into it" in body


@pytest.fixture
def hr_ticket_with_file(hr_desk, user):
    """Camille's HR request with her payslip attached (she is not in the private HR group)."""
    return services.file_request(
        requester=user, desk=hr_desk, title="Payslip question",
        answers=[{"field": 1, "label": "Payslip", "kind": "file",
                  "value": "Fiche de paie mars.pdf", "text": "Fiche de paie mars.pdf"}],
        files=[upload("Fiche de paie mars.pdf", pdf_bytes("Mars"))])


def test_requester_outside_a_private_desk_opens_the_files_of_their_request(
        member_client, hr_ticket_with_file):
    ticket = hr_ticket_with_file
    document = ticket.message.attachments.get().document
    file_url = url("ticket_file", ticket, document.id)
    body = page(member_client, ticket)[1]
    assert "Fiche de paie mars.pdf" in body and file_url in body
    response = member_client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes("Mars")
    assert response["Content-Disposition"].startswith("attachment;")
    # The library itself stays closed to her.
    assert member_client.get(reverse("documents:download", args=[document.id])
                             ).status_code == 404


def test_only_the_requester_opens_a_request_file_through_the_ticket(
        hr_ticket_with_file, other_user, other_client, agent, anonymous_client, outsider,
        it_desk, user):
    ticket = hr_ticket_with_file
    document = ticket.message.attachments.get().document
    file_url = url("ticket_file", ticket, document.id)
    services.me_too(user=other_user, ticket=ticket)  # a colleague with the same question
    assert other_client.get(file_url).status_code == 404
    assert client_for(outsider).get(file_url).status_code == 404
    # Agents open it in the library, where its rules apply.
    assert client_for(agent).get(file_url).status_code == 404
    assert client_for(agent).get(reverse("documents:download", args=[document.id])
                                 ).status_code == 200
    assert anonymous_client.get(file_url).status_code == 302
    # Only the request's own files: another document's id is not found through it.
    other = services.file_request(requester=user, desk=it_desk, title="Printer",
                                  files=[upload("scan.pdf", pdf_bytes("Scan"))])
    other_document = other.message.attachments.get().document
    assert client_for(user).get(url("ticket_file", ticket, other_document.id)
                                ).status_code == 404


def test_form_answers_are_shown(member_client, user, it_desk, wifi_form):
    ticket = services.file_request(requester=user, desk=it_desk, title="No Wi-Fi",
                                   intake_form=wifi_form, answers=[
                                       {"field": 1, "label": "Building", "kind": "single_choice",
                                        "value": "B", "text": "B"},
                                       {"field": 2, "label": "Details", "kind": "long_text",
                                        "value": "Since <b>Monday</b>",
                                        "text": "Since <b>Monday</b>"}])
    body = page(member_client, ticket)[1]
    assert "Building" in body and "Details" in body
    assert "Since &lt;b&gt;Monday&lt;/b&gt;" in body  # escaped, never markup


def test_overdue_tickets_say_so(member_client, ticket, desk_admin, it_desk):
    setup.set_target(actor=desk_admin, desk=it_desk, priority="normal",
                     first_response_minutes=60, resolution_minutes=None)
    services.update_ticket(actor=desk_admin, ticket=ticket, priority="high")
    services.update_ticket(actor=desk_admin, ticket=ticket, priority="normal")
    ticket.refresh_from_db()
    assert "Overdue by" not in page(member_client, ticket)[1]
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert "Overdue by" in page(member_client, ticket)[1]


def test_forwarded_origin_is_shown_only_to_readers_of_the_source(forwarded, desk_admin,
                                                                  other_agent, other_user):
    body = page(client_for(desk_admin), forwarded)[1]  # owner of the HR group
    assert "Confidential salary spreadsheet" in body
    for person in (other_agent, other_user):
        response, body = page(client_for(person), forwarded)
        assert response.status_code == 200
        assert "Confidential salary spreadsheet" not in body
        assert "Forwarded from a conversation you cannot see." in body


# --- Agents' changes ------------------------------------------------------------------------

def test_agent_changes_every_field_and_the_history_shows_it(ticket, agent, other_agent,
                                                            wifi_category, it_desk, desk_admin):
    printers = setup.save_category(actor=desk_admin, desk=it_desk, name="Printers")
    client = client_for(agent)
    response = client.post(url("ticket_update", ticket), {
        "status": "in_progress", "priority": "high", "category": printers.pk,
        "assignee": other_agent.pk})
    assert response.status_code == 302 and response["Location"] == url("ticket", ticket)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.category, ticket.assignee) == (
        "in_progress", "high", printers, other_agent)
    body = page(client, ticket)[1]
    assert "Arthur Agent changed Status from New to In progress" in body
    assert "changed Category from Wi-Fi to Printers" in body
    assert "changed Assignee from none to Bea Agent" in body
    assert "The ticket was updated." in body


def test_agent_clears_the_category_and_the_assignee(ticket, agent):
    services.update_ticket(actor=agent, ticket=ticket, assignee=agent)
    client_for(agent).post(url("ticket_update", ticket), {"category": "", "assignee": ""})
    ticket.refresh_from_db()
    assert ticket.category is None and ticket.assignee is None


@pytest.mark.parametrize("data, error", [
    ({"status": "done"}, "Choose one of"),
    ({"priority": "asap"}, "Choose one of"),
    ({"category": "99999"}, "Choose one of this desk&#x27;s categories."),
    ({"category": "abc"}, "Choose one of this desk&#x27;s categories."),
    ({"category": "9" * 30}, "Choose one of this desk&#x27;s categories."),
    ({"assignee": "99999999999999999999999"}, "Only the desk&#x27;s agents can be assigned."),
    ({"action": "explode"}, "Unknown action."),
])
def test_bad_changes_are_refused_with_a_message(ticket, agent, data, error):
    response = client_for(agent).post(url("ticket_update", ticket), data)
    assert response.status_code == 422
    assert error in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.priority == "normal"


def test_someone_who_is_not_an_agent_cannot_be_assigned(ticket, agent, other_user):
    response = client_for(agent).post(url("ticket_update", ticket), {"assignee": other_user.pk})
    assert response.status_code == 422
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_other_staff_may_not_change_a_ticket(other_client, member_client, ticket):
    for client in (other_client, member_client):  # staff who see it, and its requester
        response = client.post(url("ticket_update", ticket), {"status": "resolved"})
        assert response.status_code == 403
        assert "Only the desk&#x27;s agents can do this." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_outsiders_of_a_private_desk_get_404_on_its_actions(hr_ticket, other_client,
                                                            guest_client, anonymous_client):
    for name, data in (("ticket_update", {"status": "resolved"}),
                       ("ticket_comment", {"body": "hi"}), ("ticket_me_too", {"add": "1"}),
                       ("ticket_reopen", {})):
        assert other_client.post(url(name, hr_ticket), data).status_code == 404
        assert guest_client.post(url(name, hr_ticket), data).status_code == 404
        assert anonymous_client.post(url(name, hr_ticket), data).status_code == 302
    assert not MeToo.objects.exists()


def test_actions_only_take_posts(member_client, ticket):
    assert member_client.get(url("ticket_comment", ticket)).status_code == 405


def test_take_it_assigns_the_agent_and_starts_the_work(ticket, agent):
    client_for(agent).post(url("ticket_update", ticket), {"action": "take"})
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.status == "in_progress"
    body = page(client_for(agent), ticket)[1]
    assert "Take it" not in body  # already theirs


def test_ask_the_requester_and_resolve(ticket, agent, member_client):
    client = client_for(agent)
    client.post(url("ticket_update", ticket), {"action": "ask"})
    ticket.refresh_from_db()
    assert ticket.status == "waiting" and ticket.first_response_at is not None
    client.post(url("ticket_update", ticket), {"action": "resolve"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    assert list(TicketChange.objects.filter(ticket=ticket).values_list("new", flat=True)) == [
        "waiting", "resolved"]
    body = page(member_client, ticket)[1]
    assert "Resolved" in body and url("ticket_reopen", ticket) in body


# --- Replies, me too, reopening ---------------------------------------------------------------

def test_agent_reply_is_the_first_response(ticket, agent):
    response = client_for(agent).post(url("ticket_comment", ticket), {"body": "On my way"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_an_empty_reply_is_refused_and_a_refused_reply_is_kept(member_client, ticket, settings):
    response = member_client.post(url("ticket_comment", ticket), {"body": "   "})
    assert response.status_code == 422
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "message_chars": 10}
    response = member_client.post(url("ticket_comment", ticket),
                                  {"body": "A reply much too long"})
    assert response.status_code == 422
    assert "A reply much too long</textarea>" in response.content.decode()
    assert not Message.objects.filter(thread_root=ticket.message, author=ticket.requester)


def test_staff_who_do_not_follow_a_ticket_cannot_reply_on_its_page(other_client, ticket):
    response = other_client.post(url("ticket_comment", ticket), {"body": "Hello"})
    assert response.status_code == 403


def test_me_too_and_not_me_anymore(other_client, other_user, ticket):
    response = other_client.post(url("ticket_me_too", ticket), {"add": "1"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.me_too_count == 1
    body = page(other_client, ticket)[1]
    assert "Not me anymore" in body and "Hugo Bernard" in body
    assert "1 other person has this problem too." in body
    assert url("ticket_comment", ticket) in body  # followers write in the thread
    other_client.post(url("ticket_me_too", ticket), {"add": "0"})
    ticket.refresh_from_db()
    assert ticket.me_too_count == 0 and not MeToo.objects.filter(user=other_user).exists()


def test_the_requester_cannot_say_me_too_on_their_own_ticket(member_client, ticket):
    response = member_client.post(url("ticket_me_too", ticket), {"add": "1"})
    assert response.status_code == 403
    assert not MeToo.objects.exists()


def test_requester_reopens_within_seven_days(member_client, ticket, agent):
    services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        response = member_client.post(url("ticket_reopen", ticket))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.resolved_at is None


def test_reopening_is_refused_after_seven_days(member_client, ticket, agent):
    services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert url("ticket_reopen", ticket) not in page(member_client, ticket)[1]
        response = member_client.post(url("ticket_reopen", ticket))
    assert response.status_code == 403
    assert "7 days" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_other_staff_cannot_reopen(other_client, ticket, agent):
    services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    assert other_client.post(url("ticket_reopen", ticket)).status_code == 403


# --- A chat message turned into a ticket ----------------------------------------------------------

def from_message(message):
    return reverse("desk:from_message", args=[message.id])


def test_agent_turns_a_channel_message_into_a_ticket(it_desk, agent, other_user):
    message = chat.send_message(author=other_user, conversation=chat.ensure_channel(it_desk.group),
                                body="The scanner on floor 2 is jammed",
                                checked_by_caller=True)[0]
    response = client_for(agent).post(from_message(message))
    ticket = Ticket.objects.get(message=message)
    assert response.status_code == 302 and response["Location"] == url("ticket", ticket)
    assert ticket.requester == other_user and ticket.title.startswith("The scanner")
    # Twice: the same ticket.
    assert client_for(agent).post(from_message(message))["Location"] == url("ticket", ticket)
    assert Ticket.objects.filter(message=message).count() == 1


def test_non_agents_cannot_turn_a_message_into_a_ticket(it_desk, agent, other_client):
    message = chat.send_message(author=agent, conversation=chat.ensure_channel(it_desk.group),
                                body="Hello")[0]
    assert other_client.post(from_message(message)).status_code == 403
    assert not Ticket.objects.filter(message=message).exists()


def test_a_message_outside_a_desks_channel_cannot_become_a_ticket(agent, desk_admin, it_desk):
    group = group_services.create_group(creator=agent, name="Pause café")
    message = chat.send_message(author=agent, conversation=group.channel, body="Coffee?")[0]
    response = client_for(agent).post(from_message(message))
    assert response.status_code == 422
    assert "Only a message of a desk" in response.content.decode()


def test_a_hidden_message_is_a_404(hr_desk, agent, other_client, it_desk):
    message = chat.send_message(author=agent, conversation=chat.ensure_channel(hr_desk.group),
                                body="Private")[0]
    assert other_client.post(from_message(message)).status_code == 404
    assert client_for(agent).get(from_message(message)).status_code == 405


# --- Chat: forwarded quotes, the menu item, badges ----------------------------------------------

def channel_page(person, desk, **query):
    conversation = chat.ensure_channel(desk.group)
    response = client_for(person).get(reverse("chat:conversation", args=[conversation.id]),
                                      query)
    assert response.status_code == 200
    return response.content.decode()


def test_chat_shows_the_forwarded_quote_only_to_readers_of_the_source(forwarded, it_desk,
                                                                       desk_admin, other_agent):
    body = channel_page(desk_admin, it_desk)
    assert "Confidential salary spreadsheet" in body and "forwarded-quote" in body
    body = channel_page(other_agent, it_desk)
    assert "Confidential salary spreadsheet" not in body
    assert "Forwarded from a conversation you cannot see." in body


def test_make_a_ticket_is_offered_to_the_desks_agents_only(it_desk, agent, other_user,
                                                           desk_admin):
    message = chat.send_message(author=agent, conversation=chat.ensure_channel(it_desk.group),
                                body="Hello")[0]
    for person in (agent, desk_admin):
        body = channel_page(person, it_desk)
        assert from_message(message) in body and "Make a ticket" in body
    body = channel_page(other_user, it_desk)
    assert "Make a ticket" not in body and from_message(message) not in body


def test_make_a_ticket_is_not_offered_outside_a_desks_channel(agent, it_desk):
    group = group_services.create_group(creator=agent, name="Pause café")
    chat.send_message(author=agent, conversation=group.channel, body="Coffee?")
    body = client_for(agent).get(reverse("chat:conversation", args=[group.channel.id])
                                 ).content.decode()
    assert "Make a ticket" not in body


def test_ticket_messages_carry_the_tickets_badge(ticket, it_desk, other_user):
    body = channel_page(other_user, it_desk)
    assert f'href="{url("ticket", ticket)}" title="New">IT-1</a>' in body


def test_a_desk_channel_costs_the_same_queries_whatever_its_tickets(it_desk, agent, user,
                                                                   wifi_category):
    conversation = chat.ensure_channel(it_desk.group)
    client = client_for(agent)
    services.file_request(requester=user, desk=it_desk, title="first")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("chat:conversation",
                                      args=[conversation.id])).status_code == 200
        return len(queries)

    count()
    few = count()
    for i in range(6):
        services.file_request(requester=user, desk=it_desk, title=f"request {i}",
                              category=wifi_category)
        chat.send_message(author=agent, conversation=conversation, body=f"note {i}")
    assert count() == few


def test_a_ticket_made_from_a_message_shows_the_message(it_desk, agent, other_user, user):
    message = chat.send_message(author=other_user, conversation=chat.ensure_channel(it_desk.group),
                                body="The *scanner* is jammed", checked_by_caller=True)[0]
    ticket = services.ticket_from_message(actor=agent, message=message)
    body = page(client_for(user), ticket)[1]
    assert "The <em>scanner</em> is jammed" in body



def test_agents_get_quick_actions_on_a_tickets_message_in_the_channel(ticket, it_desk, agent,
                                                                      other_user):
    update = url("ticket_update", ticket)
    body = channel_page(agent, it_desk)
    for action in ("take", "ask", "resolve"):
        assert f'name="action" value="{action}"' in body
    assert update in body
    # A ticket's message offers its actions, not "make it a ticket" again.
    assert from_message(ticket.message) not in body
    assert update not in channel_page(other_user, it_desk)


def test_a_quick_action_from_the_channel_changes_the_ticket_and_goes_back(ticket, agent):
    back = reverse("chat:conversation", args=[ticket.message.conversation_id]) \
        + f"?thread={ticket.message_id}"
    response = client_for(agent).post(url("ticket_update", ticket),
                                      {"action": "take", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id) == ("in_progress", agent.id)


def test_a_quick_action_never_sends_anyone_off_site(ticket, agent):
    response = client_for(agent).post(url("ticket_update", ticket),
                                      {"action": "ask", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == url("ticket", ticket)


def test_the_tickets_thread_offers_the_quick_actions_to_agents(ticket, agent, other_user):
    thread = reverse("chat:thread", args=[ticket.message_id])
    assert 'name="action" value="resolve"' in client_for(agent).get(thread).content.decode()
    assert 'value="resolve"' not in client_for(other_user).get(thread).content.decode()
