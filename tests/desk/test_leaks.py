"""What a review found could leak or be lost, pinned: people who left a desk's group, a
members-only desk's requester, forwarded requesters, mentions from outside, concurrent counts."""

import pytest

from chat import services as chat
from chat.models import MessageMention
from desk import permissions, services, setup
from desk.models import Desk, Ticket
from groups import services as group_services
from notifications.models import Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_ticket(hr_desk, user):
    return services.file_request(requester=user, desk=hr_desk, title="Question sur ma paie")


def test_an_agent_who_left_a_private_desks_group_sees_its_tickets_no_more(
        hr_desk, hr_ticket, agent, desk_admin, api_client_for):
    client = api_client_for(agent)
    assert client.get(f"/api/v1/tickets/{hr_ticket.id}").status_code == 200
    group_services.remove_member(actor=desk_admin, group=hr_desk.group, user=agent)
    assert not permissions.visible_tickets(agent).filter(pk=hr_ticket.pk).exists()
    assert client.get(f"/api/v1/tickets/{hr_ticket.id}").status_code == 404
    assert client.get(f"/api/v1/tickets/{hr_ticket.id}/comments").status_code == 404


def test_a_requester_removed_from_a_members_only_desk_loses_its_tickets(
        hr_desk, desk_admin, other_user, api_client_for):
    setup.update_desk(actor=desk_admin, desk=hr_desk, intake=Desk.Intake.MEMBERS)
    group_services.add_member(actor=desk_admin, group=hr_desk.group, user=other_user)
    ticket = services.file_request(requester=other_user, desk=hr_desk, title="Congés")
    client = api_client_for(other_user)
    assert client.get(f"/api/v1/tickets/{ticket.id}").status_code == 200
    group_services.remove_member(actor=desk_admin, group=hr_desk.group, user=other_user)
    assert client.get(f"/api/v1/tickets/{ticket.id}").status_code == 404


def test_an_assignee_removed_from_a_private_desks_group_is_told_nothing_more(
        hr_desk, hr_ticket, agent, other_agent, desk_admin):
    group_services.add_member(actor=desk_admin, group=hr_desk.group, user=other_agent)
    setup.set_agent(actor=desk_admin, desk=hr_desk, user=other_agent)
    services.update_ticket(actor=agent, ticket=hr_ticket, assignee=other_agent)
    group_services.remove_member(actor=desk_admin, group=hr_desk.group, user=other_agent)
    before = Notification.objects.filter(recipient=other_agent).count()
    services.update_ticket(actor=agent, ticket=hr_ticket, status="resolved")
    assert Notification.objects.filter(recipient=other_agent).count() == before
    assert Notification.objects.filter(recipient=hr_ticket.requester, kind="ticket").exists()


def test_a_forward_never_makes_a_requester_of_someone_who_cannot_file_there(
        it_desk, hr_desk, desk_admin, agent, user):
    setup.update_desk(actor=desk_admin, desk=hr_desk, intake=Desk.Intake.MEMBERS)
    setup.set_route(actor=desk_admin, desk=it_desk, emoji="📋", target=hr_desk.group)
    asked = services.file_request(requester=user, desk=it_desk, title="Mon contrat")
    chat.react(user=agent, message=asked.message, emoji="📋")
    forwarded = Ticket.objects.get(desk=hr_desk, source=Ticket.Source.FORWARD)
    assert forwarded.requester == agent
    assert not permissions.visible_tickets(user).filter(pk=forwarded.pk).exists()


def test_mentions_from_outside_the_group_stay_plain_text(hr_ticket, user, agent):
    reply = services.comment(actor=user, ticket=hr_ticket, body="Merci @Arthur Agent")
    assert not MessageMention.objects.filter(message=reply).exists()
    assert "/people/" not in reply.body_html and "mention" not in reply.body_html
    answer = services.comment(actor=agent, ticket=hr_ticket, body="@Diane Dsi à valider")
    assert MessageMention.objects.filter(message=answer).exists()


def test_me_too_counts_in_the_database(ticket, other_user):
    third = make_user("third@hopital.example", "Third Person")
    stale = Ticket.objects.get(pk=ticket.pk)
    services.me_too(user=other_user, ticket=ticket)
    services.me_too(user=third, ticket=stale)  # a copy read before the first was counted
    assert Ticket.objects.get(pk=ticket.pk).me_too_count == 2
