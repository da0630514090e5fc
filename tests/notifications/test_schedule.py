"""Working hours, night shifts, duty status and daylight-saving changes."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.models import NotificationSettings, WorkingPeriod
from notifications.schedule import availability, by_schedule, next_delivery

PARIS = ZoneInfo("Europe/Paris")
Duty = NotificationSettings.Duty


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def weekdays(start: time, end: time, days=range(5)):
    return [WorkingPeriod(weekday=d, start=start, end=end) for d in days]


def test_nobody_with_no_working_hours_is_ever_held():
    state = by_schedule([], PARIS, paris(2026, 11, 23, 3, 0))
    assert (state.available, state.until, state.reason) == (True, None, "always")


def test_inside_working_hours_available_until_the_end_of_the_shift():
    state = by_schedule(weekdays(time(8), time(16)), PARIS, paris(2026, 11, 23, 10, 0))
    assert state.available and state.until == paris(2026, 11, 23, 16, 0)


def test_after_the_shift_held_until_the_next_morning():
    state = by_schedule(weekdays(time(8), time(16)), PARIS, paris(2026, 11, 23, 16, 0))
    assert not state.available and state.until == paris(2026, 11, 24, 8, 0)
    assert state.reason == "outside_hours"


def test_friday_evening_held_until_monday_morning():
    state = by_schedule(weekdays(time(8), time(16)), PARIS, paris(2026, 11, 27, 18, 30))
    assert state.until == paris(2026, 11, 30, 8, 0)


def test_a_night_shift_runs_past_midnight_into_the_next_day():
    nights = [WorkingPeriod(weekday=0, start=time(21), end=time(7))]  # Monday night
    assert by_schedule(nights, PARIS, paris(2026, 11, 24, 6, 59)).available  # Tuesday 06:59
    tuesday_morning = by_schedule(nights, PARIS, paris(2026, 11, 24, 7, 0))
    assert not tuesday_morning.available
    assert tuesday_morning.until == paris(2026, 11, 30, 21, 0)  # next Monday night


def test_back_to_back_periods_count_as_one_shift():
    periods = [WorkingPeriod(weekday=0, start=time(7), end=time(12)),
               WorkingPeriod(weekday=0, start=time(12), end=time(19))]
    state = by_schedule(periods, PARIS, paris(2026, 11, 23, 11, 0))
    assert state.available and state.until == paris(2026, 11, 23, 19, 0)


def test_working_hours_are_read_in_the_persons_time_zone():
    montreal = ZoneInfo("America/Montreal")
    # 14:00 in Paris is 08:00 in Montreal: a 09:00-17:00 day there has not started.
    state = by_schedule(weekdays(time(9), time(17)), montreal, paris(2026, 11, 23, 14, 0))
    assert not state.available
    assert state.until == datetime(2026, 11, 23, 9, 0, tzinfo=montreal)
    assert state.until.astimezone(UTC) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_spring_forward_a_shift_starting_at_a_skipped_time_starts_when_time_resumes():
    # Paris skipped from 02:00 to 03:00 on Sunday 29 March 2026.
    periods = [WorkingPeriod(weekday=6, start=time(2, 30), end=time(10))]
    state = by_schedule(periods, PARIS, paris(2026, 3, 29, 1, 0))
    assert state.until == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time
    assert by_schedule(periods, PARIS, datetime(2026, 3, 29, 1, 45, tzinfo=UTC)).available


def test_the_morning_after_the_clocks_change_still_starts_at_eight_local_time():
    periods = weekdays(time(8), time(16), days=[0])
    # Before the autumn change 08:00 is 06:00 UTC; on the Monday after, 07:00 UTC.
    before = by_schedule(periods, PARIS, datetime(2026, 10, 19, 5, 0, tzinfo=UTC))
    after = by_schedule(periods, PARIS, datetime(2026, 10, 26, 5, 0, tzinfo=UTC))
    assert before.until == datetime(2026, 10, 19, 6, 0, tzinfo=UTC)
    assert after.until == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


def test_a_night_shift_over_the_autumn_change_lasts_an_hour_longer():
    nights = [WorkingPeriod(weekday=5, start=time(21), end=time(7))]  # Saturday 24 October
    state = by_schedule(nights, PARIS, paris(2026, 10, 24, 22, 0))
    assert state.available
    assert state.until - paris(2026, 10, 24, 21, 0) == timedelta(hours=11)


@pytest.mark.parametrize("duty, available, reason", [
    (Duty.ON_CALL, True, "on_call"), (Duty.OFF_DUTY, False, "off_duty")])
def test_a_duty_status_overrides_working_hours(duty, available, reason):
    row = NotificationSettings(duty=duty)
    at = paris(2026, 11, 23, 10, 0) if duty == Duty.OFF_DUTY else paris(2026, 11, 23, 3, 0)
    state = availability(row, weekdays(time(8), time(16)), "Europe/Paris", at)
    assert (state.available, state.until, state.reason) == (available, None, reason)


def test_off_duty_until_a_time_then_back_to_the_schedule():
    row = NotificationSettings(duty=Duty.OFF_DUTY, duty_until=paris(2026, 11, 25, 12, 0))
    periods = weekdays(time(8), time(16))
    during = availability(row, periods, "Europe/Paris", paris(2026, 11, 24, 10, 0))
    assert not during.available and during.until == paris(2026, 11, 25, 12, 0)
    after = availability(row, periods, "Europe/Paris", paris(2026, 11, 25, 12, 0))
    assert after.available and after.reason == "working"


def test_off_duty_ending_at_night_holds_until_the_next_shift():
    row = NotificationSettings(duty=Duty.OFF_DUTY, duty_until=paris(2026, 11, 24, 22, 0))
    state = availability(row, weekdays(time(8), time(16)), "Europe/Paris",
                         paris(2026, 11, 24, 10, 0))
    assert state.until == paris(2026, 11, 25, 8, 0)


def test_on_call_until_a_time_then_the_schedule_holds_again():
    row = NotificationSettings(duty=Duty.ON_CALL, duty_until=paris(2026, 11, 24, 6, 0))
    periods = weekdays(time(8), time(16))
    assert availability(row, periods, "Europe/Paris", paris(2026, 11, 24, 3, 0)).available
    assert not availability(row, periods, "Europe/Paris", paris(2026, 11, 24, 6, 0)).available


def test_next_delivery_is_now_when_reachable_and_none_when_off_duty_indefinitely():
    at = paris(2026, 11, 23, 10, 0)
    assert next_delivery(None, [], "Europe/Paris", at) == at
    assert next_delivery(NotificationSettings(duty=Duty.OFF_DUTY), [], "Europe/Paris",
                         at) is None


def test_an_unknown_time_zone_falls_back_to_the_servers():
    state = by_schedule(weekdays(time(8), time(16)), ZoneInfo("Europe/Paris"),
                        paris(2026, 11, 23, 10, 0))
    assert availability(None, weekdays(time(8), time(16)), "Mars/Olympus",
                        paris(2026, 11, 23, 10, 0)).available == state.available
