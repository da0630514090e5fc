"""The desk API (/api/v1/desks, /api/v1/tickets): docs/desks.md, "API". Every endpoint with
every permission case: requester, agent, desk admin, other staff, guest, anonymous, and the
outsider of the private HR desk."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chat import services as chat_services
from desk import services, setup
from desk.models import FormField, Ticket, TicketChange
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


# --- Fixtures --------------------------------------------------------------------------------

@pytest.fixture
def requester_api(user, api_client_for):
    return api_client_for(user)


@pytest.fixture
def agent_api(agent, api_client_for):
    return api_client_for(agent)


@pytest.fixture
def admin_api(desk_admin, api_client_for):
    return api_client_for(desk_admin)


@pytest.fixture
def staff_api(other_user, api_client_for):
    """Other staff: not in the IT group, not concerned by the ticket."""
    return api_client_for(other_user)


@pytest.fixture
def guest_api(guest, api_client_for):
    return api_client_for(guest)


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def hr_ticket(hr_desk, user):
    """Camille (not in HR) filed a request on the private HR desk."""
    return services.file_request(requester=user, desk=hr_desk, title="Payslip question")


@pytest.fixture
def file_form(it_desk, desk_admin):
    return setup.save_form(actor=desk_admin, desk=it_desk, name="Screenshot", fields=[
        {"label": "Screenshot", "kind": FormField.Kind.FILE, "required": True}])


def request_url(desk) -> str:
    return f"/api/v1/desks/{desk.group.slug}/requests"


def wifi_answers(form, **extra) -> dict:
    building, since, details = form.fields.all()
    return {building.key: "B", str(since.id): "2026-12-01", details.key: "No signal", **extra}


def errors(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["detail"]


# --- GET /desks ------------------------------------------------------------------------------

def test_list_desks_shows_public_and_staff_desks_with_counts(requester_api, ticket, hr_desk):
    response = requester_api.get("/api/v1/desks")
    assert response.status_code == 200
    items = {item["prefix"]: item for item in response.json()["items"]}
    # HR is private but open to staff requests: Camille may file there.
    assert set(items) == {"IT", "HR"}
    assert items["IT"]["open_count"] == 1
    assert items["IT"]["is_agent"] is False
    assert items["IT"]["slug"] == ticket.desk.group.slug


def test_list_desks_marks_the_agents(agent_api, admin_api, it_desk):
    assert agent_api.get("/api/v1/desks").json()["items"][0]["is_agent"] is True
    assert admin_api.get("/api/v1/desks").json()["items"][0]["is_agent"] is True


def test_guest_sees_no_desk(guest_api, it_desk, hr_desk):
    assert guest_api.get("/api/v1/desks").json()["items"] == []


def test_anonymous_is_401(anonymous, it_desk):
    assert anonymous.get("/api/v1/desks").status_code == 401
    assert anonymous.get(f"/api/v1/desks/{it_desk.group.slug}").status_code == 401


def test_members_only_private_desk_is_invisible_to_outsiders(staff_api, hr_desk, desk_admin):
    setup.update_desk(actor=desk_admin, desk=hr_desk, intake="members")
    assert staff_api.get("/api/v1/desks").json()["items"] == []
    assert staff_api.get(f"/api/v1/desks/{hr_desk.group.slug}").status_code == 404
    response = staff_api.post_json(request_url(hr_desk), {"title": "Hello"})
    assert response.status_code == 404


# --- GET /desks/{slug} -----------------------------------------------------------------------

def test_get_desk_gives_forms_and_categories_but_not_agents_to_requesters(
        requester_api, it_desk, wifi_form, wifi_category):
    response = requester_api.get(f"/api/v1/desks/{it_desk.group.slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["agents"] is None
    assert body["can_file"] is True
    assert body["priorities"] == ["low", "normal", "high", "urgent"]
    assert body["categories"] == [{"id": wifi_category.id, "name": "Wi-Fi", "urgent": False}]
    [form] = body["forms"]
    assert form["id"] == wifi_form.id and form["category_id"] == wifi_category.id
    building = form["fields"][0]
    assert building["key"] == f"field_{building['id']}"
    assert building["kind"] == "single_choice" and building["required"] is True
    assert building["choices"] == ["A", "B", "C"]


def test_get_desk_lists_agents_for_agents_only(agent_api, admin_api, it_desk, agent):
    names = {a["display_name"]: a["on_call"] for a in
             agent_api.get(f"/api/v1/desks/{it_desk.group.slug}").json()["agents"]}
    assert names == {"Arthur Agent": True, "Bea Agent": False}
    assert admin_api.get(f"/api/v1/desks/{it_desk.group.slug}").json()["agents"] is not None


def test_get_desk_hides_inactive_forms(requester_api, it_desk, wifi_form, desk_admin):
    setup.save_form(actor=desk_admin, desk=it_desk, name="Old", fields=[], active=False)
    forms = requester_api.get(f"/api/v1/desks/{it_desk.group.slug}").json()["forms"]
    assert [f["name"] for f in forms] == ["Wi-Fi problem"]


def test_get_unknown_or_hidden_desk_is_404(requester_api, guest_api, it_desk):
    assert requester_api.get("/api/v1/desks/nope").status_code == 404
    assert guest_api.get(f"/api/v1/desks/{it_desk.group.slug}").status_code == 404


# --- POST /desks/{slug}/requests -------------------------------------------------------------

def test_file_request_through_a_form(requester_api, it_desk, wifi_form, wifi_category, user,
                                     agent):
    response = requester_api.post_json(request_url(it_desk), {
        "title": "Wi-Fi down", "form": wifi_form.id, "priority": "high",
        "answers": wifi_answers(wifi_form)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "IT-1"
    assert body["source"] == "api"
    assert body["priority"] == "high"
    assert body["category"]["id"] == wifi_category.id
    assert body["requester"]["id"] == user.id
    assert [(a["label"], a["text"]) for a in body["answers"]] == [
        ("Building", "B"), ("Since", "2026-12-01"), ("Details", "No signal")]
    ticket = Ticket.objects.get(id=body["id"])
    assert ticket.source == Ticket.Source.API and ticket.message is not None
    assert "Wi-Fi down" in ticket.message.body


def test_file_request_without_a_form(requester_api, it_desk):
    response = requester_api.post_json(request_url(it_desk), {"title": "New mouse"})
    assert response.status_code == 201
    assert response.json()["priority"] == "normal"
    assert response.json()["answers"] == []


def test_a_request_without_a_form_carries_its_description(requester_api, it_desk, wifi_form):
    response = requester_api.post_json(request_url(it_desk), {
        "title": "Printer jams", "description": "Room 12, error E-42, since Monday."})
    assert response.status_code == 201
    assert [(a["label"], a["text"]) for a in response.json()["answers"]] == [
        ("Description", "Room 12, error E-42, since Monday.")]
    refused = errors(requester_api.post_json(request_url(it_desk), {
        "title": "Wi-Fi", "form": wifi_form.id, "description": "No signal"}))
    assert "description" in refused
    too_long = errors(requester_api.post_json(request_url(it_desk), {
        "title": "Long", "description": "x" * 5001}))
    assert "description" in too_long
    assert Ticket.objects.count() == 1


def test_file_request_to_private_desk_open_to_staff(staff_api, hr_desk):
    response = staff_api.post_json(request_url(hr_desk), {"title": "Leave balance"})
    assert response.status_code == 201
    assert response.json()["reference"] == "HR-1"


def test_file_request_refused_when_required_field_missing(requester_api, it_desk, wifi_form):
    building = wifi_form.fields.first()
    detail = errors(requester_api.post_json(request_url(it_desk), {
        "title": "Wi-Fi", "form": wifi_form.id, "answers": {}}))
    assert list(detail) == [building.key]
    assert Ticket.objects.count() == 0


def test_file_request_refuses_a_choice_not_offered(requester_api, it_desk, wifi_form):
    building = wifi_form.fields.first()
    detail = errors(requester_api.post_json(request_url(it_desk), {
        "title": "Wi-Fi", "form": wifi_form.id, "answers": {building.key: "Z"}}))
    assert building.key in detail


def test_file_request_refuses_bad_date_and_unknown_answer(requester_api, it_desk, wifi_form):
    building, since, _details = wifi_form.fields.all()
    detail = errors(requester_api.post_json(request_url(it_desk), {
        "title": "Wi-Fi", "form": wifi_form.id,
        "answers": {building.key: "A", since.key: "yesterday", "field_999999": "x"}}))
    assert set(detail) == {since.key, "answers"}


def test_file_request_unknown_form(requester_api, it_desk, hr_desk, desk_admin):
    other = setup.save_form(actor=desk_admin, desk=hr_desk, name="HR form", fields=[])
    for form_id in (999999, other.id):
        detail = errors(requester_api.post_json(request_url(it_desk),
                                                {"title": "x", "form": form_id}))
        assert "form" in detail


def test_file_request_bad_priority(requester_api, it_desk):
    assert "priority" in errors(requester_api.post_json(request_url(it_desk),
                                                        {"title": "x", "priority": "asap"}))


def test_file_request_unknown_category(requester_api, it_desk, wifi_category):
    assert "category" in errors(requester_api.post_json(request_url(it_desk),
                                                        {"title": "x", "category": 999999}))


def test_file_request_over_long_or_empty_title(requester_api, it_desk):
    assert "title" in errors(requester_api.post_json(request_url(it_desk), {"title": "x" * 201}))
    assert "title" in errors(requester_api.post_json(request_url(it_desk), {"title": ""}))


def test_file_request_malformed_json(requester_api, it_desk):
    response = requester_api.post(request_url(it_desk), "{not json",
                                  content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_file_request_nul_in_title(requester_api, it_desk):
    assert requester_api.post_json(request_url(it_desk),
                                   {"title": "a\x00b"}).status_code == 422


def test_file_request_huge_form_id(requester_api, it_desk):
    assert requester_api.post_json(request_url(it_desk),
                                   {"title": "x", "form": 2**70}).status_code == 422


def test_file_request_refuses_answers_of_the_wrong_shape(requester_api, it_desk, wifi_form,
                                                         desk_admin):
    building, _since, details = wifi_form.fields.all()
    detail = errors(requester_api.post_json(request_url(it_desk), {
        "title": "x", "form": wifi_form.id,
        "answers": {building.key: ["A"], details.key: {"text": "hi"}}}))
    assert set(detail) == {building.key, details.key}
    assert len(detail[building.key]) == 1


def test_file_request_unknown_person(requester_api, it_desk, desk_admin):
    form = setup.save_form(actor=desk_admin, desk=it_desk, name="Who", fields=[
        {"label": "Who", "kind": "person", "required": True}])
    who = form.fields.get()
    for value in (999999, 2**70, "abc"):
        detail = errors(requester_api.post_json(request_url(it_desk), {
            "title": "x", "form": form.id, "answers": {who.key: value}}))
        assert who.key in detail, value


def test_guest_files_on_their_shared_desk_naming_only_people_they_see(api_client_for, guest,
                                                                      user, shared_group):
    """A guest may file on a members-only desk of their shared group, and a person field
    offers only the people they can see."""
    desk = setup.create_desk(actor=user, group=shared_group, prefix="MT", intake="members")
    form = setup.save_form(actor=user, desk=desk, name="Who", fields=[
        {"label": "Who", "kind": "person"}])
    who = form.fields.get()
    stranger = make_user("zoe@hopital.example", "Zoé Z", language="en")
    client = api_client_for(guest)
    detail = errors(client.post_json(request_url(desk), {
        "title": "x", "form": form.id, "answers": {who.key: stranger.id}}))
    assert who.key in detail
    response = client.post_json(request_url(desk), {
        "title": "x", "form": form.id, "answers": {who.key: user.id}})
    assert response.status_code == 201, response.content
    assert response.json()["answers"][0]["text"] == "Camille Martin"


def test_file_request_required_file_field_is_refused_by_name(requester_api, it_desk, file_form):
    field = file_form.fields.get()
    detail = errors(requester_api.post_json(request_url(it_desk),
                                            {"title": "x", "form": file_form.id}))
    assert "API" in detail[field.key][0]


def test_file_request_guest_and_anonymous(guest_api, anonymous, it_desk):
    assert guest_api.post_json(request_url(it_desk), {"title": "x"}).status_code == 404
    response = anonymous.post(request_url(it_desk), {"title": "x"},
                              content_type="application/json")
    assert response.status_code == 401


def test_file_request_on_members_only_desk_is_403_for_non_member_who_sees_it(
        staff_api, it_desk, desk_admin):
    setup.update_desk(actor=desk_admin, desk=it_desk, intake="members")
    assert staff_api.get(f"/api/v1/desks/{it_desk.group.slug}").status_code == 200
    assert staff_api.post_json(request_url(it_desk), {"title": "x"}).status_code == 403


def test_file_request_multiple_choice_yes_no_number_person(requester_api, it_desk, desk_admin,
                                                           other_user):
    form = setup.save_form(actor=desk_admin, desk=it_desk, name="All kinds", fields=[
        {"label": "Rooms", "kind": "multiple_choice", "choices": ["1", "2", "3"]},
        {"label": "Urgent?", "kind": "yes_no"},
        {"label": "Count", "kind": "number"},
        {"label": "Who", "kind": "person"}])
    rooms, yes_no, count, who = form.fields.all()
    response = requester_api.post_json(request_url(it_desk), {
        "title": "x", "form": form.id,
        "answers": {rooms.key: ["1", "3"], yes_no.key: True, count.key: 2.5,
                    who.key: other_user.id}})
    assert response.status_code == 201, response.content
    texts = [a["text"] for a in response.json()["answers"]]
    assert texts == ["1, 3", "Yes", "2.5", "Hugo Bernard"]


# --- GET /desks/{slug}/tickets ---------------------------------------------------------------

def tickets_url(desk, **query) -> str:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/desks/{desk.group.slug}/tickets" + (f"?{params}" if params else "")


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["items"]]


def test_queue_for_agents_pins_urgent_unassigned_and_filters(agent_api, agent, it_desk, user,
                                                             other_user, wifi_category):
    low = services.file_request(requester=user, desk=it_desk, title="Low", priority="low")
    urgent = services.file_request(requester=other_user, desk=it_desk, title="Fire",
                                   priority="urgent")
    high = services.file_request(requester=user, desk=it_desk, title="High", priority="high",
                                 category=wifi_category)
    assert refs(agent_api.get(tickets_url(it_desk))) == [urgent.reference, high.reference,
                                                          low.reference]
    services.update_ticket(actor=agent, ticket=low, assignee=agent)
    assert refs(agent_api.get(tickets_url(it_desk, assignee="me"))) == [low.reference]
    assert refs(agent_api.get(tickets_url(it_desk, assignee=agent.id))) == [low.reference]
    assert len(refs(agent_api.get(tickets_url(it_desk, assignee="none")))) == 2
    assert refs(agent_api.get(tickets_url(it_desk, priority="high"))) == [high.reference]
    assert refs(agent_api.get(tickets_url(it_desk, category=wifi_category.id))) == [
        high.reference]
    services.update_ticket(actor=agent, ticket=low, status="resolved")
    assert low.reference not in refs(agent_api.get(tickets_url(it_desk)))
    assert refs(agent_api.get(tickets_url(it_desk, status="resolved"))) == [low.reference]
    assert len(refs(agent_api.get(tickets_url(it_desk, status="all")))) == 3
    assert refs(agent_api.get(tickets_url(it_desk, sort="newest"))) == [high.reference,
                                                                         urgent.reference]


def test_queue_overdue_filter(agent_api, it_desk, desk_admin, user, time_machine):
    time_machine.move_to("2026-12-07 09:00:00+00:00", tick=False)
    setup.set_target(actor=desk_admin, desk=it_desk, priority="normal",
                     first_response_minutes=60, resolution_minutes=None)
    late = services.file_request(requester=user, desk=it_desk, title="Late")
    time_machine.move_to("2026-12-07 09:50:00+00:00", tick=False)
    services.file_request(requester=user, desk=it_desk, title="Recent")
    time_machine.move_to("2026-12-07 10:30:00+00:00", tick=False)
    assert refs(agent_api.get(tickets_url(it_desk, overdue=1))) == [late.reference]


def test_queue_keyset_pages_visit_every_ticket_once(agent_api, it_desk, user):
    priorities = ["low", "urgent", "normal", "high", "normal", "urgent", "low"]
    made = [services.file_request(requester=user, desk=it_desk, title=f"T{i}", priority=p)
            for i, p in enumerate(priorities)]
    seen, cursor = [], None
    for _page in range(10):
        url = tickets_url(it_desk, limit=2, **({"cursor": cursor} if cursor else {}))
        body = agent_api.get(url).json()
        seen += [item["reference"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(t.reference for t in made)
    assert len(seen) == len(made)
    # The urgent ones nobody took come first, oldest first.
    assert seen[:2] == [made[1].reference, made[5].reference]


def test_non_agent_sees_visible_tickets_newest_first_with_pages(staff_api, it_desk, user):
    made = [services.file_request(requester=user, desk=it_desk, title=f"T{i}")
            for i in range(3)]
    body = staff_api.get(tickets_url(it_desk, limit=2)).json()
    assert [i["reference"] for i in body["items"]] == [made[2].reference, made[1].reference]
    rest = staff_api.get(tickets_url(it_desk, limit=2, cursor=body["next_cursor"])).json()
    assert [i["reference"] for i in rest["items"]] == [made[0].reference]
    assert rest["next_cursor"] is None


def test_private_desk_list_shows_an_outsider_only_their_own(requester_api, staff_api, hr_desk,
                                                           hr_ticket, other_user, agent_api):
    services.file_request(requester=other_user, desk=hr_desk, title="Other's question")
    assert refs(requester_api.get(tickets_url(hr_desk))) == [hr_ticket.reference]
    assert refs(staff_api.get(tickets_url(hr_desk))) == ["HR-2"]
    assert len(refs(agent_api.get(tickets_url(hr_desk)))) == 2


def test_ticket_list_bad_filters(agent_api, it_desk, hr_desk, desk_admin):
    other_category = setup.save_category(actor=desk_admin, desk=hr_desk, name="Pay")
    for query in ({"status": "done"}, {"priority": "asap"}, {"assignee": "someone"},
                  {"category": other_category.id}, {"cursor": "garbage"},
                  {"cursor": "q1.2.x.4"}, {"sort": "random"}, {"category": "abc"}):
        response = agent_api.get(tickets_url(it_desk, **query))
        assert response.status_code == 422, (query, response.content)


def test_ticket_list_hidden_desk_404_and_anonymous_401(guest_api, anonymous, it_desk):
    assert guest_api.get(tickets_url(it_desk)).status_code == 404
    assert anonymous.get(tickets_url(it_desk)).status_code == 401


# --- GET /tickets/{id} -----------------------------------------------------------------------

def ticket_url(ticket, suffix="") -> str:
    return f"/api/v1/tickets/{ticket.id}{suffix}"


def test_get_ticket_for_everyone_who_sees_it(requester_api, agent_api, admin_api, staff_api,
                                             ticket):
    for client, agent in ((requester_api, False), (agent_api, True), (admin_api, True),
                          (staff_api, False)):
        response = client.get(ticket_url(ticket))
        assert response.status_code == 200
        body = response.json()
        assert body["reference"] == "IT-1" and body["is_agent"] is agent
        assert body["origin"] is None and body["origin_hidden"] is False
    assert requester_api.get(ticket_url(ticket)).json()["can_comment"] is True
    assert staff_api.get(ticket_url(ticket)).json()["can_comment"] is False


def test_get_ticket_hidden_missing_and_anonymous(guest_api, staff_api, anonymous, ticket,
                                                 hr_ticket, requester_api):
    assert guest_api.get(ticket_url(ticket)).status_code == 404
    assert staff_api.get(ticket_url(hr_ticket)).status_code == 404
    assert requester_api.get(ticket_url(hr_ticket)).status_code == 200
    assert requester_api.get("/api/v1/tickets/999999").status_code == 404
    assert requester_api.get(f"/api/v1/tickets/{2**70}").status_code == 404
    assert anonymous.get(ticket_url(ticket)).status_code == 401


def test_forwarded_ticket_hides_origin_from_who_cannot_read_it(
        desk_admin, agent, it_desk, user, api_client_for):
    """A message of a private group's channel forwarded to the IT desk: its requester (the
    author) reads the quote; an IT agent who is not in that group does not."""
    secret = group_services.create_group(creator=desk_admin, name="Pharmacie",
                                         visibility=Group.Visibility.PRIVATE)
    source, _new = chat_services.send_message(author=desk_admin,
                                              conversation=secret.channel, body="Fridge broke")
    forwarded = services.forwarded_ticket(actor=desk_admin, desk=it_desk, source=source)
    admin_view = api_client_for(desk_admin).get(ticket_url(forwarded)).json()
    assert admin_view["origin"]["body"] == "Fridge broke"
    agent_view = api_client_for(agent).get(ticket_url(forwarded)).json()
    assert agent_view["origin"] is None and agent_view["origin_hidden"] is True
    assert "Fridge" not in agent_view["title"]


# --- PATCH /tickets/{id} ---------------------------------------------------------------------

def test_agent_updates_ticket_and_changes_are_logged(agent_api, agent, ticket, wifi_category):
    response = agent_api.patch_json(ticket_url(ticket), {
        "status": "in_progress", "priority": "high", "assignee": agent.id, "category": None})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress" and body["priority"] == "high"
    assert body["assignee"]["id"] == agent.id and body["category"] is None
    assert set(TicketChange.objects.filter(ticket=ticket).values_list("field", flat=True)) == {
        "status", "priority", "assignee", "category"}


def test_patch_only_changes_what_is_given(admin_api, ticket, wifi_category):
    response = admin_api.patch_json(ticket_url(ticket), {"priority": "low"})
    assert response.status_code == 200
    assert response.json()["category"]["id"] == wifi_category.id


def test_patch_forbidden_to_who_sees_but_is_not_agent(requester_api, staff_api, guest_api,
                                                      anonymous, ticket):
    assert requester_api.patch_json(ticket_url(ticket), {"status": "closed"}).status_code == 403
    assert staff_api.patch_json(ticket_url(ticket), {"status": "closed"}).status_code == 403
    assert guest_api.patch_json(ticket_url(ticket), {"status": "closed"}).status_code == 404
    response = anonymous.patch(ticket_url(ticket), {"status": "closed"},
                               content_type="application/json")
    assert response.status_code == 401
    assert Ticket.objects.get(id=ticket.id).status == "new"


def test_patch_bad_input(agent_api, ticket, user, hr_desk, desk_admin):
    hr_category = setup.save_category(actor=desk_admin, desk=hr_desk, name="Pay")
    for payload, field in (({"status": "done"}, "status"), ({"priority": "asap"}, "priority"),
                           ({"category": hr_category.id}, "category"),
                           ({"category": 999999}, "category"),
                           ({"assignee": user.id}, "assignee"),
                           ({"assignee": 999999}, "assignee")):
        assert field in errors(agent_api.patch_json(ticket_url(ticket), payload)), payload


def test_removed_agent_cannot_patch(agent_api, agent, desk_admin, it_desk, ticket):
    setup.remove_agent(actor=desk_admin, desk=it_desk, user=agent)
    assert agent_api.patch_json(ticket_url(ticket), {"status": "closed"}).status_code == 403


# --- Comments --------------------------------------------------------------------------------

def test_comments_by_requester_and_agent(requester_api, agent_api, ticket, agent):
    response = agent_api.post_json(ticket_url(ticket, "/comments"),
                                   {"body": "On my way", "client_id": "c1"})
    assert response.status_code == 201, response.content
    assert response.json()["thread_root_id"] == ticket.message_id
    again = agent_api.post_json(ticket_url(ticket, "/comments"),
                                {"body": "On my way", "client_id": "c1"})
    assert again.json()["id"] == response.json()["id"]
    assert requester_api.post_json(ticket_url(ticket, "/comments"),
                                   {"body": "Thanks"}).status_code == 201
    items = requester_api.get(ticket_url(ticket, "/comments")).json()["items"]
    assert [i["body"] for i in items] == ["On my way", "Thanks"]
    assert Ticket.objects.get(id=ticket.id).first_response_at is not None


def test_comment_forbidden_to_other_staff_and_hidden_to_guest(staff_api, guest_api, anonymous,
                                                              ticket):
    assert staff_api.post_json(ticket_url(ticket, "/comments"),
                               {"body": "Hi"}).status_code == 403
    assert staff_api.get(ticket_url(ticket, "/comments")).status_code == 200
    assert guest_api.post_json(ticket_url(ticket, "/comments"),
                               {"body": "Hi"}).status_code == 404
    assert guest_api.get(ticket_url(ticket, "/comments")).status_code == 404
    assert anonymous.get(ticket_url(ticket, "/comments")).status_code == 401


def test_comment_bad_input(requester_api, ticket):
    assert requester_api.post_json(ticket_url(ticket, "/comments"), {"body": ""}).status_code \
        == 422
    assert requester_api.post_json(ticket_url(ticket, "/comments"), {}).status_code == 422


def test_outsider_requester_comments_on_private_desk_ticket(requester_api, staff_api,
                                                            hr_ticket):
    assert requester_api.post_json(ticket_url(hr_ticket, "/comments"),
                                   {"body": "More details"}).status_code == 201
    assert staff_api.get(ticket_url(hr_ticket, "/comments")).status_code == 404


# --- Me too and reopen -----------------------------------------------------------------------

def test_me_too_add_and_remove(staff_api, requester_api, guest_api, ticket):
    response = staff_api.post(ticket_url(ticket, "/me-too"))
    assert response.status_code == 200
    assert response.json() == {"me_too": True, "me_too_count": 1}
    assert staff_api.get(ticket_url(ticket)).json()["me_too"] is True
    assert staff_api.delete(ticket_url(ticket, "/me-too")).json() == {"me_too": False,
                                                                      "me_too_count": 0}
    assert requester_api.post(ticket_url(ticket, "/me-too")).status_code == 403
    assert guest_api.post(ticket_url(ticket, "/me-too")).status_code == 404


def test_reopen_by_requester_within_seven_days(requester_api, staff_api, agent, ticket,
                                               time_machine):
    time_machine.move_to("2026-12-07 09:00:00+00:00", tick=False)
    services.update_ticket(actor=agent, ticket=ticket, status="resolved")
    assert staff_api.post(ticket_url(ticket, "/reopen")).status_code == 403
    response = requester_api.post(ticket_url(ticket, "/reopen"))
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    services.update_ticket(actor=agent, ticket=Ticket.objects.get(id=ticket.id),
                           status="resolved")
    time_machine.move_to("2026-12-15 09:00:00+00:00", tick=False)
    assert requester_api.post(ticket_url(ticket, "/reopen")).status_code == 403


def test_new_staff_member_unknown_to_desk_gets_404_on_private_ticket(api_client_for, hr_ticket):
    stranger = make_user("x@hopital.example", "Xavier X", language="en")
    client = api_client_for(stranger)
    for method, suffix in (("get", ""), ("post", "/me-too"), ("post", "/reopen"),
                           ("get", "/comments")):
        assert getattr(client, method)(ticket_url(hr_ticket, suffix)).status_code == 404


def test_ticket_list_query_count_does_not_grow_with_tickets(agent_api, staff_api, it_desk,
                                                            user, agent):
    def count(client):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(tickets_url(it_desk)).status_code == 200
        return len(queries)

    for i in range(2):
        services.file_request(requester=user, desk=it_desk, title=f"T{i}")
    count(agent_api), count(staff_api)  # the tokens' first use is recorded once
    few = (count(agent_api), count(staff_api))
    for i in range(5):
        ticket = services.file_request(requester=user, desk=it_desk, title=f"U{i}")
        services.update_ticket(actor=agent, ticket=ticket, assignee=agent)
    assert (count(agent_api), count(staff_api)) == few


ENDPOINTS = [("get", "/api/v1/desks/{slug}/tickets"), ("post", "/api/v1/desks/{slug}/requests"),
             ("get", "/api/v1/tickets/{id}"), ("patch", "/api/v1/tickets/{id}"),
             ("get", "/api/v1/tickets/{id}/comments"), ("post", "/api/v1/tickets/{id}/comments"),
             ("post", "/api/v1/tickets/{id}/me-too"), ("delete", "/api/v1/tickets/{id}/me-too"),
             ("post", "/api/v1/tickets/{id}/reopen")]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_is_401_anonymous_and_404_for_who_cannot_see(method, path, anonymous,
                                                                    guest_api, staff_api,
                                                                    hr_ticket, hr_desk,
                                                                    desk_admin):
    setup.update_desk(actor=desk_admin, desk=hr_desk, intake="members")
    url = path.format(slug=hr_desk.group.slug, id=hr_ticket.id)
    body = {"title": "x", "body": "x"}
    response = getattr(anonymous, method)(url, body, content_type="application/json")
    assert response.status_code == 401
    for client in (guest_api, staff_api):
        response = getattr(client.client, method)(url, body, content_type="application/json")
        assert response.status_code == 404, (client, response.content)
