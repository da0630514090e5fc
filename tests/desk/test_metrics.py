"""Desk metrics (desk/metrics.py) computed exactly on tickets with known timings: filed, answered
and resolved at set moments with time-machine, on a desk open Monday to Friday 08:00-18:00 in
Paris, so that a request filed on Friday at 17:00 and answered on Monday at 09:00 took 120
service minutes."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import User
from desk import charts, services, setup
from desk.metrics import desk_metrics, median, p90, parse_period
from desk.models import Priority, Ticket
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
START, END = date(2026, 3, 2), date(2026, 3, 15)  # Monday 2 to Sunday 15 March 2026 (CET)
NOW = datetime(2026, 3, 16, 12, tzinfo=PARIS)


def at(day, hour, minute=0):
    return time_machine.travel(datetime(2026, *day, hour, minute, tzinfo=PARIS), tick=False)


def file(user, desk, title, category=None, priority=None):
    return services.file_request(requester=user, desk=desk, title=title, category=category,
                                 priority=priority)


def fresh(ticket):
    return Ticket.objects.select_related("desk__group", "message").get(pk=ticket.pk)


@pytest.fixture
def office_desk(it_desk, desk_admin):
    """The IT desk, open Monday to Friday 08:00-18:00 in Paris, aiming to answer normal
    requests within 1 service hour and resolve them within 4."""
    setup.update_desk(actor=desk_admin, desk=it_desk, time_zone="Europe/Paris")
    setup.set_service_hours(actor=desk_admin, desk=it_desk,
                            periods=[(day, time(8), time(18)) for day in range(5)])
    setup.set_target(actor=desk_admin, desk=it_desk, priority=Priority.NORMAL,
                     first_response_minutes=60, resolution_minutes=240)
    return it_desk


@pytest.fixture
def history(office_desk, desk_admin, agent, other_agent, user, other_user, wifi_category):
    """Six tickets with known timings (Paris time, service hours Mon-Fri 08-18):

    T0 Wi-Fi normal, filed Fri 27 Feb 10:00 (before the period), resolved Tue 3 Mar 10:00 by
       `agent`, its assignee.
    T1 Wi-Fi normal, filed Mon 2 Mar 09:00; `agent` takes it and answers at 09:30 (30 min),
       resolves at 11:00 (120 min). Hugo says "me too".
    T2 Wi-Fi high, filed Tue 3 Mar 17:30; `other_agent` answers Wed 08:30 (60 min), resolves
       Wed 10:00 (150 min). Hugo and Diane say "me too".
    T3 no category, normal, filed Fri 6 Mar 17:00; `agent` answers Mon 9 Mar 09:00 (120 min:
       the weekend does not count; due Fri 18:00) and resolves at 12:00 (300 min; due 11:00).
    T4 no category, urgent, filed Sat 7 Mar 10:00; an agent asks the requester a question
       Mon 9 Mar 08:15 (waiting: a first response of 15 min). Still open, no targets.
    T5 Wi-Fi normal, filed Wed 11 Mar 10:00, never answered: overdue. Hugo says "me too".
    """
    desk = office_desk
    with at((2, 27), 10):
        t0 = file(user, desk, "Printer", wifi_category)
    with at((3, 2), 9):
        t1 = file(user, desk, "Wi-Fi slow in B", wifi_category)
    with at((3, 2), 9, 10):
        services.me_too(user=other_user, ticket=fresh(t1))
    with at((3, 2), 9, 30):
        services.update_ticket(actor=agent, ticket=fresh(t1), assignee=agent)
        services.comment(actor=agent, ticket=fresh(t1), body="Looking into it.")
    with at((3, 2), 11):
        services.update_ticket(actor=agent, ticket=fresh(t1), status="resolved")
    with at((3, 3), 10):
        services.update_ticket(actor=agent, ticket=fresh(t0), status="resolved", assignee=agent)
    with at((3, 3), 17, 30):
        t2 = file(user, desk, "Wi-Fi down in C", wifi_category, priority=Priority.HIGH)
        services.me_too(user=other_user, ticket=fresh(t2))
        services.me_too(user=desk_admin, ticket=fresh(t2))
    with at((3, 4), 8, 30):
        services.update_ticket(actor=other_agent, ticket=fresh(t2), assignee=other_agent)
        services.comment(actor=other_agent, ticket=fresh(t2), body="On my way.")
    with at((3, 4), 10):
        services.update_ticket(actor=other_agent, ticket=fresh(t2), status="resolved")
    with at((3, 6), 17):
        t3 = file(user, desk, "Badge reader")
    with at((3, 7), 10):
        t4 = file(other_user, desk, "Server room alarm", priority=Priority.URGENT)
    with at((3, 9), 8, 15):
        services.update_ticket(actor=other_agent, ticket=fresh(t4), status="waiting")
    with at((3, 9), 9):
        services.update_ticket(actor=agent, ticket=fresh(t3), assignee=agent)
        services.comment(actor=agent, ticket=fresh(t3), body="Which door?")
    with at((3, 9), 12):
        services.update_ticket(actor=agent, ticket=fresh(t3), status="resolved")
    with at((3, 11), 10):
        t5 = file(user, desk, "Wi-Fi in the car park", wifi_category)
        services.me_too(user=other_user, ticket=fresh(t5))
    return {name: fresh(t) for name, t in
            (("t0", t0), ("t1", t1), ("t2", t2), ("t3", t3), ("t4", t4), ("t5", t5))}


@pytest.fixture
def figures(history, office_desk):
    with time_machine.travel(NOW, tick=False):
        return desk_metrics(office_desk, START, END)


# --- Helpers --------------------------------------------------------------------------------

def test_p90_is_the_nearest_rank():
    assert p90([]) is None
    assert p90([7]) == 7
    assert p90(range(1, 11)) == 9  # rank ceil(9.0) = 9
    assert p90(range(1, 12)) == 10  # rank ceil(9.9) = 10
    assert p90([120, 15, 60, 30]) == 120  # rank ceil(3.6) = 4
    assert p90([5, 1]) == 5


def test_median_of_an_even_count_is_the_mean_of_the_middle_values():
    assert median([]) is None
    assert median([15, 30, 60, 120]) == 45
    assert median([3, 1, 2]) == 2


# --- The history's figures ------------------------------------------------------------------

def test_timings_recorded_by_the_services(history):
    t3 = history["t3"]
    assert t3.first_response_at == datetime(2026, 3, 9, 9, tzinfo=PARIS)
    assert t3.resolved_at == datetime(2026, 3, 9, 12, tzinfo=PARIS)
    # 60 service minutes from Friday 17:00 end at closing time; 240 at Monday 11:00.
    assert t3.first_response_due == datetime(2026, 3, 6, 18, tzinfo=PARIS)
    assert t3.resolution_due == datetime(2026, 3, 9, 11, tzinfo=PARIS)
    assert history["t4"].first_response_at == datetime(2026, 3, 9, 8, 15, tzinfo=PARIS)
    assert history["t4"].status == Ticket.Status.WAITING


def test_opened_and_resolved(figures):
    assert figures.opened == 5  # T1-T5; T0 was filed before the period
    assert figures.resolved == 4  # T0, T1, T2, T3: resolved in the period


def test_friday_evening_to_monday_morning_is_120_service_minutes(figures, history):
    t3 = next(t for t in figures.tickets if t.ticket.id == history["t3"].id)
    assert t3.first_response_minutes == 120
    assert t3.resolution_minutes == 300


def test_first_response_median_and_p90(figures):
    # T4 15, T1 30, T2 60, T3 120 (T5 unanswered).
    assert figures.first_response.count == 4
    assert figures.first_response.median == 45
    assert figures.first_response.p90 == 120


def test_resolution_median_and_p90(figures):
    # T1 120, T2 150, T3 300.
    assert figures.resolution.count == 3
    assert figures.resolution.median == 150
    assert figures.resolution.p90 == 300


def test_backlog_at_the_end_of_each_day(figures):
    assert [count for _day, count in figures.backlog] == [1, 1, 0, 0, 1, 2, 2, 1, 1, 2, 2, 2,
                                                           2, 2]
    assert figures.backlog[0][0] == START and figures.backlog[-1][0] == END


def test_opened_and_resolved_per_day(figures):
    opened = {d.day.day: d.opened for d in figures.days if d.opened}
    resolved = {d.day.day: d.resolved for d in figures.days if d.resolved}
    assert opened == {2: 1, 3: 1, 6: 1, 7: 1, 11: 1}
    assert resolved == {2: 1, 3: 1, 4: 1, 9: 1}


def test_overdue_and_missed_targets(figures, history):
    assert figures.overdue_now == 1  # T5: unanswered past its target
    assert figures.missed_first_response == 2  # T3 answered after Friday 18:00, T5 never
    assert figures.missed_resolution == 2  # T3 resolved late, T5 unresolved past due
    assert figures.missed_any == 2
    overdue = {t.ticket.id for t in figures.tickets if t.overdue}
    assert overdue == {history["t5"].id}


def test_me_too_counts(figures):
    assert figures.me_too_total == 4
    assert figures.me_too_tickets == 3


def _rows(rows):
    return {row.label: (row.opened, row.resolved, row.first_response.median,
                        row.resolution.median) for row in rows}


def test_by_category(figures):
    assert _rows(figures.by_category) == {
        "Wi-Fi": (3, 3, 45, 135),  # T1, T2, T5 opened; T0, T1, T2 resolved
        "No category": (2, 1, 67.5, 300),
    }
    assert [row.label for row in figures.by_category] == ["Wi-Fi", "No category"]


def test_by_priority_most_urgent_first(figures):
    assert [row.key for row in figures.by_priority] == ["urgent", "high", "normal"]
    assert _rows(figures.by_priority) == {
        "Urgent": (1, 0, 15, None),
        "High": (1, 1, 60, 150),
        "Normal": (3, 3, 75, 210),
    }
    normal = figures.by_priority[2]
    assert (normal.first_response.p90, normal.resolution.p90) == (120, 300)


def test_by_agent(figures, agent, other_agent):
    assert _rows(figures.by_agent) == {
        "Arthur Agent": (2, 3, 75, 210),  # T1 and T3; resolved T0, T1, T3
        "Bea Agent": (1, 1, 60, 150),
        "Unassigned": (2, 0, 15, None),
    }
    assert [row.key for row in figures.by_agent] == [str(agent.id), str(other_agent.id), ""]


def test_requests_per_100_staff_and_staff_per_agent(figures, guest, inactive_user):
    # Staff: Camille, Hugo, Diane, Arthur, Bea; the guest and the inactive account do not count.
    assert figures.staff == 5
    assert figures.agents == 2
    assert figures.requests_per_100_staff == 100
    assert figures.staff_per_agent == 2.5


def test_staff_count_follows_accounts(history, office_desk):
    for n in range(5):
        make_user(f"nurse{n}@hopital.example", f"Nurse {n}")
    make_user("partner@vendor.example", "Partner", kind=User.Kind.GUEST)
    with time_machine.travel(NOW, tick=False):
        figures = desk_metrics(office_desk, START, END)
    assert figures.staff == 10
    assert figures.requests_per_100_staff == 50
    assert figures.staff_per_agent == 5


def test_a_narrower_period(history, office_desk):
    with time_machine.travel(NOW, tick=False):
        figures = desk_metrics(office_desk, date(2026, 3, 6), date(2026, 3, 9))
    assert figures.opened == 2  # T3, T4
    assert figures.resolved == 1  # T3
    assert [count for _day, count in figures.backlog] == [1, 2, 2, 1]
    assert figures.first_response.median == (15 + 120) / 2


def test_reopened_ticket_counts_as_open_and_not_resolved(history, office_desk, user):
    with at((3, 10), 9):
        services.reopen(actor=user, ticket=fresh(history["t3"]))
    with time_machine.travel(NOW, tick=False):
        figures = desk_metrics(office_desk, START, END)
    assert figures.resolved == 3
    assert figures.resolution.count == 2
    assert [count for _day, count in figures.backlog] == [1, 1, 0, 0, 1, 2, 2, 2, 2, 3, 3, 3,
                                                           3, 3]


def test_closed_ticket_leaves_the_backlog_when_closed(office_desk, agent, user):
    with at((3, 2), 9):
        ticket = file(user, office_desk, "Mouse")
    with at((3, 4), 9):
        services.update_ticket(actor=agent, ticket=fresh(ticket), status="closed")
    with time_machine.travel(NOW, tick=False):
        figures = desk_metrics(office_desk, date(2026, 3, 2), date(2026, 3, 5))
    assert [count for _day, count in figures.backlog] == [1, 1, 0, 0]
    assert figures.resolved == 1
    assert figures.resolution.median == 10 * 60 * 2  # two days of service hours


def test_days_are_the_desks_local_days(office_desk, user):
    # 23:30 in Paris on Monday 2 March is 22:30 UTC: a Monday ticket.
    with time_machine.travel(datetime(2026, 3, 2, 23, 30, tzinfo=PARIS), tick=False):
        file(user, office_desk, "Late")
    with time_machine.travel(NOW, tick=False):
        figures = desk_metrics(office_desk, date(2026, 3, 2), date(2026, 3, 3))
        tuesday = desk_metrics(office_desk, date(2026, 3, 3), date(2026, 3, 3))
    assert [d.opened for d in figures.days] == [1, 0]
    assert tuesday.opened == 0


def test_a_desk_open_around_the_clock_counts_elapsed_minutes(it_desk, agent, user):
    with at((3, 6), 17):
        ticket = file(user, it_desk, "Screen")
    with at((3, 9), 9):
        services.comment(actor=agent, ticket=fresh(ticket), body="Hello")
    with time_machine.travel(NOW, tick=False):
        figures = desk_metrics(it_desk, date(2026, 3, 6), date(2026, 3, 6))
    assert figures.first_response.median == (2 * 24 + 16) * 60


def test_an_empty_period(office_desk):
    figures = desk_metrics(office_desk, START, END)
    assert figures.opened == figures.resolved == 0
    assert figures.first_response.median is None and figures.first_response.p90 is None
    assert figures.by_category == figures.by_priority == figures.by_agent == []
    assert [count for _day, count in figures.backlog] == [0] * 14


def test_other_desks_tickets_do_not_count(figures, hr_desk, user):
    with at((3, 4), 10):
        file(user, hr_desk, "Payslip")
    assert figures.opened == 5


def test_query_count_does_not_grow_with_tickets(history, office_desk,
                                                django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(8):
        desk_metrics(office_desk, START, END)


# --- Periods ----------------------------------------------------------------------------------

def test_parse_period_defaults_to_the_last_30_days(office_desk):
    assert parse_period(office_desk, None, None, now=NOW) == (date(2026, 2, 15),
                                                              date(2026, 3, 16))
    assert parse_period(office_desk, "2026-03-02", "2026-03-15") == (START, END)


@pytest.mark.parametrize("start, end", [("2026-13-01", ""), ("yesterday", ""),
                                        ("2026-3-1", ""), ("", "2026-02-30"),
                                        ("2026-03-15", "2026-03-02"),
                                        ("2024-01-01", "2026-01-02")])
def test_parse_period_refuses_bad_dates(office_desk, start, end):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        parse_period(office_desk, start, end, now=NOW)


def test_two_years_is_the_longest_period(office_desk):
    assert parse_period(office_desk, "2024-01-01", "2025-12-31") == (date(2024, 1, 1),
                                                                    date(2025, 12, 31))


# --- Charts -----------------------------------------------------------------------------------

def test_charts_are_accessible_images(figures):
    for svg in (charts.flow_chart(figures), charts.backlog_chart(figures)):
        assert svg.startswith('<svg class="desk-chart" role="img"')
        assert "<title id=" in svg and "<desc id=" in svg
        assert "<script" not in svg and "style=" not in svg
    flow = charts.flow_chart(figures)
    assert flow.count("<rect") == 14 * 2 + 2  # two bars a day, two legend keys
    assert "5 tickets opened and 4 resolved" in flow


def test_long_periods_are_charted_per_week(history, office_desk):
    with time_machine.travel(NOW, tick=False):
        figures = desk_metrics(office_desk, date(2026, 1, 5), date(2026, 3, 15))
    assert charts.is_weekly(figures)
    weeks = charts.buckets(figures)
    assert len(weeks) == 10
    assert sum(w.opened for w in weeks) == 6 and sum(w.resolved for w in weeks) == 4
    march = [w for w in weeks if w.first >= date(2026, 3, 2)]
    assert [(w.opened, w.resolved, w.backlog) for w in march] == [(4, 3, 2), (1, 1, 2)]


def test_daily_buckets_match_the_days(figures):
    assert not charts.is_weekly(figures)
    assert [(b.first, b.opened, b.resolved, b.backlog) for b in charts.buckets(figures)] == \
        [(d.day, d.opened, d.resolved, d.backlog) for d in figures.days]
