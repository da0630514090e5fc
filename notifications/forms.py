"""Forms of the notification settings page. They parse what the page sends and show errors
beside the fields; notifications.services checks the rules again and saves."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.weekly_periods import WeeklyPeriods
from notifications import preferences, schedule
from notifications.models import GroupLevel, Notification, NotificationSettings
from notifications.settings_selectors import SettingsState

Duty = NotificationSettings.Duty
CHANNEL_LABELS = {"in_app": _("In the app"), "email": _("Email"), "push": _("Push")}
INTERVAL_CHOICES = [(0, _("At once")), (15, _("At most every 15 minutes")),
                    (30, _("At most every 30 minutes")), (60, _("At most every hour")),
                    (240, _("At most every 4 hours"))]
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _to_the_minute(moment: datetime | None) -> datetime | None:
    return moment.replace(second=0, microsecond=0) if moment else None


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input read in the person's own time zone, whatever zone the request
    runs in. A time that does not exist there (skipped by the spring change) is an error."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)
    input_formats = [LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def __init__(self, *, tz, **kwargs):
        self.tz = tz
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(self.tz):
            return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(self.tz).replace(tzinfo=None)
        return value

    def has_changed(self, initial, data):
        """The input shows minutes: an end saved to the second is unchanged when the same
        minute comes back."""
        try:
            data = self.to_python(data)
        except ValidationError:
            return True
        return _to_the_minute(initial) != _to_the_minute(data)


class PreferencesForm(forms.Form):
    """When to reach me, what reaches me, and how email is batched."""

    duty = forms.ChoiceField(label=_("Status"), choices=Duty.choices, widget=forms.RadioSelect)
    email_interval_minutes = forms.TypedChoiceField(
        label=_("How often to send email"), coerce=int, choices=INTERVAL_CHOICES,
        help_text=_("At most one email per interval, with a digest of what came in meanwhile. "
                    "Urgent notifications are sent at once."))
    push_previews = forms.BooleanField(
        label=_("Show message text on the lock screen"), required=False,
        help_text=_("Lock screens on wards are seen by patients, visitors and colleagues. "
                    "Left off, a push says only who wrote and where."))

    def __init__(self, data=None, *, state: SettingsState):
        super().__init__(data)
        self.tz = schedule.zone(state.time_zone)
        self.fields["duty_until"] = LocalDateTimeField(
            tz=self.tz, label=_("Until"), required=False,
            help_text=_("Optional, in your time zone. Afterwards your working hours apply "
                        "again. Leave it empty to keep this status until you change it."))
        interval = state.row.email_interval_minutes
        field = self.fields["email_interval_minutes"]
        if interval not in dict(INTERVAL_CHOICES):
            field.choices = sorted([*INTERVAL_CHOICES, (interval, _(
                "At most every %(minutes)d minutes") % {"minutes": interval})])
        self.initial.update({"duty": state.duty, "duty_until": state.duty_until,
                             "email_interval_minutes": interval,
                             "push_previews": state.row.push_previews})
        self._add_channel_fields(state.channels)
        self.weekly = WeeklyPeriods(self, state.periods, labels=(
            _("%(day)s, period %(number)d, start"), _("%(day)s, period %(number)d, end")))

    # --- What reaches me ---

    def _add_channel_fields(self, channels):
        self.channel_rows = []
        for kind, kind_label in Notification.Kind.choices:
            names = []
            for channel in preferences.CHANNELS:
                name = f"{kind}__{channel}"
                self.fields[name] = forms.BooleanField(
                    required=False, label=_("%(kind)s: %(channel)s") % {
                        "kind": kind_label, "channel": CHANNEL_LABELS[channel]})
                self.initial[name] = channels[kind][channel]
                names.append(name)
            self.channel_rows.append((kind_label, names))

    def channel_table(self):
        """Rows of (kind label, [bound checkbox for in the app, email, push])."""
        return [(label, [self[name] for name in names]) for label, names in self.channel_rows]

    def channel_headers(self):
        return [CHANNEL_LABELS[channel] for channel in preferences.CHANNELS]

    # --- Working hours ---

    def working_days(self):
        return self.weekly.days()

    def clean(self):
        cleaned = super().clean()
        self.weekly.check(
            cleaned, incomplete=_("Give both a start and an end, or leave both empty."),
            refusal=lambda start, end: (_("A period must end at a different time than it "
                                          "starts.") if start == end else None))
        if cleaned.get("duty") == Duty.SCHEDULE:
            cleaned["duty_until"] = None
        return cleaned

    def working_periods(self):
        return self.weekly.periods()

    # --- Saving ---

    def service_arguments(self) -> dict:
        """Keyword arguments for services.update_settings. The status is passed only when it
        was changed: a status in force keeps its exact end."""
        data = self.cleaned_data
        arguments = {
            "channels": {kind: {channel: data[f"{kind}__{channel}"]
                                for channel in preferences.CHANNELS}
                         for kind in Notification.Kind.values},
            "email_interval_minutes": data["email_interval_minutes"],
            "push_previews": data["push_previews"],
            "working_periods": self.working_periods(),
        }
        if {"duty", "duty_until"} & set(self.changed_data):
            arguments.update(duty=data["duty"], duty_until=data["duty_until"])
        return arguments

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the service's refusals beside the fields they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class GroupLevelsForm(forms.Form):
    """How much each of my groups may tell me."""

    def __init__(self, data=None, *, groups, levels: dict[int, str]):
        super().__init__(data)
        self.groups = list(groups)
        for group in self.groups:
            self.fields[f"group_{group.id}"] = forms.ChoiceField(
                label=group.name, choices=GroupLevel.Level.choices,
                initial=levels.get(group.id, GroupLevel.Level.ALL))

    def rows(self):
        return [(group, self[f"group_{group.id}"]) for group in self.groups]

    def changes(self):
        """(group, level) for each group whose level was changed."""
        return [(group, self.cleaned_data[f"group_{group.id}"]) for group in self.groups
                if f"group_{group.id}" in self.changed_data]
