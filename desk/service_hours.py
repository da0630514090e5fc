"""Time counted in a desk's service hours: when a target falls due, how long a ticket took.

A desk's hours are periods per weekday in its time zone (desk.models.ServiceHours); a desk
without any is open around the clock. A request filed on Friday evening to a desk open
08:00-18:00 on weekdays with a 4-hour target is due on Monday at noon, and if it was answered
on Monday at 09:00 it took one service hour. Daylight-saving changes are handled by working
in local wall-clock days and converting each period's bounds to UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead a due time is looked for: a desk open one hour a week still finds it.
SEARCH_DAYS = 366 * 2


@dataclass(frozen=True)
class Hours:
    """A desk's opening periods: ``periods[weekday]`` is a sorted list of (start, end)."""

    zone: ZoneInfo
    periods: dict[int, list[tuple[time, time]]]

    @classmethod
    def of(cls, time_zone: str, rows: Iterable[tuple[int, time, time]]) -> Hours:
        periods: dict[int, list[tuple[time, time]]] = {}
        for weekday, start, end in rows:
            periods.setdefault(weekday, []).append((start, end))
        return cls(ZoneInfo(time_zone), {day: sorted(p) for day, p in periods.items()})

    @property
    def always_open(self) -> bool:
        return not self.periods

    def _open_spans(self, start: datetime, end: datetime):
        """The open spans (UTC-aware pairs) that overlap [start, end), in order."""
        # Arithmetic between datetimes of one tzinfo is wall-clock time: in UTC it is real time.
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            for opens, closes in self.periods.get(day.weekday(), []):
                span_start = datetime.combine(day, opens, self.zone).astimezone(UTC)
                span_end = datetime.combine(day, closes, self.zone).astimezone(UTC)
                if span_end > start and span_start < end:
                    yield max(span_start, start), min(span_end, end)
            day += timedelta(days=1)

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Service minutes from ``start`` to ``end`` (0 when end is not after start)."""
        if end <= start:
            return 0.0
        if self.always_open:
            return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 60
        return sum((b - a).total_seconds() for a, b in self._open_spans(start, end)) / 60

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` of service time after ``start``."""
        given_zone, start = start.tzinfo, start.astimezone(UTC)
        if self.always_open:
            return (start + timedelta(minutes=minutes)).astimezone(given_zone)
        left = timedelta(minutes=minutes)
        origin, horizon = start, start + timedelta(days=7)
        while horizon - origin < timedelta(days=SEARCH_DAYS):
            for span_start, span_end in self._open_spans(start, horizon):
                if span_end - span_start >= left:
                    return (span_start + left).astimezone(given_zone)
                left -= span_end - span_start
                start = span_end
            start, horizon = horizon, horizon + timedelta(days=7)
        raise ValueError("The desk is never open long enough to reach this target.")

    def is_open(self, moment: datetime) -> bool:
        if self.always_open:
            return True
        return any(True for _ in self._open_spans(moment, moment + timedelta(microseconds=1)))
