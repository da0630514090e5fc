"""Service hours (desk/service_hours.py): minutes counted only while a desk is open, across
nights, weekends and daylight-saving changes; desks open around the clock."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk.service_hours import Hours

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
WEEKDAYS_8_18 = [(day, time(8), time(18)) for day in range(5)]


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def office():
    """Open Monday to Friday, 08:00-18:00, Paris time."""
    return Hours.of("Europe/Paris", WEEKDAYS_8_18)


@pytest.fixture
def around_the_clock():
    return Hours.of("Europe/Paris", [])


# --- minutes_between ------------------------------------------------------------------------

def test_minutes_between_inside_one_period(office):
    assert office.minutes_between(paris(2026, 3, 3, 9), paris(2026, 3, 3, 11, 30)) == 150


def test_minutes_between_across_a_night_counts_only_open_time(office):
    # Tuesday 17:30 to Wednesday 08:30: 30 minutes before closing, 30 after opening.
    assert office.minutes_between(paris(2026, 3, 3, 17, 30), paris(2026, 3, 4, 8, 30)) == 60


def test_minutes_between_friday_evening_and_monday_morning(office):
    assert office.minutes_between(paris(2026, 3, 6, 17), paris(2026, 3, 9, 9)) == 120


def test_minutes_between_filed_while_closed_starts_at_opening(office):
    # Filed on Saturday, answered on Monday at 08:45: 45 minutes of service.
    assert office.minutes_between(paris(2026, 3, 7, 10), paris(2026, 3, 9, 8, 45)) == 45
    # Filed and answered during the same closed weekend: no service time at all.
    assert office.minutes_between(paris(2026, 3, 7, 10), paris(2026, 3, 8, 20)) == 0


def test_minutes_between_a_whole_week(office):
    assert office.minutes_between(paris(2026, 3, 2), paris(2026, 3, 9)) == 5 * 10 * 60


def test_minutes_between_zero_or_negative_is_zero(office, around_the_clock):
    moment = paris(2026, 3, 3, 10)
    for hours in (office, around_the_clock):
        assert hours.minutes_between(moment, moment) == 0
        assert hours.minutes_between(moment, moment - timedelta(hours=1)) == 0


def test_minutes_between_accepts_utc_moments(office):
    # 16:00 UTC on a Friday in March is 17:00 in Paris.
    start = datetime(2026, 3, 6, 16, tzinfo=UTC)
    assert office.minutes_between(start, datetime(2026, 3, 9, 8, tzinfo=UTC)) == 120


def test_minutes_between_across_the_spring_dst_change(office):
    # Friday 27 March 2026 17:00 CET to Monday 30 March 09:00 CEST: still 2 service hours.
    assert office.minutes_between(paris(2026, 3, 27, 17), paris(2026, 3, 30, 9)) == 120


def test_minutes_between_on_the_dst_nights_counts_real_time():
    sunday_night = Hours.of("Europe/Paris", [(6, time(1), time(5))])
    # 29 March 2026: 02:00 does not exist, the 01:00-05:00 period lasts three hours.
    assert sunday_night.minutes_between(paris(2026, 3, 29), paris(2026, 3, 30)) == 180
    # 25 October 2026: 02:00-03:00 happens twice, the period lasts five hours.
    assert sunday_night.minutes_between(paris(2026, 10, 25), paris(2026, 10, 26)) == 300


def test_minutes_between_around_the_clock_is_elapsed_time(around_the_clock):
    assert around_the_clock.minutes_between(paris(2026, 3, 6, 17), paris(2026, 3, 9, 9)) \
        == (2 * 24 + 16) * 60
    # Saturday noon to Sunday noon across the spring change: 23 real hours.
    assert around_the_clock.minutes_between(paris(2026, 3, 28, 12), paris(2026, 3, 29, 12)) \
        == 23 * 60


# --- add_minutes ----------------------------------------------------------------------------

def test_add_minutes_within_the_day(office):
    assert office.add_minutes(paris(2026, 3, 3, 9), 90) == paris(2026, 3, 3, 10, 30)


def test_add_minutes_carries_over_the_night(office):
    assert office.add_minutes(paris(2026, 3, 3, 17), 120) == paris(2026, 3, 4, 9)


def test_add_minutes_carries_over_the_weekend(office):
    assert office.add_minutes(paris(2026, 3, 6, 17), 120) == paris(2026, 3, 9, 9)


def test_add_minutes_filed_while_closed_counts_from_opening(office):
    assert office.add_minutes(paris(2026, 3, 7, 10), 60) == paris(2026, 3, 9, 9)
    assert office.add_minutes(paris(2026, 3, 9, 6), 30) == paris(2026, 3, 9, 8, 30)


def test_add_zero_minutes(office, around_the_clock):
    moment = paris(2026, 3, 3, 10)
    assert office.add_minutes(moment, 0) == moment
    assert around_the_clock.add_minutes(moment, 0) == moment
    # While closed, zero minutes fall due at the next opening.
    assert office.add_minutes(paris(2026, 3, 7, 10), 0) == paris(2026, 3, 9, 8)


def test_add_minutes_across_the_spring_dst_change(office):
    due = office.add_minutes(paris(2026, 3, 27, 17), 120)
    assert due == paris(2026, 3, 30, 9)
    assert due.utcoffset() == timedelta(hours=2)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 7, tzinfo=UTC)


def test_add_minutes_across_the_autumn_dst_change(office):
    due = office.add_minutes(paris(2026, 10, 23, 17), 120)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 8, tzinfo=UTC)  # 09:00 CET


def test_add_minutes_is_the_inverse_of_minutes_between(office):
    start = paris(2026, 3, 5, 16, 20)
    for minutes in (1, 99, 600, 1234, 3000):
        assert office.minutes_between(start, office.add_minutes(start, minutes)) == minutes


def test_add_minutes_around_the_clock(around_the_clock):
    assert around_the_clock.add_minutes(paris(2026, 3, 7, 23), 90) == paris(2026, 3, 8, 0, 30)
    # 24 elapsed hours from Saturday noon land at 13:00 on Sunday after the spring change.
    assert around_the_clock.add_minutes(paris(2026, 3, 28, 12), 24 * 60) \
        == paris(2026, 3, 29, 13)


def test_is_open(office, around_the_clock):
    assert office.is_open(paris(2026, 3, 3, 8))
    assert not office.is_open(paris(2026, 3, 3, 18))
    assert not office.is_open(paris(2026, 3, 7, 12))
    assert around_the_clock.is_open(paris(2026, 3, 7, 3))


def test_a_desk_never_open_long_enough_raises():
    weekly_minute = Hours.of("Europe/Paris", [(0, time(8), time(8, 1))])
    with pytest.raises(ValueError):
        weekly_minute.add_minutes(paris(2026, 3, 2, 9), 10_000_000)
