"""The metrics page of a desk and its CSV export (docs/desks.md, "Metrics")."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from desk import charts, selectors
from desk.metrics import Row, access_metrics, desk_metrics, parse_period

# A cell a spreadsheet would read as a formula is written as text (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def duration_text(minutes: float | None) -> str:
    """Service minutes as "45 min" or "26 h 05 min"; a dash for no data."""
    if minutes is None:
        return "—"
    total = round(minutes)
    if total < 60:
        return _("%(minutes)s min") % {"minutes": total}
    return _("%(hours)s h %(minutes)02d min") % {"hours": total // 60, "minutes": total % 60}


def _period(request, desk):
    """(start, end, errors): the period asked for, or the errors to show."""
    try:
        start, end = parse_period(desk, request.GET.get("from"), request.GET.get("to"))
    except ValidationError as error:
        return None, None, [m for messages in error.message_dict.values() for m in messages]
    return start, end, []


def _rows(rows: list[Row]) -> list[dict]:
    return [{"label": row.label, "opened": row.opened, "resolved": row.resolved,
             "first_response": duration_text(row.first_response.median),
             "resolution": duration_text(row.resolution.median)} for row in rows]


@login_required
def metrics(request, slug):
    desk = access_metrics(request.user, slug)
    start, end, errors = _period(request, desk)
    context = {"nav": "desks", "desk": desk, "group": desk.group, "errors": errors,
               "from_value": (request.GET.get("from") or "")[:20],
               "to_value": (request.GET.get("to") or "")[:20]}
    if errors:
        return render(request, "desk/metrics.html", context, status=400)
    figures = desk_metrics(desk, start, end)
    query = QueryDict(mutable=True)
    query.update({"from": start.isoformat(), "to": end.isoformat()})
    per_100, per_agent = figures.requests_per_100_staff, figures.staff_per_agent
    context.update({
        "m": figures, "from_value": start.isoformat(), "to_value": end.isoformat(),
        "first_response_median": duration_text(figures.first_response.median),
        "first_response_p90": duration_text(figures.first_response.p90),
        "resolution_median": duration_text(figures.resolution.median),
        "resolution_p90": duration_text(figures.resolution.p90),
        "per_100_staff": None if per_100 is None else round(per_100, 1),
        "staff_per_agent": None if per_agent is None else round(per_agent, 1),
        "flow_chart": charts.flow_chart(figures), "backlog_chart": charts.backlog_chart(figures),
        "buckets": charts.buckets(figures), "weekly": charts.is_weekly(figures),
        "breakdowns": [
            {"key": "category", "title": _("By category"), "heading": _("Category"),
             "rows": _rows(figures.by_category)},
            {"key": "priority", "title": _("By priority"), "heading": _("Priority"),
             "rows": _rows(figures.by_priority)},
            {"key": "agent", "title": _("By agent"), "heading": _("Assignee"),
             "rows": _rows(figures.by_agent)}],
        "csv_url": reverse("desk:metrics_csv", args=[desk.group.slug]) + "?" + query.urlencode(),
    })
    return render(request, "desk/metrics.html", context)



def csv_cell(value) -> str:
    """A cell as text, with a quote before what a spreadsheet would run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


@login_required
def metrics_csv(request, slug):
    """One row per ticket created in the period, in the desk's time zone."""
    desk = access_metrics(request.user, slug)
    start, end, errors = _period(request, desk)
    if errors:
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    figures = desk_metrics(desk, start, end)
    zone = selectors.hours_of(desk).zone

    def when(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{desk.prefix.lower()}-metrics-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # spreadsheet programs read UTF-8 only with a byte-order mark
    writer = csv.writer(response)
    writer.writerow([_("Reference"), _("Title"), _("Status"), _("Priority"), _("Category"),
                     _("Requester"), _("Assignee"), _("Created"), _("First response"),
                     _("Resolved"), _("First response (service minutes)"),
                     _("Resolution (service minutes)"), _("Me too"), _("Overdue")])
    for row in figures.tickets:
        ticket = row.ticket
        writer.writerow([csv_cell(cell) for cell in (
            ticket.reference, ticket.title, ticket.get_status_display(),
            ticket.get_priority_display(), ticket.category.name if ticket.category else "",
            ticket.requester.display_name if ticket.requester else "",
            ticket.assignee.display_name if ticket.assignee else "",
            when(ticket.created), when(ticket.first_response_at), when(ticket.resolved_at),
            _minutes(row.first_response_minutes), _minutes(row.resolution_minutes),
            ticket.me_too_count, _("yes") if row.overdue else _("no"))])
    return response
