"""When a person may be interrupted: working hours per weekday in their time zone, or a duty
status (on call, off duty) that overrides them until an optional end.

Every comparison is made in UTC: two aware datetimes sharing a ZoneInfo compare by wall clock
in Python, which is wrong across a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings as django_settings

from notifications.models import NotificationSettings, WorkingPeriod

Duty = NotificationSettings.Duty


@dataclass(frozen=True)
class Availability:
    available: bool
    # When this changes: the end of the shift, or when a held notification may go out.
    # None: no end in sight (always reachable, or off duty with no end time).
    until: datetime | None
    reason: str  # "always", "working", "on_call", "off_duty", "outside_hours"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or django_settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(django_settings.TIME_ZONE)


def _at(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a day, in UTC. A time skipped by the spring change (02:30 in
    Paris) lands at the first instant that exists after it."""
    return datetime.combine(day, moment, tzinfo=tz).astimezone(UTC)


def _spans(periods: Iterable[WorkingPeriod], tz: ZoneInfo, around: datetime):
    """Working spans in UTC from the day before ``around`` to eight days after, merged."""
    today = around.astimezone(tz).date()
    spans = []
    for offset in range(-1, 9):
        day = today + timedelta(days=offset)
        for period in periods:
            if period.weekday != day.weekday():
                continue
            end_day = day if period.end > period.start else day + timedelta(days=1)
            spans.append((_at(day, period.start, tz), _at(end_day, period.end, tz)))
    spans.sort()
    merged: list[list[datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def by_schedule(periods: list[WorkingPeriod], tz: ZoneInfo, at: datetime) -> Availability:
    if not periods:
        return Availability(True, None, "always")
    at = at.astimezone(UTC)
    for start, end in _spans(periods, tz, at):
        if start <= at < end:
            return Availability(True, end, "working")
        if start > at:
            return Availability(False, start, "outside_hours")
    return Availability(False, None, "outside_hours")  # unreachable with any period set


def availability(row: NotificationSettings | None, periods: list[WorkingPeriod],
                 tz_name: str | None, at: datetime) -> Availability:
    tz = zone(tz_name)
    status_applies = (row is not None and row.duty != Duty.SCHEDULE
                      and (row.duty_until is None or at < row.duty_until))
    if status_applies:
        if row.duty == Duty.ON_CALL:
            return Availability(True, row.duty_until, "on_call")
        if row.duty_until is None:
            return Availability(False, None, "off_duty")
        after = by_schedule(periods, tz, row.duty_until)
        back = row.duty_until if after.available else after.until
        return Availability(False, back, "off_duty")
    return by_schedule(periods, tz, at)


def next_delivery(row, periods, tz_name, at: datetime) -> datetime | None:
    """When something not urgent, raised at ``at``, may interrupt this person: ``at`` itself
    when they are reachable, None while they are off duty with no end."""
    state = availability(row, periods, tz_name, at)
    return at if state.available else state.until
