"""desk/routing.py: an agent's reaction with a mapped emoji forwards a message of the desk's
channel to another group (a quote, shown only to readers of the source) or desk (a ticket)."""

import pytest
from django.core.exceptions import ValidationError

from chat import services as chat_services
from chat.models import Message
from desk import permissions, routing, selectors, services, setup
from desk.models import Forward, Ticket
from groups import services as group_services
from groups.models import Group
from search import selectors as search_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(other_user, it_group):
    group_services.join_group(user=other_user, group=it_group)
    return other_user


@pytest.fixture
def works_group(desk_admin, agent, other_agent):
    """A plain group (not a desk) the IT agents belong to."""
    group = group_services.create_group(creator=desk_admin, name="Services techniques")
    for person in (agent, other_agent):
        group_services.add_member(actor=desk_admin, group=group, user=person)
    return group


@pytest.fixture
def bio_desk(desk_admin):
    group = group_services.create_group(creator=desk_admin, name="Biomédical")
    return setup.create_desk(actor=desk_admin, group=group, prefix="BIO")


@pytest.fixture
def routes(it_desk, desk_admin, works_group, bio_desk):
    setup.set_route(actor=desk_admin, desk=it_desk, emoji="🔧", target=works_group)
    setup.set_route(actor=desk_admin, desk=it_desk, emoji="🩺", target=bio_desk.group)
    return it_desk


@pytest.fixture
def request_message(it_group, member):
    message, _new = chat_services.send_message(author=member, conversation=it_group.channel,
                                               body="The infusion pump in room 12 beeps")
    return message


def react(person, message, emoji):
    return chat_services.react(user=person, message=message, emoji=emoji)


def test_agent_reaction_forwards_to_a_group_once(routes, request_message, agent, other_agent,
                                                 works_group, member):
    react(agent, request_message, "🔧")
    react(other_agent, request_message, "🔧")
    forward = Forward.objects.get()
    assert (forward.source, forward.target, forward.forwarded_by) == (
        request_message, works_group, agent)
    copy = forward.copy
    assert copy.conversation == works_group.channel
    assert copy.forwarded_from == request_message and copy.author == agent
    assert Message.objects.filter(conversation=works_group.channel).count() == 1
    assert forward.ticket is None and Ticket.objects.count() == 0


def test_non_agent_reaction_does_nothing(routes, request_message, member, desk_admin):
    react(member, request_message, "🔧")
    react(member, request_message, "🩺")
    assert Forward.objects.count() == 0 and Ticket.objects.count() == 0


def test_unmapped_emoji_does_nothing(routes, request_message, agent):
    react(agent, request_message, "👍")
    assert Forward.objects.count() == 0


def test_forward_to_a_desk_opens_a_ticket_there(routes, request_message, agent, bio_desk,
                                                member):
    react(agent, request_message, "🩺")
    forward = Forward.objects.get()
    ticket = forward.ticket
    assert ticket.desk == bio_desk and ticket.reference == "BIO-1"
    assert ticket.source == Ticket.Source.FORWARD
    assert ticket.origin == request_message and ticket.requester == member
    assert "pump" not in ticket.title and "Arthur Agent" in ticket.title
    assert ticket.message == forward.copy
    assert ticket.message.conversation == bio_desk.group.channel
    assert ticket.message.forwarded_from == request_message
    assert "pump" not in ticket.message.body
    react(agent, request_message, "🩺")
    assert Ticket.objects.filter(desk=bio_desk).count() == 1


def test_forward_into_group_the_agent_cannot_post_in_does_nothing(it_desk, desk_admin,
                                                                  request_message, agent):
    closed = group_services.create_group(creator=desk_admin, name="Direction")
    setup.set_route(actor=desk_admin, desk=it_desk, emoji="📋", target=closed)
    react(agent, request_message, "📋")
    assert Forward.objects.count() == 0


def test_forward_to_archived_target_does_nothing(routes, request_message, agent, works_group,
                                                 desk_admin):
    group_services.set_archived(actor=desk_admin, group=works_group, archived=True)
    react(agent, request_message, "🔧")
    assert Forward.objects.count() == 0


def test_reaction_in_a_plain_group_does_nothing(group, user, routes):
    message, _new = chat_services.send_message(author=user, conversation=group.channel,
                                               body="Hello")
    react(user, message, "🔧")
    assert Forward.objects.count() == 0


def test_private_source_stays_hidden_in_the_target_desk(
        hr_desk, desk_admin, agent, user, bio_desk, django_capture_on_commit_callbacks):
    """An HR request forwarded to the public biomedical desk: the ticket exists there, but
    its readers who are not in HR see neither its content nor find it by search."""
    setup.set_route(actor=desk_admin, desk=hr_desk, emoji="🩺", target=bio_desk.group)
    with django_capture_on_commit_callbacks(execute=True):
        message, _new = chat_services.send_message(author=agent,
                                                   conversation=hr_desk.group.channel,
                                                   body="Confidential salary complaint")
        react(agent, message, "🩺")
    ticket = Ticket.objects.get(desk=bio_desk)
    assert "salary" not in ticket.title.lower()
    assert permissions.visible_tickets(user).filter(id=ticket.id).exists()
    assert selectors.origin_visible(user, ticket) is False
    assert selectors.origin_visible(agent, ticket) is True
    assert not search_selectors.visible_entries(user).filter(body__icontains="salary").exists()


def test_routes_of_lists_the_desk_routes(routes, works_group, bio_desk):
    assert {(r.emoji, r.target) for r in routing.routes_of(routes)} == {
        ("🔧", works_group), ("🩺", bio_desk.group)}


def test_forwarded_ticket_service_records_the_forward_source(it_desk, bio_desk, agent,
                                                             request_message):
    ticket = services.forwarded_ticket(actor=agent, desk=bio_desk, source=request_message)
    assert ticket.origin == request_message and ticket.source == "forward"


def test_secret_group_route_target_refused(it_desk, desk_admin, user):
    secret = group_services.create_group(creator=user, name="Cellule",
                                         visibility=Group.Visibility.SECRET)
    with pytest.raises(ValidationError):
        setup.set_route(actor=desk_admin, desk=it_desk, emoji="🔧", target=secret)
