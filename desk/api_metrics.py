"""/api/v1/desks/{slug}/metrics: a desk's figures over a period, as on its metrics page
(desk/metrics.py, docs/desks.md). Durations are service minutes, null when there is no data."""

from __future__ import annotations

from datetime import date

from ninja import Query, Router, Schema

from desk.metrics import DeskMetrics, Durations, Row, access_metrics, desk_metrics, parse_period

router = Router(tags=["desks"])


class DurationsOut(Schema):
    count: int
    median_minutes: float | None
    p90_minutes: float | None


class RowOut(Schema):
    key: str
    label: str
    opened: int
    resolved: int
    first_response: DurationsOut
    resolution: DurationsOut


class DayOut(Schema):
    date: date
    opened: int
    resolved: int
    backlog: int


class OverdueOut(Schema):
    now: int
    missed_first_response: int
    missed_resolution: int
    missed_any: int


class MeTooOut(Schema):
    total: int
    tickets: int


class MetricsOut(Schema):
    desk: str
    time_zone: str
    start: date
    end: date
    opened: int
    resolved: int
    first_response: DurationsOut
    resolution: DurationsOut
    overdue: OverdueOut
    me_too: MeTooOut
    staff: int
    agents: int
    requests_per_100_staff: float | None
    staff_per_agent: float | None
    days: list[DayOut]
    by_category: list[RowOut]
    by_priority: list[RowOut]
    by_agent: list[RowOut]


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _durations(durations: Durations) -> dict:
    return {"count": durations.count, "median_minutes": _minutes(durations.median),
            "p90_minutes": _minutes(durations.p90)}


def _row(row: Row) -> dict:
    return {"key": row.key, "label": row.label, "opened": row.opened, "resolved": row.resolved,
            "first_response": _durations(row.first_response),
            "resolution": _durations(row.resolution)}


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def metrics_out(figures: DeskMetrics) -> dict:
    return {
        "desk": figures.desk.prefix, "time_zone": figures.desk.time_zone,
        "start": figures.start, "end": figures.end,
        "opened": figures.opened, "resolved": figures.resolved,
        "first_response": _durations(figures.first_response),
        "resolution": _durations(figures.resolution),
        "overdue": {"now": figures.overdue_now,
                    "missed_first_response": figures.missed_first_response,
                    "missed_resolution": figures.missed_resolution,
                    "missed_any": figures.missed_any},
        "me_too": {"total": figures.me_too_total, "tickets": figures.me_too_tickets},
        "staff": figures.staff, "agents": figures.agents,
        "requests_per_100_staff": _ratio(figures.requests_per_100_staff),
        "staff_per_agent": _ratio(figures.staff_per_agent),
        "days": [{"date": d.day, "opened": d.opened, "resolved": d.resolved,
                  "backlog": d.backlog} for d in figures.days],
        "by_category": [_row(r) for r in figures.by_category],
        "by_priority": [_row(r) for r in figures.by_priority],
        "by_agent": [_row(r) for r in figures.by_agent],
    }


@router.get("/desks/{slug}/metrics", response=MetricsOut, summary="A desk's metrics")
def desk_metrics_api(request, slug: str, start: str | None = Query(None, alias="from"),
                     end: str | None = Query(None, alias="to")):
    """Tickets opened and resolved, backlog per day, median and p90 times to first response
    and to resolution (service minutes), overdue counts, breakdowns by category, priority and
    assignee, "me too" counts, requests per 100 staff and staff per agent. ``from`` and ``to``
    are dates (YYYY-MM-DD) in the desk's time zone, by default the last 30 days; two years at
    most. For the desk's agents and admins."""
    desk = access_metrics(request.auth, slug)
    first, last = parse_period(desk, start, end)  # a ValidationError is a 422
    return metrics_out(desk_metrics(desk, first, last))
