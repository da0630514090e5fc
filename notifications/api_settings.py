"""/api/v1/me/notification-settings: one person's notification choices, read and changed
through the same selectors and services as the settings page."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from notifications import preferences, schedule, services, settings_selectors
from notifications.models import GroupLevel, Notification

router = Router(tags=["notifications"])
# The service's names for what this API calls otherwise.
FIELD_NAMES = {"working_periods": "working_hours"}


class ChannelSwitches(Schema):
    in_app: bool
    email: bool
    push: bool


class ChannelSwitchesIn(Schema):
    in_app: bool | None = None
    email: bool | None = None
    push: bool | None = None


class WorkingPeriodIn(Schema):
    weekday: int  # 0 is Monday
    start: time
    end: time  # not after start: the period ends the next day (a night shift)


class WorkingPeriodOut(Schema):
    weekday: int
    start: str  # "08:00", in the person's time zone
    end: str


class AvailableNowOut(Schema):
    available: bool
    until: datetime | None
    reason: str  # always, working, on_call, off_duty, outside_hours


class GroupLevelOut(Schema):
    group: str
    name: str
    level: str


class GroupLevelIn(Schema):
    group: str
    level: str


class MuteOut(Schema):
    scope: str
    label: str
    url: str


class NotificationSettingsOut(Schema):
    channels: dict[str, ChannelSwitches]
    email_interval_minutes: int
    push_previews: bool
    duty: str
    duty_until: datetime | None
    working_hours: list[WorkingPeriodOut]
    time_zone: str
    available_now: AvailableNowOut
    group_levels: list[GroupLevelOut]
    muted: list[MuteOut]


class NotificationSettingsIn(Schema):
    channels: dict[str, ChannelSwitchesIn] | None = None
    email_interval_minutes: int | None = None
    push_previews: bool | None = None
    duty: str | None = None
    duty_until: datetime | None = None
    working_hours: list[WorkingPeriodIn] | None = None
    group_levels: list[GroupLevelIn] | None = None


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _current(user) -> dict:
    state = settings_selectors.settings_state(user)
    levels = settings_selectors.group_levels(user)
    now = state.availability
    return {
        "channels": state.channels,
        "email_interval_minutes": state.row.email_interval_minutes,
        "push_previews": state.row.push_previews,
        "duty": state.duty, "duty_until": state.duty_until,
        "working_hours": [{"weekday": p.weekday, "start": _clock(p.start), "end": _clock(p.end)}
                          for p in state.periods],
        "time_zone": state.time_zone,
        "available_now": {"available": now.available, "until": now.until, "reason": now.reason},
        "group_levels": [{"group": g.slug, "name": g.name,
                          "level": levels.get(g.id, GroupLevel.Level.ALL)}
                         for g in settings_selectors.member_groups(user)],
        "muted": [{"scope": m.scope, "label": m.label, "url": m.url}
                  for m in settings_selectors.mutes(user)],
    }


def _channel_table(state, submitted: dict[str, dict]) -> dict[str, dict[str, bool]]:
    """The whole table with the submitted switches applied: a kind or channel left out
    stays as it is."""
    unknown = sorted(set(submitted) - set(Notification.Kind.values))
    if unknown:
        raise ValidationError({"channels": _("Unknown kind of notification: %(kinds)s. Known "
                                             "kinds: %(known)s.")
                               % {"kinds": ", ".join(unknown),
                                  "known": ", ".join(Notification.Kind.values)}})
    table = {kind: dict(channels) for kind, channels in state.channels.items()}
    for kind, channels in submitted.items():
        table[kind].update({c: on for c, on in channels.items()
                            if c in preferences.CHANNELS and on is not None})
    return table


def _service_arguments(state, data: dict) -> dict:
    """Keyword arguments for services.update_settings from what the client sent."""
    arguments = {key: data[key] for key in ("email_interval_minutes", "push_previews")
                 if data.get(key) is not None}
    if data.get("channels") is not None:
        arguments["channels"] = _channel_table(state, data["channels"])
    if "duty" in data or "duty_until" in data:
        until = data.get("duty_until", state.duty_until)
        if until is not None and timezone.is_naive(until):
            until = timezone.make_aware(until, schedule.zone(state.time_zone))
        arguments["duty"] = data.get("duty") or state.duty
        arguments["duty_until"] = until
    if data.get("working_hours") is not None:
        arguments["working_periods"] = [(p["weekday"], p["start"], p["end"])
                                        for p in data["working_hours"]]
    return arguments


def _group_levels(user, submitted: list[dict]):
    """(group, level) pairs, or a ValidationError naming every group the person cannot see
    and every level that does not exist; nothing is saved unless all are right."""
    found = settings_selectors.groups_by_slug(user, [item["group"] for item in submitted])
    errors = []
    missing = [item["group"] for item in submitted if item["group"] not in found]
    if missing:
        errors.append(_("No such group: %(groups)s.") % {"groups": ", ".join(missing)})
    bad = sorted({item["level"] for item in submitted} - set(GroupLevel.Level.values))
    if bad:
        errors.append(_("Unknown level %(levels)s: choose %(known)s.")
                      % {"levels": ", ".join(bad), "known": ", ".join(GroupLevel.Level.values)})
    if errors:
        raise ValidationError({"group_levels": errors})
    return [(found[item["group"]], item["level"]) for item in submitted]


def _renamed(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({FIELD_NAMES.get(field, field): errors
                            for field, errors in error.error_dict.items()})


@router.get("/notification-settings", response=NotificationSettingsOut,
            summary="My notification settings")
def get_settings(request):
    """Channels per kind (defaults applied), email batching, lock-screen previews, status and
    working hours (in `time_zone`, which is changed in the profile), whether you can be
    reached now, each group's level and what you muted."""
    return _current(request.auth)


@router.put("/notification-settings", response=NotificationSettingsOut,
            summary="Change my notification settings")
def put_settings(request, payload: NotificationSettingsIn):
    """Send only what changes: a field left out stays as it is. `channels` may name some kinds
    and some channels; `working_hours` replaces every period; `duty_until` alone moves the end
    of the current status, and without an offset it is read in your time zone. An error is a
    422 naming the field, and then nothing at all is changed."""
    user = request.auth
    data = payload.dict(exclude_unset=True)
    arguments = _service_arguments(settings_selectors.settings_state(user), data)
    levels = _group_levels(user, data["group_levels"]) if data.get("group_levels") else []
    try:
        with transaction.atomic():
            if arguments:
                services.update_settings(user=user, **arguments)
            for group, level in levels:
                services.set_group_level(user=user, group=group, level=level)
    except ValidationError as error:
        raise _renamed(error) from None
    return _current(user)
