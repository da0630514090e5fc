"""The agents' queue filters, read from a query string. A value that makes no sense is dropped
and named in ``problems``, so a hand-edited or stale link still shows a queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from desk.models import Priority, Ticket
from desk.selectors import SORTS, QueueFilters


def status_choices():
    return [("open", pgettext("tickets", "Open")), *Ticket.Status.choices,
            ("all", pgettext("tickets", "All"))]


def sort_choices():
    return [("priority", _("Priority")), ("newest", _("Newest")), ("oldest", _("Oldest")),
            ("updated", _("Recently updated")), ("due", _("Due soonest"))]


TRUE_VALUES = {"1", "on", "true", "yes"}


@dataclass
class ParsedFilters:
    filters: QueueFilters
    problems: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Whether anything narrows the default queue (open tickets, by priority)."""
        f = self.filters
        return bool(f.mine or f.unassigned or f.priority or f.category_id is not None
                    or f.overdue or f.status not in ("", "open"))


def _flag(params, name: str) -> bool:
    return params.get(name, "").strip().lower() in TRUE_VALUES


def parse_queue_filters(params, *, category_ids=()) -> ParsedFilters:
    """``params``: request.GET. ``category_ids``: the desk's categories (others are dropped)."""
    problems = []
    status = params.get("status", "").strip() or "open"
    if status not in {value for value, _label in status_choices()}:
        problems.append(_("Unknown status “%(value)s”: showing open tickets.") % {"value": status})
        status = "open"
    priority = params.get("priority", "").strip()
    if priority and priority not in Priority.values:
        problems.append(_("Unknown priority “%(value)s”: ignored.") % {"value": priority})
        priority = ""
    category_id = None
    raw_category = params.get("category", "").strip()
    if raw_category:
        try:
            category_id = int(raw_category)
        except ValueError:
            category_id = None
        if category_id not in set(category_ids):
            problems.append(_("Unknown category: ignored."))
            category_id = None
    sort = params.get("sort", "").strip() or "priority"
    if sort not in SORTS:
        problems.append(_("Unknown sort “%(value)s”: sorted by priority.") % {"value": sort})
        sort = "priority"
    filters = QueueFilters(mine=_flag(params, "mine"), unassigned=_flag(params, "unassigned"),
                           status=status, priority=priority, category_id=category_id,
                           overdue=_flag(params, "overdue"), sort=sort)
    return ParsedFilters(filters, problems)
