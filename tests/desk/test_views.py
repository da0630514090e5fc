"""Desk pages: the list of desks, the agents' queue, a desk's home for requesters, the request
form, my requests and bulk assign (the ticket, settings and metrics pages have their own
tests)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from desk import services, setup
from desk.models import Desk, FormField, Ticket
from tests.conftest import client_for
from tests.documents.helpers import png_bytes, upload

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def desk_url(desk, name="desk:desk"):
    return reverse(name, args=[desk.group.slug])


def file(requester, desk, title, **extra):
    return services.file_request(requester=requester, desk=desk, title=title, **extra)


@pytest.fixture
def agent_client(agent):
    return client_for(agent)


@pytest.fixture
def admin_client(desk_admin):
    return client_for(desk_admin)


@pytest.fixture
def members_only_hr(hr_desk, desk_admin):
    """The HR desk, taking requests from its members only: unknown to everyone else."""
    return setup.update_desk(actor=desk_admin, desk=hr_desk, intake=Desk.Intake.MEMBERS)


@pytest.fixture
def file_form(it_desk, desk_admin):
    return setup.save_form(actor=desk_admin, desk=it_desk, name="Broken screen", fields=[
        {"label": "Photo", "kind": FormField.Kind.FILE, "required": True,
         "help_text": "A photo of the screen."},
    ])


# --- The list of desks ----------------------------------------------------------------------

def test_index_lists_desks_with_open_counts_and_agent_badge(agent_client, it_desk, ticket):
    response = agent_client.get(reverse("desk:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Support informatique" in page
    assert "1 open ticket" in page
    assert "Agent" in page
    assert desk_url(it_desk, "desk:new_request") in page
    assert reverse("desk:my_requests") in page


def test_index_for_staff_offers_new_request_without_agent_badge(member_client, it_desk):
    page = member_client.get(reverse("desk:index")).content.decode()
    assert "Support informatique" in page
    assert desk_url(it_desk, "desk:new_request") in page
    assert ">Agent<" not in page


def test_index_counts_a_private_desks_open_tickets_for_its_group_only(member_client, hr_desk,
                                                                      other_user, agent):
    for title in ("Payslip question", "Leave balance"):
        file(other_user, hr_desk, title)
    page = member_client.get(reverse("desk:index")).content.decode()
    assert "Ressources humaines" in page  # open to every staff member for requests
    assert "open tickets" not in page  # but how busy it is stays within its group
    assert "2 open tickets" in client_for(agent).get(reverse("desk:index")).content.decode()


def test_index_hides_members_only_desks_from_outsiders(member_client, members_only_hr, it_desk):
    page = member_client.get(reverse("desk:index")).content.decode()
    assert "Ressources humaines" not in page
    assert "Support informatique" in page


def test_index_empty_state_for_guest(guest_client, it_desk):
    response = guest_client.get(reverse("desk:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No desks yet" in page
    assert "Support informatique" not in page
    assert reverse("desk:create") not in page


def test_index_hints_group_admins_how_to_make_a_desk(member_client, group, it_desk):
    page = member_client.get(reverse("desk:index")).content.decode()
    assert reverse("desk:create") in page


def test_index_no_hint_for_people_managing_no_group(other_client, it_desk):
    page = other_client.get(reverse("desk:index")).content.decode()
    assert reverse("desk:create") not in page


def test_desk_pages_send_anonymous_to_login(anonymous_client, it_desk):
    for url in (reverse("desk:index"), reverse("desk:my_requests"), desk_url(it_desk),
                desk_url(it_desk, "desk:queue"), desk_url(it_desk, "desk:new_request")):
        response = anonymous_client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"] or "accounts" in response["Location"]
    assert anonymous_client.post(desk_url(it_desk, "desk:bulk_assign")).status_code == 302


# --- Desk home: queue for agents, forms for requesters ---------------------------------------

@pytest.mark.parametrize("who", ["agent", "desk_admin"])
def test_desk_home_is_the_queue_for_agents_and_admins(request, who, it_desk, ticket):
    client = client_for(request.getfixturevalue(who))
    response = client.get(desk_url(it_desk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "queue" in page
    assert "IT-1" in page and "Wi-Fi down in building B" in page
    assert "Camille Martin" in page
    assert desk_url(it_desk, "desk:bulk_assign") in page
    assert "relais/desk.js" in page
    assert 'data-refresh-url="/desks/' in page


def test_desk_home_for_requester_shows_forms_and_own_requests(member_client, it_desk, wifi_form,
                                                             ticket, other_user):
    file(other_user, it_desk, "Printer jammed")
    response = member_client.get(desk_url(it_desk))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{desk_url(it_desk, 'desk:new_request')}?form={wifi_form.id}" in page
    assert "Wi-Fi problem" in page
    assert "Other request" in page
    assert "Wi-Fi down in building B" in page
    assert "Printer jammed" not in page
    assert desk_url(it_desk, "desk:bulk_assign") not in page


def test_desk_home_hides_inactive_forms(member_client, it_desk, desk_admin):
    setup.save_form(actor=desk_admin, desk=it_desk, name="Old form", fields=[], active=False)
    assert "Old form" not in member_client.get(desk_url(it_desk)).content.decode()


def test_desk_home_for_other_staff(other_client, it_desk, ticket):
    response = other_client.get(desk_url(it_desk))
    assert response.status_code == 200
    assert "Wi-Fi down in building B" not in response.content.decode()


def test_desk_pages_are_404_for_guests(guest_client, it_desk):
    for url in (desk_url(it_desk), desk_url(it_desk, "desk:queue"),
                desk_url(it_desk, "desk:new_request")):
        assert guest_client.get(url).status_code == 404, url
    assert guest_client.post(desk_url(it_desk, "desk:bulk_assign")).status_code == 404


def test_members_only_desk_is_404_for_outsiders(member_client, members_only_hr):
    for url in (desk_url(members_only_hr), desk_url(members_only_hr, "desk:queue"),
                desk_url(members_only_hr, "desk:new_request")):
        assert member_client.get(url).status_code == 404, url
    response = member_client.post(desk_url(members_only_hr, "desk:bulk_assign"))
    assert response.status_code == 404


def test_private_desk_open_to_staff_shows_no_one_elses_tickets(member_client, hr_desk,
                                                               other_user, agent):
    file(other_user, hr_desk, "Payslip question")
    response = member_client.get(desk_url(hr_desk))
    assert response.status_code == 200
    assert "Payslip question" not in response.content.decode()
    assert member_client.get(desk_url(hr_desk, "desk:queue")).status_code == 403
    assert "Payslip question" in client_for(agent).get(desk_url(hr_desk)).content.decode()


def test_unknown_desk_is_404(agent_client, it_desk):
    assert agent_client.get(reverse("desk:desk", args=["no-such-desk"])).status_code == 404


# --- The queue: filters, sorting, paging ----------------------------------------------------

def refs(response) -> list[str]:
    """Ticket references in the order the queue lists them."""
    import re

    return re.findall(r'class="desk-ref">([A-Z]+-\d+)<', response.content.decode())


@pytest.fixture
def queue_tickets(it_desk, user, other_user, agent, wifi_category):
    """IT-1 normal (assigned to agent), IT-2 high, IT-3 urgent unassigned, IT-4 low resolved,
    filed a minute apart."""
    made = []
    for minute, (title, priority) in enumerate([("Normal one", "normal"), ("High one", "high"),
                                                ("Urgent one", "urgent"), ("Low one", "low")]):
        with time_machine.travel(MONDAY_9 + timedelta(minutes=minute), tick=False):
            made.append(file(user if minute % 2 == 0 else other_user, it_desk, title,
                             priority=priority,
                             category=wifi_category if minute == 1 else None))
    services.update_ticket(actor=agent, ticket=made[0], assignee=agent)
    services.update_ticket(actor=agent, ticket=made[3], status=Ticket.Status.RESOLVED)
    return made


def test_queue_pins_urgent_unassigned_first_with_highlight(agent_client, it_desk, queue_tickets):
    response = agent_client.get(desk_url(it_desk), {"sort": "oldest"})
    assert refs(response) == ["IT-3", "IT-1", "IT-2"]
    page = response.content.decode()
    assert "Urgent — not taken" in page
    assert page.count("desk-queue-row-pinned") == 1


def test_queue_urgent_is_no_longer_pinned_once_taken(agent_client, agent, it_desk, queue_tickets):
    services.update_ticket(actor=agent, ticket=queue_tickets[2], assignee=agent)
    response = agent_client.get(desk_url(it_desk), {"sort": "newest"})
    assert refs(response) == ["IT-3", "IT-2", "IT-1"]
    assert "Urgent — not taken" not in response.content.decode()
    assert refs(agent_client.get(desk_url(it_desk), {"sort": "oldest"})) == [
        "IT-1", "IT-2", "IT-3"]


def test_queue_default_sort_is_priority(agent_client, it_desk, queue_tickets):
    assert refs(agent_client.get(desk_url(it_desk))) == ["IT-3", "IT-2", "IT-1"]


@pytest.mark.parametrize("params, expected", [
    ({"mine": "1"}, ["IT-1"]),
    ({"unassigned": "1"}, ["IT-3", "IT-2"]),
    ({"status": "resolved"}, ["IT-4"]),
    ({"status": "all", "sort": "oldest"}, ["IT-3", "IT-1", "IT-2", "IT-4"]),
    ({"priority": "high"}, ["IT-2"]),
])
def test_queue_filters(agent_client, it_desk, queue_tickets, params, expected):
    response = agent_client.get(desk_url(it_desk), params)
    assert response.status_code == 200
    assert refs(response) == expected


def test_queue_category_filter(agent_client, it_desk, queue_tickets, wifi_category):
    response = agent_client.get(desk_url(it_desk), {"category": wifi_category.id})
    assert refs(response) == ["IT-2"]


def test_queue_overdue_filter(agent_client, desk_admin, it_desk, user):
    setup.set_target(actor=desk_admin, desk=it_desk, priority="normal",
                     first_response_minutes=60, resolution_minutes=480)
    with time_machine.travel(MONDAY_9, tick=False):
        file(user, it_desk, "Old request")
    with time_machine.travel(MONDAY_9 + timedelta(minutes=90), tick=False):
        file(user, it_desk, "Fresh request")
        response = agent_client.get(desk_url(it_desk), {"overdue": "1"})
        assert refs(response) == ["IT-1"]
        assert "Overdue 30 min" in response.content.decode()
        assert refs(agent_client.get(desk_url(it_desk), {"sort": "oldest"})) == ["IT-1", "IT-2"]


@pytest.mark.parametrize("params", [
    {"status": "bogus"}, {"priority": "extreme"}, {"category": "abc"}, {"category": "999999"},
    {"sort": "random"}, {"mine": "maybe"},
])
def test_queue_bad_filters_are_ignored_and_reported(agent_client, it_desk, queue_tickets, params):
    response = agent_client.get(desk_url(it_desk), params)
    assert response.status_code == 200
    assert refs(response) == ["IT-3", "IT-2", "IT-1"]
    if "mine" not in params:
        assert "flash-warning" in response.content.decode()


def test_queue_category_of_another_desk_is_ignored(agent_client, it_desk, hr_desk, desk_admin,
                                                   queue_tickets):
    other = setup.save_category(actor=desk_admin, desk=hr_desk, name="Payroll")
    response = agent_client.get(desk_url(it_desk), {"category": other.id})
    assert refs(response) == ["IT-3", "IT-2", "IT-1"]
    assert "Unknown category" in response.content.decode()


def test_queue_shows_the_first_tickets_and_more_on_request(agent_client, it_desk, user,
                                                           monkeypatch):
    from desk import views

    monkeypatch.setattr(views, "QUEUE_LIMIT", 2)
    monkeypatch.setattr(views, "QUEUE_MOST", 4)
    for n in range(5):
        file(user, it_desk, f"Request {n}")
    response = agent_client.get(desk_url(it_desk) + "?sort=oldest")
    page = response.content.decode()
    assert refs(response) == ["IT-1", "IT-2"]
    assert "The first 2 of 5 tickets are shown." in page and "5 tickets" in page
    more = re.search(r'href="([^"]*shown=4[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "sort=oldest" in more  # the filters are kept
    response = agent_client.get(more)
    assert refs(response) == ["IT-1", "IT-2", "IT-3", "IT-4"]
    page = response.content.decode()
    assert "Narrow the filters to find the others." in page  # the most it shows
    # The live refresh keeps the longer list, and a made-up size stays within bounds.
    assert 'data-refresh-url="/desks/' in page and "shown=4" in page
    assert len(refs(agent_client.get(desk_url(it_desk, "desk:queue") + "?shown=10000"))) == 4
    assert len(refs(agent_client.get(desk_url(it_desk, "desk:queue") + "?shown=x"))) == 2


def test_queue_empty_state(agent_client, it_desk):
    page = agent_client.get(desk_url(it_desk)).content.decode()
    assert "Nothing in the queue" in page


def test_queue_fragment_renders_only_the_list(agent_client, it_desk, queue_tickets):
    response = agent_client.get(desk_url(it_desk, "desk:queue"), {"priority": "high"},
                                HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert refs(response) == ["IT-2"]
    assert "<html" not in page
    assert 'id="desk-queue"' in page


def test_queue_fragment_for_admin(admin_client, it_desk, queue_tickets):
    assert admin_client.get(desk_url(it_desk, "desk:queue")).status_code == 200


@pytest.mark.parametrize("who", ["user", "other_user"])
def test_queue_fragment_is_403_for_non_agent_staff(request, who, it_desk, ticket):
    client = client_for(request.getfixturevalue(who))
    assert client.get(desk_url(it_desk, "desk:queue")).status_code == 403


def test_queue_filters_survive_in_bulk_form(agent_client, it_desk, queue_tickets):
    page = agent_client.get(desk_url(it_desk), {"priority": "high", "evil": "x"}).content.decode()
    assert '<input type="hidden" name="priority" value="high">' in page
    assert 'name="evil"' not in page


# --- Bulk assign ---------------------------------------------------------------------------

def test_bulk_assign_assigns_and_redirects_back_with_filters(agent_client, other_agent, it_desk,
                                                             queue_tickets):
    ids = [queue_tickets[1].id, queue_tickets[2].id]
    response = agent_client.post(desk_url(it_desk, "desk:bulk_assign"),
                                 {"tickets": ids, "assignee": other_agent.id,
                                  "priority": "high"}, follow=False)
    assert response.status_code == 302
    assert response["Location"] == desk_url(it_desk) + "?priority=high"
    assert set(Ticket.objects.filter(id__in=ids).values_list("assignee", flat=True)) == {
        other_agent.id}
    page = agent_client.get(response["Location"]).content.decode()
    assert "2 tickets assigned to Bea Agent." in page


def test_bulk_assign_can_unassign(agent_client, agent, it_desk, queue_tickets):
    response = agent_client.post(desk_url(it_desk, "desk:bulk_assign"),
                                 {"tickets": [queue_tickets[0].id], "assignee": "none"})
    assert response.status_code == 302
    queue_tickets[0].refresh_from_db()
    assert queue_tickets[0].assignee is None


def test_bulk_assign_by_desk_admin_to_self(admin_client, desk_admin, it_desk, queue_tickets):
    response = admin_client.post(desk_url(it_desk, "desk:bulk_assign"),
                                 {"tickets": [queue_tickets[2].id], "assignee": desk_admin.id})
    assert response.status_code == 302
    queue_tickets[2].refresh_from_db()
    assert queue_tickets[2].assignee == desk_admin


def test_bulk_assign_refuses_non_agents_as_assignee(agent_client, user, it_desk, queue_tickets):
    response = agent_client.post(desk_url(it_desk, "desk:bulk_assign"),
                                 {"tickets": [queue_tickets[2].id], "assignee": user.id},
                                 follow=True)
    assert response.status_code == 200
    assert "Choose one of the desk&#x27;s agents." in response.content.decode()
    queue_tickets[2].refresh_from_db()
    assert queue_tickets[2].assignee is None


def test_bulk_assign_without_tickets_or_with_bad_ids(agent_client, agent, it_desk, queue_tickets):
    url = desk_url(it_desk, "desk:bulk_assign")
    response = agent_client.post(url, {"assignee": agent.id}, follow=True)
    assert "Choose at least one ticket" in response.content.decode()
    response = agent_client.post(url, {"tickets": ["x"], "assignee": agent.id}, follow=True)
    assert response.status_code == 200
    assert "Choose tickets of this desk." in response.content.decode()


def test_bulk_assign_ignores_tickets_of_another_desk(agent, hr_desk, it_desk, user,
                                                     queue_tickets):
    hr_ticket = file(user, hr_desk, "Leave request")
    client_for(agent).post(desk_url(it_desk, "desk:bulk_assign"),
                           {"tickets": [hr_ticket.id], "assignee": agent.id})
    hr_ticket.refresh_from_db()
    assert hr_ticket.assignee is None


@pytest.mark.parametrize("who", ["user", "other_user"])
def test_bulk_assign_is_403_for_non_agent_staff(request, who, agent, it_desk, queue_tickets):
    client = client_for(request.getfixturevalue(who))
    response = client.post(desk_url(it_desk, "desk:bulk_assign"),
                           {"tickets": [queue_tickets[2].id], "assignee": agent.id})
    assert response.status_code == 403
    queue_tickets[2].refresh_from_db()
    assert queue_tickets[2].assignee is None


def test_bulk_assign_is_post_only(agent_client, it_desk):
    assert agent_client.get(desk_url(it_desk, "desk:bulk_assign")).status_code == 405


# --- Filing a request ----------------------------------------------------------------------

def test_request_form_renders_fields_accessibly(member_client, it_desk, wifi_form):
    response = member_client.get(desk_url(it_desk, "desk:new_request"), {"form": wifi_form.id})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Wi-Fi problem</h1>" in page
    assert 'enctype="multipart/form-data"' in page
    building = wifi_form.fields.get(label="Building")
    assert '<legend class="field-label">Building <span class="desk-required"' in page
    assert f'name="field_{building.id}"' in page
    assert 'aria-describedby="id_title_helptext"' in page
    assert 'name="priority"' in page
    # The form has its own category: the requester is not asked for one.
    assert 'name="category"' not in page


def test_generic_request_asks_for_category_and_offers_forms(member_client, it_desk, wifi_form):
    page = member_client.get(desk_url(it_desk, "desk:new_request")).content.decode()
    assert 'name="category"' in page
    assert f"?form={wifi_form.id}" in page


def test_valid_request_creates_ticket_and_redirects(member_client, user, it_desk, wifi_form,
                                                    wifi_category):
    building = wifi_form.fields.get(label="Building")
    details = wifi_form.fields.get(label="Details")
    response = member_client.post(
        desk_url(it_desk, "desk:new_request") + f"?form={wifi_form.id}",
        {"title": "No Wi-Fi on floor 3", "priority": "high", f"field_{building.id}": "B",
         f"field_{details.id}": "Since this morning"})
    assert response.status_code == 302
    ticket = Ticket.objects.get(desk=it_desk)
    assert ticket.reference == "IT-1"
    assert ticket.requester == user
    assert ticket.priority == "high"
    assert ticket.category == wifi_category
    assert ticket.form == wifi_form
    assert {a["label"]: a["text"] for a in ticket.answers}["Building"] == "B"
    assert response["Location"] == reverse("desk:ticket", args=[it_desk.group.slug, 1])


def test_a_request_without_a_form_is_described_in_the_requesters_words_with_files(
        member_client, user, it_desk, agent_client):
    page = member_client.get(desk_url(it_desk, "desk:new_request")).content.decode()
    assert 'name="description"' in page and 'name="files"' in page and "multiple" in page
    response = member_client.post(desk_url(it_desk, "desk:new_request"), {
        "title": "Printer jams", "priority": "normal",
        "description": "Since Monday, the printer in room 12 jams on every second page.\n"
                       "The error says E-42.",
        "files": [upload("error.png", png_bytes(), "image/png"),
                  upload("tray.png", png_bytes(), "image/png")]})
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(desk=it_desk)
    assert [(a["label"], a["text"]) for a in ticket.answers] == [
        ("Description", "Since Monday, the printer in room 12 jams on every second page.\n"
                        "The error says E-42.")]
    assert ticket.message.attachments.count() == 2
    assert "every second page" in ticket.message.body
    shown = agent_client.get(response["Location"]).content.decode()
    assert "The error says E-42." in shown and "error.png" in shown


def test_a_form_request_has_no_free_description(member_client, it_desk, wifi_form):
    page = member_client.get(desk_url(it_desk, "desk:new_request") + f"?form={wifi_form.id}")
    assert 'name="description"' not in page.content.decode()


def test_missing_required_field_shows_error_and_keeps_values(member_client, it_desk, wifi_form):
    details = wifi_form.fields.get(label="Details")
    building = wifi_form.fields.get(label="Building")
    response = member_client.post(
        desk_url(it_desk, "desk:new_request") + f"?form={wifi_form.id}",
        {"title": "No Wi-Fi on floor 3", "priority": "normal",
         f"field_{details.id}": "Since this morning, in room 12"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page
    assert f'id="id_field_{building.id}_error"' in page
    assert f'aria-describedby="id_field_{building.id}_error"' in page
    assert 'value="No Wi-Fi on floor 3"' in page
    assert "Since this morning, in room 12" in page
    assert not Ticket.objects.exists()


def test_missing_title_marks_title_invalid(member_client, it_desk):
    response = member_client.post(desk_url(it_desk, "desk:new_request"), {"priority": "normal"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_title_helptext id_title_error"' in page


def test_bad_priority_is_a_field_error(member_client, it_desk):
    response = member_client.post(desk_url(it_desk, "desk:new_request"),
                                  {"title": "Mouse broken", "priority": "apocalyptic"})
    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert not Ticket.objects.exists()


def test_desk_without_priorities_does_not_ask(member_client, it_desk, desk_admin):
    setup.update_desk(actor=desk_admin, desk=it_desk, priorities_enabled=False)
    page = member_client.get(desk_url(it_desk, "desk:new_request")).content.decode()
    assert 'name="priority"' not in page


def test_file_field_upload_by_staff_outside_the_group(member_client, it_desk, file_form):
    photo = file_form.fields.get()
    response = member_client.post(
        desk_url(it_desk, "desk:new_request") + f"?form={file_form.id}",
        {"title": "Cracked screen", "priority": "normal",
         f"field_{photo.id}": upload("screen.png", png_bytes(), "image/png")})
    assert response.status_code == 302


def test_file_field_upload(agent_client, it_desk, file_form):
    photo = file_form.fields.get()
    response = agent_client.post(
        desk_url(it_desk, "desk:new_request") + f"?form={file_form.id}",
        {"title": "Cracked screen", "priority": "normal",
         f"field_{photo.id}": upload("screen.png", png_bytes(), "image/png")})
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(desk=it_desk)
    assert ticket.answers[0]["text"] == "screen.png"
    assert ticket.message.attachments.count() == 1


def test_required_file_missing_is_reported(member_client, it_desk, file_form):
    response = member_client.post(desk_url(it_desk, "desk:new_request") + f"?form={file_form.id}",
                                  {"title": "Cracked screen", "priority": "normal"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page
    assert "A photo of the screen." in page


def test_refused_file_type_is_shown_on_the_file_field(member_client, it_desk, file_form):
    photo = file_form.fields.get()
    response = member_client.post(
        desk_url(it_desk, "desk:new_request") + f"?form={file_form.id}",
        {"title": "Cracked screen", "priority": "normal",
         f"field_{photo.id}": upload("tool.exe", b"\x7fELF\x02\x01\x01\x00" + b"\0" * 64)})
    assert response.status_code == 422
    assert f'id="id_field_{photo.id}_error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_form_of_another_desk_is_404(member_client, it_desk, hr_desk, desk_admin):
    hr_form = setup.save_form(actor=desk_admin, desk=hr_desk, name="Leave", fields=[])
    url = desk_url(it_desk, "desk:new_request")
    assert member_client.get(url, {"form": hr_form.id}).status_code == 404
    assert member_client.post(url + f"?form={hr_form.id}", {"title": "x"}).status_code == 404
    assert member_client.get(url, {"form": "abc"}).status_code == 404


def test_inactive_form_is_404(member_client, it_desk, desk_admin):
    old = setup.save_form(actor=desk_admin, desk=it_desk, name="Old", fields=[], active=False)
    assert member_client.get(desk_url(it_desk, "desk:new_request"),
                             {"form": old.id}).status_code == 404


def test_request_form_is_403_for_those_who_may_not_file(member_client, members_only_hr):
    # A members-only desk whose group outsiders can see: its page exists for them, filing
    # does not.
    members_only_hr.group.visibility = "public"
    members_only_hr.group.save(update_fields=["visibility"])
    url = desk_url(members_only_hr, "desk:new_request")
    assert member_client.get(url).status_code == 403
    assert member_client.post(url, {"title": "Leave"}).status_code == 403
    assert not Ticket.objects.exists()
    page = member_client.get(desk_url(members_only_hr)).content.decode()
    assert "Only the group's members can file requests" in page
    assert desk_url(members_only_hr, "desk:new_request") not in page


def test_agent_can_file_too(agent_client, it_desk):
    response = agent_client.post(desk_url(it_desk, "desk:new_request"),
                                 {"title": "Server room hot", "priority": "urgent"})
    assert response.status_code == 302
    assert Ticket.objects.get().priority == "urgent"


# --- My requests ---------------------------------------------------------------------------

def test_my_requests_lists_filed_and_me_too(member_client, user, other_user, it_desk, hr_desk,
                                            ticket):
    theirs = file(other_user, it_desk, "Printer jammed")
    file(other_user, it_desk, "Not mine at all")
    services.me_too(user=user, ticket=theirs)
    mine_hr = file(user, hr_desk, "Leave balance")
    response = member_client.get(reverse("desk:my_requests"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Wi-Fi down in building B" in page and "Printer jammed" in page
    assert "Leave balance" in page and mine_hr.reference in page
    assert "Not mine at all" not in page
    assert "you said “me too”" in page
    assert "New" in page


def test_my_requests_empty_state(other_client, it_desk):
    page = other_client.get(reverse("desk:my_requests")).content.decode()
    assert "You have not filed any request yet." in page
