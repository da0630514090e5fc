"""A desk's figures over a period (docs/desks.md, "Metrics"): read-only, a handful of queries
whatever the number of tickets.

Definitions:
- The period is whole days ``start``..``end`` (both included) in the desk's time zone.
- Opened: tickets created in the period. Resolved: tickets whose ``resolved_at`` falls in the
  period, whenever they were created (a ticket reopened since has no ``resolved_at``, so it is
  not counted; a closed ticket counts as resolved when it was closed).
- Times to first response and to resolution are counted in service minutes (the desk's service
  hours, desk/service_hours.py), for the tickets created in the period that have one.
- Median: ``statistics.median`` (the mean of the two middle values for an even count).
  p90: the nearest-rank 90th percentile, the value at rank ceil(0.9 * n) of the sorted values
  (so at least 90 % of the values are at or below it, and it is always an observed value).
- Backlog: the tickets open at the end of each day (created by then, and neither resolved nor
  closed by then). A reopened ticket counts as open since it was created.
- Missed targets (tickets created in the period): answered after ``first_response_due``, or
  still unanswered past it; resolved after ``resolution_due``, or still unresolved past it.
  Overdue now: the desk's open tickets past a target today (desk.selectors.overdue_q), whenever
  they were created.
- Requests per 100 staff: tickets opened in the period per 100 active staff members (accounts
  of kind "member"); staff per agent: active staff members per agent of the desk.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.models import User
from desk import permissions, selectors
from desk.models import OPEN_STATUSES, PRIORITY_RANK, Desk, Priority, Ticket
from groups.selectors import visible_groups

# The longest period shown (two years, one of them leap).
MAX_DAYS = 731
DEFAULT_DAYS = 30


def p90(values: Iterable[float]) -> float | None:
    """Nearest-rank 90th percentile: the ceil(0.9 * n)-th smallest value; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class Durations:
    """Service minutes of one measure over some tickets."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> Durations:
        return cls(len(values), median(values), p90(values))


@dataclass
class Row:
    """One line of a breakdown (a category, a priority or an assignee)."""

    key: str
    label: str
    opened: int = 0
    resolved: int = 0
    first_response: Durations = Durations(0, None, None)
    resolution: Durations = Durations(0, None, None)
    _response_minutes: list[float] = field(default_factory=list, repr=False)
    _resolution_minutes: list[float] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class TicketFigures:
    ticket: Ticket
    first_response_minutes: float | None
    resolution_minutes: float | None
    overdue: bool


@dataclass(frozen=True)
class Day:
    day: date
    opened: int
    resolved: int
    backlog: int


@dataclass
class DeskMetrics:
    desk: Desk
    start: date
    end: date
    opened: int
    resolved: int
    days: list[Day]
    first_response: Durations
    resolution: Durations
    overdue_now: int
    missed_first_response: int
    missed_resolution: int
    missed_any: int
    me_too_total: int
    me_too_tickets: int
    staff: int
    agents: int
    by_category: list[Row]
    by_priority: list[Row]
    by_agent: list[Row]
    tickets: list[TicketFigures]

    @property
    def backlog(self) -> list[tuple[date, int]]:
        return [(d.day, d.backlog) for d in self.days]

    @property
    def requests_per_100_staff(self) -> float | None:
        return self.opened * 100 / self.staff if self.staff else None

    @property
    def staff_per_agent(self) -> float | None:
        return self.staff / self.agents if self.agents else None


def access_metrics(user, slug: str) -> Desk:
    """The desk whose metrics ``user`` may read: its agents and admins. Someone who cannot see
    the desk, or cannot see its group (a private desk open to staff for requests only), gets a
    404 as for a missing desk; someone who sees its group without answering there, a 403."""
    desk = permissions.access_desk(user, slug)
    if permissions.is_agent(user, desk):
        return desk
    if not visible_groups(user).filter(pk=desk.group_id).exists():
        raise Http404("No such desk.")
    raise PermissionDenied(_("Only the desk's agents and admins can see its metrics."))


# --- The period --------------------------------------------------------------------------------

def default_period(desk: Desk, now: datetime | None = None) -> tuple[date, date]:
    """The last 30 days, today included, in the desk's time zone."""
    today = (now or timezone.now()).astimezone(selectors.hours_of(desk).zone).date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def parse_period(desk: Desk, start: str | None, end: str | None,
                 now: datetime | None = None) -> tuple[date, date]:
    """The period asked for by ``from`` and ``to`` (YYYY-MM-DD), each defaulting to the last
    30 days. Raises ValidationError (keyed "from", "to" or "__all__") for a bad one."""
    default_start, default_end = default_period(desk, now)
    errors: dict[str, list[str]] = {}
    parsed = {}
    for key, text, default in (("from", start, default_start), ("to", end, default_end)):
        text = (text or "").strip()
        if not text:
            parsed[key] = default
            continue
        try:
            value = parse_date(text) if len(text) == 10 else None
        except ValueError:
            value = None
        if value is None:
            errors[key] = [_("Enter a date as YYYY-MM-DD.")]
        parsed[key] = value
    if errors:
        raise ValidationError(errors)
    first, last = parsed["from"], parsed["to"]
    if first > last:
        raise ValidationError({"__all__": [_("The start of the period comes after its end.")]})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError({"__all__": [_("Choose a period of two years at most.")]})
    return first, last


