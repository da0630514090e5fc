"""GET /api/v1/desks/{slug}/metrics (desk/api_metrics.py): the metrics page's figures as JSON,
with every permission case."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from desk import services, setup
from desk.models import Priority, Ticket

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
URL = "/api/v1/desks/{}/metrics"
PERIOD = {"from": "2026-03-02", "to": "2026-03-15"}


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=PARIS), tick=False)


@pytest.fixture
def office_desk(it_desk, desk_admin):
    setup.update_desk(actor=desk_admin, desk=it_desk, time_zone="Europe/Paris")
    setup.set_service_hours(actor=desk_admin, desk=it_desk,
                            periods=[(day, time(8), time(18)) for day in range(5)])
    setup.set_target(actor=desk_admin, desk=it_desk, priority=Priority.NORMAL,
                     first_response_minutes=60, resolution_minutes=600)
    return it_desk


@pytest.fixture
def history(office_desk, user, other_user, agent, wifi_category):
    """Two requests: one filed Friday 6 March 17:00, answered by `agent` Monday 09:00 (120
    service minutes) and resolved Monday 10:30 (210); one filed Monday 9 March 10:00 with a
    "me too", never answered."""
    with at(2026, 3, 6, 17):
        first = services.file_request(requester=user, desk=office_desk, title="Wi-Fi down",
                                      category=wifi_category)
    with at(2026, 3, 9, 9):
        services.update_ticket(actor=agent, ticket=Ticket.objects.get(pk=first.pk),
                               assignee=agent)
        services.comment(actor=agent, ticket=Ticket.objects.get(pk=first.pk), body="Hello")
    with at(2026, 3, 9, 10):
        second = services.file_request(requester=user, desk=office_desk, title="Printer")
        services.me_too(user=other_user, ticket=second)
    with at(2026, 3, 9, 10, 30):
        services.update_ticket(actor=agent, ticket=Ticket.objects.get(pk=first.pk),
                               status="resolved")
    return first, second


def get(client, slug="support-informatique", **query):
    with at(2026, 3, 16, 12):
        return client.get(URL.format(slug), query or PERIOD)


def test_agent_gets_the_figures(history, agent, api_client_for):
    response = get(api_client_for(agent))
    assert response.status_code == 200
    data = response.json()
    assert (data["desk"], data["time_zone"]) == ("IT", "Europe/Paris")
    assert (data["start"], data["end"]) == ("2026-03-02", "2026-03-15")
    assert (data["opened"], data["resolved"]) == (2, 1)
    assert data["first_response"] == {"count": 1, "median_minutes": 120.0, "p90_minutes": 120.0}
    assert data["resolution"] == {"count": 1, "median_minutes": 210.0, "p90_minutes": 210.0}
    assert data["overdue"] == {"now": 1, "missed_first_response": 2, "missed_resolution": 1,
                               "missed_any": 2}
    assert data["me_too"] == {"total": 1, "tickets": 1}
    assert (data["staff"], data["agents"]) == (5, 2)
    assert data["requests_per_100_staff"] == 40.0
    assert data["staff_per_agent"] == 2.5
    assert len(data["days"]) == 14
    assert data["days"][4] == {"date": "2026-03-06", "opened": 1, "resolved": 0, "backlog": 1}
    assert data["days"][7] == {"date": "2026-03-09", "opened": 1, "resolved": 1, "backlog": 1}
    categories = {row["label"]: row for row in data["by_category"]}
    assert categories["Wi-Fi"]["first_response"]["median_minutes"] == 120.0
    assert categories["No category"]["first_response"] == {
        "count": 0, "median_minutes": None, "p90_minutes": None}
    agents = {row["label"]: (row["opened"], row["resolved"]) for row in data["by_agent"]}
    assert agents == {"Arthur Agent": (1, 1), "Unassigned": (1, 0)}
    assert [row["key"] for row in data["by_priority"]] == ["normal"]


def test_no_data_gives_nulls(office_desk, agent, api_client_for):
    data = get(api_client_for(agent)).json()
    assert data["opened"] == 0
    assert data["first_response"] == {"count": 0, "median_minutes": None, "p90_minutes": None}
    assert data["by_category"] == []


def test_default_period_is_the_last_30_days(office_desk, agent, api_client_for):
    with at(2026, 3, 16, 12):
        data = api_client_for(agent).get(URL.format("support-informatique")).json()
    assert (data["start"], data["end"]) == ("2026-02-15", "2026-03-16")


def test_desk_admin_gets_the_figures(history, desk_admin, api_client_for):
    assert get(api_client_for(desk_admin)).status_code == 200


def test_other_staff_get_403(history, other_user, user, api_client_for):
    for person in (other_user, user):
        response = get(api_client_for(person))
        assert response.status_code == 403
        assert "agents" in response.json()["detail"]


def test_outsider_of_a_private_desk_gets_404(hr_desk, user, agent, api_client_for):
    slug = hr_desk.group.slug
    assert get(api_client_for(user), slug).status_code == 404
    assert get(api_client_for(agent), slug).status_code == 200


def test_guest_gets_404(it_desk, guest, api_client_for):
    assert get(api_client_for(guest)).status_code == 404


def test_unknown_desk_is_404(it_desk, agent, api_client_for):
    assert get(api_client_for(agent), "nowhere").status_code == 404


def test_anonymous_gets_401(it_desk):
    assert get(Client()).status_code == 401


@pytest.mark.parametrize("query", [
    {"from": "nonsense"}, {"to": "2026-02-30"},
    {"from": "2026-03-15", "to": "2026-03-02"},
    {"from": "2020-01-01", "to": "2026-03-02"},
])
def test_bad_dates_are_422(it_desk, agent, api_client_for, query):
    response = get(api_client_for(agent), **query)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_the_operation_is_documented(it_desk, agent, api_client_for):
    schema = api_client_for(agent).get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/desks/{slug}/metrics"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"slug", "from", "to"}
