"""The metrics page and its CSV export (desk/views_metrics.py): who may see them, the figures
shown, bad periods, CSV content and formula escaping."""

import csv
import io
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from desk import services, setup
from desk.models import Ticket
from desk.views_metrics import csv_cell, duration_text
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PERIOD = {"from": "2026-03-02", "to": "2026-03-15"}


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=PARIS), tick=False)


@pytest.fixture
def office_desk(it_desk, desk_admin):
    setup.update_desk(actor=desk_admin, desk=it_desk, time_zone="Europe/Paris")
    setup.set_service_hours(actor=desk_admin, desk=it_desk,
                            periods=[(day, time(8), time(18)) for day in range(5)])
    return it_desk


@pytest.fixture
def answered(office_desk, user, agent, wifi_category):
    """Filed Friday 6 March 17:00, answered by `agent` Monday 09:00 (120 service minutes)."""
    with at(2026, 3, 6, 17):
        ticket = services.file_request(requester=user, desk=office_desk, title="Wi-Fi down",
                                       category=wifi_category)
    with at(2026, 3, 9, 9):
        ticket = Ticket.objects.get(pk=ticket.pk)
        services.update_ticket(actor=agent, ticket=ticket, assignee=agent)
        services.comment(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), body="Hello")
    return Ticket.objects.get(pk=ticket.pk)


def page(slug="support-informatique"):
    return reverse("desk:metrics", args=[slug])


def csv_url(slug="support-informatique"):
    return reverse("desk:metrics_csv", args=[slug])


def test_desk_slug(it_desk):
    assert it_desk.group.slug == "support-informatique"


# --- Who may see them ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", [page, csv_url])
def test_agent_and_desk_admin_see_the_metrics(answered, agent, desk_admin, url):
    for person in (agent, desk_admin):
        response = client_for(person).get(url(), PERIOD)
        assert response.status_code == 200


@pytest.mark.parametrize("url", [page, csv_url])
def test_other_staff_who_see_the_desk_get_403(answered, other_user, user, url):
    # Hugo sees the public desk, Camille filed the ticket: neither answers there.
    for person in (other_user, user):
        assert client_for(person).get(url(), PERIOD).status_code == 403


@pytest.mark.parametrize("url", [page, csv_url])
def test_outsider_of_a_private_desk_gets_404(hr_desk, user, agent, url):
    slug = hr_desk.group.slug
    assert client_for(user).get(url(slug)).status_code == 404
    assert client_for(agent).get(url(slug)).status_code == 200


@pytest.mark.parametrize("url", [page, csv_url])
def test_guest_gets_404(it_desk, guest, url):
    assert client_for(guest).get(url()).status_code == 404


@pytest.mark.parametrize("url", [page, csv_url])
def test_unknown_desk_is_404(it_desk, agent, url):
    assert client_for(agent).get(url("nowhere")).status_code == 404


@pytest.mark.parametrize("url", [page, csv_url])
def test_anonymous_is_sent_to_sign_in(it_desk, anonymous_client, url):
    response = anonymous_client.get(url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- The page ----------------------------------------------------------------------------------

def test_page_shows_the_figures_charts_and_tables(answered, agent):
    with at(2026, 3, 16, 12):
        response = client_for(agent).get(page(), PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') >= 2 and "<desc id=" in html
    assert "2 h 00 min" in html  # the median first response: 120 service minutes
    assert "Wi-Fi" in html and "Arthur Agent" in html and "Normal" in html
    assert 'name="from" value="2026-03-02"' in html
    assert reverse("desk:metrics_csv", args=["support-informatique"]) \
        + "?from=2026-03-02&amp;to=2026-03-15" in html
    assert '<details class="desk-chart-data">' in html and "desk-table-wrap" in html


def test_page_defaults_to_the_last_30_days(ticket, agent):
    response = client_for(agent).get(page())
    assert response.status_code == 200
    assert response.context["m"].opened == 1
    assert (response.context["m"].end - response.context["m"].start).days == 29


def test_page_escapes_names(it_desk, desk_admin, agent, user):
    category = setup.save_category(actor=desk_admin, desk=it_desk, name="<b>Réseau</b>")
    services.file_request(requester=user, desk=it_desk, title="x", category=category)
    html = client_for(agent).get(page()).content.decode()
    assert "&lt;b&gt;Réseau&lt;/b&gt;" in html
    assert "<b>Réseau</b>" not in html


@pytest.mark.parametrize("query, message", [
    ({"from": "not-a-date"}, "Enter a date as YYYY-MM-DD."),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "Enter a date as YYYY-MM-DD."),
    ({"from": "2026-03-15", "to": "2026-03-02"}, "The start of the period comes after its end."),
    ({"from": "2023-01-01", "to": "2026-03-02"}, "Choose a period of two years at most."),
])
def test_bad_periods_show_an_error(it_desk, agent, query, message):
    response = client_for(agent).get(page(), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'aria-invalid="true"' in html
    assert "desk-chart" not in html.split('<form class="card desk-metrics-period"')[1]
    assert client_for(agent).get(csv_url(), query).status_code == 400


def test_page_query_count_is_bounded(answered, agent, django_assert_max_num_queries):
    client = client_for(agent)
    client.get(page(), PERIOD)
    with django_assert_max_num_queries(30):
        assert client.get(page(), PERIOD).status_code == 200


# --- CSV -----------------------------------------------------------------------------------------

def _csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_has_one_row_per_ticket_of_the_period(answered, agent, user):
    with at(2026, 3, 16, 12):
        services.file_request(requester=user, desk=answered.desk, title="Later, not in period")
        response = client_for(agent).get(csv_url(), PERIOD)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == \
        'attachment; filename="it-metrics-2026-03-02-2026-03-15.csv"'
    rows = _csv(response)
    assert rows[0] == ["Reference", "Title", "Status", "Priority", "Category", "Requester",
                       "Assignee", "Created", "First response", "Resolved",
                       "First response (service minutes)", "Resolution (service minutes)",
                       "Me too", "Overdue"]
    assert rows[1:] == [[answered.reference, "Wi-Fi down", "New", "Normal", "Wi-Fi",
                         "Camille Martin", "Arthur Agent", "2026-03-06 17:00",
                         "2026-03-09 09:00", "", "120", "", "0", "no"]]


def test_csv_escapes_formulas(office_desk, agent, user):
    titles = ["=HYPERLINK(\"http://evil.example\")", "+33 1 23", "-2+3", "@SUM(A1)",
              "Plain = fine"]
    with at(2026, 3, 3, 10):
        for title in titles:
            services.file_request(requester=user, desk=office_desk, title=title)
        response = client_for(agent).get(csv_url(), PERIOD)
    cells = sorted(row[1] for row in _csv(response)[1:])
    assert cells == sorted(["'=HYPERLINK(\"http://evil.example\")", "'+33 1 23", "'-2+3",
                            "'@SUM(A1)", "Plain = fine"])


def test_csv_cell_and_duration_text():
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("\t=1") == "'\t=1"
    assert csv_cell(None) == "" and csv_cell(12) == "12" and csv_cell("a=b") == "a=b"
    assert duration_text(None) == "—"
    assert duration_text(44.6) == "45 min"
    assert duration_text(125) == "2 h 05 min"
    assert duration_text(60 * 26 + 10) == "26 h 10 min"
