"""Reads behind the notification settings page and /api/v1/me/notification-settings: one
person's choices as they apply now. Both adapters show the same state from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from groups.models import Group
from groups.selectors import visible_groups, visible_member_group_ids
from notifications import preferences, schedule
from notifications.models import GroupLevel, Mute, NotificationSettings, WorkingPeriod

Duty = NotificationSettings.Duty


@dataclass(frozen=True)
class SettingsState:
    row: NotificationSettings  # unsaved defaults when the person never chose anything
    periods: list[WorkingPeriod]
    time_zone: str
    channels: dict[str, dict[str, bool]]  # every kind, defaults applied
    # The status in force: an on-call or off-duty status whose end has passed is over, so it
    # reads as "follow my working hours" (and saving the page unchanged does not fail on it).
    duty: str
    duty_until: datetime | None
    availability: schedule.Availability


def settings_state(user, *, now: datetime | None = None) -> SettingsState:
    now = now or timezone.now()
    row = (NotificationSettings.objects.filter(user=user).first()
           or NotificationSettings(user=user))
    periods = list(WorkingPeriod.objects.filter(user=user).order_by("weekday", "start", "end"))
    in_force = row.duty != Duty.SCHEDULE and (row.duty_until is None or now < row.duty_until)
    return SettingsState(
        row=row, periods=periods, time_zone=user.time_zone,
        channels=preferences.all_channels(row.channels),
        duty=row.duty if in_force else Duty.SCHEDULE,
        duty_until=row.duty_until if in_force else None,
        availability=schedule.availability(row, periods, user.time_zone, now))


def member_groups(user) -> QuerySet[Group]:
    """The groups ``user`` belongs to and can still see, by name."""
    return Group.objects.filter(id__in=visible_member_group_ids(user)).order_by("name", "id")


def group_levels(user) -> dict[int, str]:
    """{group id: level} for the groups where ``user`` chose less than everything."""
    return dict(GroupLevel.objects.filter(user=user).values_list("group_id", "level"))


def groups_by_slug(user, slugs) -> dict[str, Group]:
    """The groups among ``slugs`` that ``user`` can see; a slug missing from the answer names
    a group that does not exist for them."""
    return {g.slug: g for g in visible_groups(user).filter(slug__in=list(slugs))}


def mutes(user) -> QuerySet[Mute]:
    return Mute.objects.filter(user=user).order_by("-created", "-id")