# --- The figures --------------------------------------------------------------------------------

def _missed(due, done, now) -> bool:
    if due is None:
        return False
    return done > due if done is not None else due < now


def _is_overdue(ticket: Ticket, now) -> bool:
    """Python's reading of selectors.overdue_q for one ticket."""
    if ticket.status not in OPEN_STATUSES:
        return False
    return bool((ticket.first_response_at is None and ticket.first_response_due
                 and ticket.first_response_due < now)
                or (ticket.resolution_due and ticket.resolution_due < now))


def _finish(row: Row) -> Row:
    row.first_response = Durations.of(row._response_minutes)
    row.resolution = Durations.of(row._resolution_minutes)
    return row


def desk_metrics(desk: Desk, start: date, end: date, now: datetime | None = None) -> DeskMetrics:
    """The figures of ``desk`` from ``start`` to ``end`` (whole days in its time zone)."""
    now = now or timezone.now()
    hours = selectors.hours_of(desk)
    zone = hours.zone
    begins = datetime.combine(start, time.min, zone)
    ends = datetime.combine(end + timedelta(days=1), time.min, zone)
    day_list = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    index = {day: n for n, day in enumerate(day_list)}
    opened_by_day = [0] * len(day_list)
    resolved_by_day = [0] * len(day_list)

    def local_day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    tickets = list(Ticket.objects.filter(desk=desk, created__gte=begins, created__lt=ends)
                   .select_related("desk", "category", "requester", "assignee")
                   .order_by("created", "id"))
    resolved_rows = list(Ticket.objects.filter(desk=desk, resolved_at__gte=begins,
                                               resolved_at__lt=ends)
                         .values_list("resolved_at", "category_id", "category__name",
                                      "priority", "assignee_id", "assignee__display_name"))

    categories: dict[str, Row] = {}
    priorities: dict[str, Row] = {}
    agents: dict[str, Row] = {}

    def rows_for(category_id, category_name, priority, assignee_id, assignee_name):
        no_category, unassigned = _("No category"), _("Unassigned")
        yield categories.setdefault(str(category_id or ""), Row(
            str(category_id or ""), category_name if category_id else no_category))
        yield priorities.setdefault(priority, Row(priority, str(Priority(priority).label)))
        yield agents.setdefault(str(assignee_id or ""), Row(
            str(assignee_id or ""), assignee_name if assignee_id else unassigned))

    figures, response_minutes, resolution_minutes = [], [], []
    missed_response = missed_resolution = me_too_total = me_too_tickets = 0
    missed_any = 0
    for ticket in tickets:
        opened_by_day[index[local_day(ticket.created)]] += 1
        response = (hours.minutes_between(ticket.created, ticket.first_response_at)
                    if ticket.first_response_at else None)
        resolution = (hours.minutes_between(ticket.created, ticket.resolved_at)
                      if ticket.resolved_at else None)
        rows = list(rows_for(ticket.category_id, ticket.category and ticket.category.name,
                             ticket.priority, ticket.assignee_id,
                             ticket.assignee and ticket.assignee.display_name))
        for row in rows:
            row.opened += 1
            if response is not None:
                row._response_minutes.append(response)
            if resolution is not None:
                row._resolution_minutes.append(resolution)
        if response is not None:
            response_minutes.append(response)
        if resolution is not None:
            resolution_minutes.append(resolution)
        late_response = _missed(ticket.first_response_due, ticket.first_response_at, now)
        late_resolution = _missed(ticket.resolution_due, ticket.resolved_at, now)
        missed_response += late_response
        missed_resolution += late_resolution
        missed_any += late_response or late_resolution
        me_too_total += ticket.me_too_count
        me_too_tickets += ticket.me_too_count > 0
        figures.append(TicketFigures(ticket, response, resolution, _is_overdue(ticket, now)))

    for resolved_at, category_id, category_name, priority, assignee_id, assignee_name \
            in resolved_rows:
        resolved_by_day[index[local_day(resolved_at)]] += 1
        for row in rows_for(category_id, category_name, priority, assignee_id, assignee_name):
            row.resolved += 1

    backlog = _backlog(desk, begins, ends, day_list, zone)
    days = [Day(day, opened_by_day[n], resolved_by_day[n], backlog[n])
            for n, day in enumerate(day_list)]
    staff = User.objects.filter(is_active=True, kind=User.Kind.MEMBER).count()
    agent_count = selectors.agents_of(desk).count()
    overdue_now = Ticket.objects.filter(desk=desk).filter(selectors.overdue_q(now)).count()

    rank = {str(p): r for p, r in PRIORITY_RANK.items()}
    metrics = DeskMetrics(
        desk=desk, start=start, end=end, opened=len(tickets), resolved=len(resolved_rows),
        days=days, first_response=Durations.of(response_minutes),
        resolution=Durations.of(resolution_minutes), overdue_now=overdue_now,
        missed_first_response=missed_response, missed_resolution=missed_resolution,
        missed_any=missed_any,
        me_too_total=me_too_total, me_too_tickets=me_too_tickets, staff=staff,
        agents=agent_count,
        by_category=[_finish(r) for r in sorted(categories.values(),
                                                key=lambda r: (r.key == "", r.label.lower()))],
        by_priority=[_finish(r) for r in sorted(priorities.values(),
                                                key=lambda r: rank.get(r.key, 9))],
        by_agent=[_finish(r) for r in sorted(agents.values(),
                                             key=lambda r: (r.key == "", r.label.lower()))],
        tickets=figures)
    return metrics


def _backlog(desk: Desk, begins: datetime, ends: datetime, day_list: list[date],
             zone) -> list[int]:
    """Open tickets at the end of each day: created before it, not resolved or closed
    before it. One query: the tickets created before the period's end that were still open
    at its start."""
    rows = (Ticket.objects.filter(desk=desk, created__lt=ends)
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=begins))
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=begins))
            .values_list("created", "resolved_at", "closed_at"))
    created, finished = [], []
    for opened_at, resolved_at, closed_at in rows:
        created.append(opened_at)
        ends_at = [m for m in (resolved_at, closed_at) if m is not None]
        if ends_at:
            finished.append(min(ends_at))
    created.sort()
    finished.sort()
    counts = []
    for day in day_list:
        moment = datetime.combine(day + timedelta(days=1), time.min, zone)
        # "Open at the end of the day": created before midnight, not finished by then.
        counts.append(bisect_left(created, moment) - bisect_left(finished, moment))
    return counts
