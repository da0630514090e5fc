"""The metrics page's charts: server-rendered SVG, no script. Each chart is an image with a title
and a description for screen readers; the page also shows the same figures as a table
(``buckets``). Every text is escaped; colours are the stylesheet's (static/relais/relais.css),
given as presentation attributes since the Content-Security-Policy forbids inline styles."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from desk.metrics import DeskMetrics

# A period longer than this is charted per week.
DAILY_MAX_DAYS = 62
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40
MAX_LABELS = 8
# --primary and --warning: both above 4.5:1 on white, and told apart by more than hue (the
# legend names them, the table holds the figures).
OPENED_COLOUR, RESOLVED_COLOUR, BACKLOG_COLOUR = "#0d6e66", "#8a5300", "#1d4ed8"
AXIS_COLOUR, GRID_COLOUR = "#55616e", "#dde3e8"


@dataclass(frozen=True)
class Bucket:
    """One bar of the chart: a day, or a week (the last one may be shorter)."""

    first: date
    last: date
    opened: int
    resolved: int
    backlog: int  # at the end of its last day

    @property
    def label(self) -> str:
        if self.first == self.last:
            return date_format(self.first, "j M")
        return _("%(first)s to %(last)s") % {"first": date_format(self.first, "j M"),
                                             "last": date_format(self.last, "j M")}

    @property
    def short_label(self) -> str:
        return date_format(self.first, "j M")


def is_weekly(metrics: DeskMetrics) -> bool:
    return len(metrics.days) > DAILY_MAX_DAYS


def buckets(metrics: DeskMetrics) -> list[Bucket]:
    """The period per day, or per week of seven days from its first day when longer than
    DAILY_MAX_DAYS days."""
    size = 7 if is_weekly(metrics) else 1
    result = []
    for n in range(0, len(metrics.days), size):
        days = metrics.days[n:n + size]
        result.append(Bucket(days[0].day, days[-1].day, sum(d.opened for d in days),
                             sum(d.resolved for d in days), days[-1].backlog))
    return result


def _nice_max(value: int) -> int:
    """The axis' top: 1, 2, 5 times a power of ten (at least 4 so that ticks are whole)."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            top = step * power
            return top if top % 4 == 0 else math.ceil(top / 4) * 4
    return 10 * power  # pragma: no cover


def _frame(chart_id: str, title: str, description: str, body: list[str], top: int,
           items: list[Bucket]) -> SafeString:
    plot_height = HEIGHT - TOP - BOTTOM
    parts = [format_html(
        '<svg class="desk-chart" role="img" viewBox="0 0 {} {}" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        WIDTH, HEIGHT, chart_id, chart_id, chart_id, title, chart_id, description)]
    for tick in range(5):
        value = top * tick // 4
        y = TOP + plot_height - plot_height * tick / 4
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}</text>',
            LEFT, WIDTH - RIGHT, f"{y:.1f}", f"{y:.1f}", GRID_COLOUR, LEFT - 6,
            f"{y + 4:.1f}", AXIS_COLOUR, value))
    slot = (WIDTH - LEFT - RIGHT) / max(len(items), 1)
    step = max(1, math.ceil(len(items) / MAX_LABELS))
    for n, item in enumerate(items):
        if n % step == 0:
            parts.append(format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text>',
                f"{LEFT + slot * (n + .5):.1f}", HEIGHT - BOTTOM + 18, AXIS_COLOUR,
                item.short_label))
    parts.extend(body)
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 (each part is escaped)


def _legend(entries: list[tuple[str, str]]) -> list[str]:
    parts, x = [], LEFT
    for colour, text in entries:
        parts.append(format_html(
            '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
            '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
            x, HEIGHT - 14, colour, x + 16, HEIGHT - 4, AXIS_COLOUR, text))
        x += 24 + 8 * len(text)
    return parts


def flow_chart(metrics: DeskMetrics, chart_id: str = "desk-flow") -> SafeString:
    """Opened and resolved tickets per day (per week for a long period), side by side."""
    items = buckets(metrics)
    top = _nice_max(max([b.opened for b in items] + [b.resolved for b in items] + [0]))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(items), 1)
    bar = max(slot * .38, .5)
    body = []
    for n, item in enumerate(items):
        for offset, value, colour, name in ((0, item.opened, OPENED_COLOUR, _("opened")),
                                            (1, item.resolved, RESOLVED_COLOUR,
                                             _("resolved"))):
            height = plot_height * value / top
            x = LEFT + slot * n + slot * .12 + bar * offset
            body.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                '<title>{}: {} {}</title></rect>',
                f"{x:.1f}", f"{TOP + plot_height - height:.1f}", f"{bar:.1f}",
                f"{height:.1f}", colour, item.label, value, name))
    body += _legend([(OPENED_COLOUR, _("Opened")), (RESOLVED_COLOUR, _("Resolved"))])
    per = _("per week") if is_weekly(metrics) else _("per day")
    title = _("Tickets opened and resolved %(per)s") % {"per": per}
    description = _("From %(start)s to %(end)s: %(opened)s tickets opened and %(resolved)s "
                    "resolved. The table below gives the figures.") % {
        "start": date_format(metrics.start), "end": date_format(metrics.end),
        "opened": metrics.opened, "resolved": metrics.resolved}
    return _frame(chart_id, title, description, body, top, items)


def backlog_chart(metrics: DeskMetrics, chart_id: str = "desk-backlog") -> SafeString:
    """Open tickets at the end of each day (of each week for a long period)."""
    items = buckets(metrics)
    top = _nice_max(max([b.backlog for b in items] + [0]))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(items), 1)
    points = [(LEFT + slot * (n + .5), TOP + plot_height - plot_height * item.backlog / top)
              for n, item in enumerate(items)]
    body = [format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" '
                        'stroke-linejoin="round"/>',
                        " ".join(f"{x:.1f},{y:.1f}" for x, y in points), BACKLOG_COLOUR)]
    for (x, y), item in zip(points, items, strict=True):
        body.append(format_html(
            '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{}: {}</title></circle>',
            f"{x:.1f}", f"{y:.1f}", BACKLOG_COLOUR, item.label,
            _("%(count)s open") % {"count": item.backlog}))
    body += _legend([(BACKLOG_COLOUR, _("Open tickets"))])
    first, last = (items[0].backlog, items[-1].backlog) if items else (0, 0)
    title = _("Backlog: open tickets at the end of each %(unit)s") % {
        "unit": _("week") if is_weekly(metrics) else _("day")}
    description = _("From %(start)s to %(end)s the backlog went from %(first)s to %(last)s "
                    "open tickets (highest: %(peak)s). The table below gives the figures.") % {
        "start": date_format(metrics.start), "end": date_format(metrics.end),
        "first": first, "last": last, "peak": max([b.backlog for b in items] + [0])}
    return _frame(chart_id, title, description, body, top, items)

