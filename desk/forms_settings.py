"""Forms of a desk's set-up pages. They parse what the pages send and show errors beside the
fields; desk.setup checks the rules again and saves."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from desk.models import Category, Desk, FormField, Priority
from desk.selectors import categories_of
from groups.models import Group, Membership
from groups.selectors import members_of, visible_groups
from network.reactions import REACTION_EMOJI
from network.weekly_periods import WeeklyPeriods

CHOICE_KINDS = (FormField.Kind.SINGLE_CHOICE, FormField.Kind.MULTIPLE_CHOICE)
MINUTES = r"\s*(?:m(?:in(?:utes?)?)?)?"
# "4h", "1h30", "1 h 30 min", "1:30", "90", "90 min".
DURATION = re.compile(rf"^(?:(?P<h>\d+)\s*h(?:ours?)?\s*(?P<hm>[0-5]?\d)?{MINUTES}"
                      rf"|(?P<hh>\d+):(?P<mm>[0-5]\d)|(?P<m>\d+){MINUTES})$", re.IGNORECASE)


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def add_service_errors(form: forms.BaseForm, error: ValidationError, aliases=None) -> None:
    """Show a refusal of desk.setup beside the field it names (``aliases`` maps the service's
    names to the form's), or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (aliases or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


# --- Create a desk -----------------------------------------------------------------------------

def manageable_groups(user):
    """Groups ``user`` manages that could become a desk: not archived, not a desk yet."""
    groups = Group.objects.filter(archived_at__isnull=True, desk__isnull=True)
    if not user.is_staff:
        groups = groups.filter(memberships__user=user, memberships__role__in=[
            Membership.Role.OWNER, Membership.Role.ADMIN])
    return groups.order_by("name")


class CreateDeskForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(),
                                   to_field_name="slug", empty_label=None,
                                   help_text=_("Its channel takes the requests, its members "
                                               "may become agents."))
    prefix = forms.CharField(label=_("Ticket prefix"), max_length=12,
                             help_text=_("1 to 12 letters or digits: tickets are numbered "
                                         "IT-1, IT-2…"))
    intake = forms.ChoiceField(label=_("Who may file a request"), choices=Desk.Intake.choices,
                               initial=Desk.Intake.STAFF, widget=forms.RadioSelect)

    def __init__(self, data=None, *, groups, initial=None):
        super().__init__(data, initial=initial)
        self.fields["group"].queryset = groups
        self.fields["prefix"].widget.attrs.update(autocapitalize="characters",
                                                  autocomplete="off", spellcheck="false")


# --- Settings page sections --------------------------------------------------------------------

class GeneralForm(forms.Form):
    intake = forms.ChoiceField(label=_("Who may file a request"), choices=Desk.Intake.choices,
                               widget=forms.RadioSelect)
    every_message_is_request = forms.BooleanField(
        label=_("Every message in the desk's channel is a request"), required=False,
        help_text=_("Each new message (not thread replies) becomes a ticket. Otherwise agents "
                    "turn messages into tickets one by one."))
    priorities_enabled = forms.BooleanField(
        label=_("Requesters choose a priority"), required=False,
        help_text=_("Otherwise requests come in at normal priority, or urgent for an urgent "
                    "category; agents change it."))
    time_zone = forms.ChoiceField(label=_("Time zone"),
                                  help_text=_("Service hours and target times are read in it."))
    urgent_desk = forms.ModelChoiceField(
        label=_("Urgent desk"), queryset=Desk.objects.none(), required=False,
        empty_label=_("None: urgent requests stay here"),
        help_text=_("Urgent requests are filed on this other desk instead, like a separate "
                    "priority channel."))

    def __init__(self, data=None, *, desk: Desk, actor):
        super().__init__(data, initial={
            "intake": desk.intake, "every_message_is_request": desk.every_message_is_request,
            "priorities_enabled": desk.priorities_enabled, "time_zone": desk.time_zone,
            "urgent_desk": desk.urgent_desk_id})
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["urgent_desk"].queryset = (
            Desk.objects.filter(group__in=visible_groups(actor).values("id"),
                                group__archived_at__isnull=True)
            .exclude(pk=desk.pk).select_related("group").order_by("group__name"))
        self.fields["urgent_desk"].label_from_instance = (
            lambda d: f"{d.group.name} ({d.prefix})")


class AddAgentForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Member"), coerce=int)
    on_call = forms.BooleanField(label=_("On call"), required=False)

    def __init__(self, data=None, *, desk: Desk, actor=None):
        super().__init__(data)
        agent_ids = desk.agents.values("user_id")
        members = (members_of(desk.group).filter(user__kind=User.Kind.MEMBER)
                   .exclude(user_id__in=agent_ids))
        self.people = {m.user_id: m.user for m in members}
        self.fields["user"].choices = [("", _("Choose a member"))] + [
            (m.user_id, m.user.display_name) for m in members]


class AgentForm(forms.Form):
    """One agent's row: on call or not, or removed."""

    user = forms.TypedChoiceField(coerce=int)
    on_call = forms.BooleanField(required=False)

    def __init__(self, data=None, *, desk: Desk, actor=None):
        super().__init__(data)
        self.agents = {a.user_id: a.user for a in desk.agents.select_related("user")}
        self.fields["user"].choices = [(pk, person.display_name)
                                       for pk, person in self.agents.items()]


class ServiceHoursForm(forms.Form):
    always_open = forms.BooleanField(
        label=_("Open around the clock"), required=False,
        help_text=_("Clears the periods below: target times then run day and night."))

    def __init__(self, data=None, *, desk: Desk, actor=None):
        super().__init__(data)
        periods = list(desk.service_hours.all())
        self.initial["always_open"] = not periods
        self.weekly = WeeklyPeriods(self, periods, labels=(
            _("%(day)s, period %(number)d, opens"), _("%(day)s, period %(number)d, closes")))

    def days(self):
        return self.weekly.days()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("always_open"):
            return cleaned
        self.weekly.check(
            cleaned, incomplete=_("Give both an opening and a closing time, or leave both "
                                  "empty."),
            refusal=lambda start, end: (_("A period closes after it opens, within one day.")
                                        if start >= end else None))
        return cleaned

    def periods(self):
        if self.cleaned_data.get("always_open"):
            return []
        return self.weekly.periods()


class DurationField(forms.CharField):
    """A target time typed as "4h", "1h30", "1:30" or "90" (minutes); ``None`` when empty."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update(maxlength=20, autocomplete="off", size=8,
                                 placeholder=_("e.g. 4h"))

    def to_python(self, value):
        value = " ".join(str(value or "").split())
        if not value:
            return None
        if value.startswith("-"):
            raise ValidationError(_("A target is a positive duration."), code="negative")
        found = DURATION.match(value)
        if not found:
            raise ValidationError(_("Write a duration like 4h, 1h30, 1:30 or 90 (minutes)."),
                                  code="invalid")
        parts = found.groupdict()
        if parts["m"] is not None:
            minutes = int(parts["m"])
        elif parts["hh"] is not None:
            minutes = int(parts["hh"]) * 60 + int(parts["mm"])
        else:
            minutes = int(parts["h"]) * 60 + int(parts["hm"] or 0)
        if minutes <= 0:
            raise ValidationError(_("A target is a positive duration."), code="negative")
        if minutes > 60 * 24 * 365:
            raise ValidationError(_("A target is at most a year."), code="too_long")
        return minutes

    def prepare_value(self, value):
        return format_minutes(value) if isinstance(value, int) else value


def format_minutes(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


class TargetsForm(forms.Form):
    def __init__(self, data=None, *, desk: Desk, actor=None):
        super().__init__(data)
        saved = {t.priority: t for t in desk.targets.all()}
        self.rows = []
        for priority, label in Priority.choices:
            names = (f"{priority}_first_response", f"{priority}_resolution")
            self.fields[names[0]] = DurationField(
                label=_("%(priority)s: first response") % {"priority": label})
            self.fields[names[1]] = DurationField(
                label=_("%(priority)s: resolution") % {"priority": label})
            target = saved.get(priority)
            if target is not None:
                self.initial[names[0]] = target.first_response_minutes
                self.initial[names[1]] = target.resolution_minutes
            self.rows.append((priority, label, names))

    def table(self):
        return [(label, self[first], self[resolution])
                for _priority, label, (first, resolution) in self.rows]

    def targets(self):
        """(priority, first response minutes, resolution minutes) for each priority."""
        return [(priority, self.cleaned_data[first], self.cleaned_data[resolution])
                for priority, _label, (first, resolution) in self.rows]


class AddCategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    urgent = forms.BooleanField(label=_("Urgent"), required=False,
                                help_text=_("A request in this category is urgent whatever "
                                            "the requester chose."))

    def __init__(self, data=None, *, desk: Desk, actor=None):
        super().__init__(data)


class CategoryForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none())
    name = forms.CharField(label=_("Name"), max_length=80)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    archived = forms.BooleanField(label=_("Archived"), required=False)

    def __init__(self, data=None, *, desk: Desk, actor=None):
        super().__init__(data)
        self.fields["category"].queryset = categories_of(desk, include_archived=True)


class AddRouteForm(forms.Form):
    emoji = forms.ChoiceField(label=_("Emoji"), choices=[(e, e) for e in REACTION_EMOJI])
    target = forms.ModelChoiceField(label=_("Forward to"), queryset=Group.objects.none(),
                                    empty_label=_("Choose a group or desk"))

    def __init__(self, data=None, *, desk: Desk, actor):
        super().__init__(data)
        self.fields["target"].queryset = (
            visible_groups(actor).filter(archived_at__isnull=True).exclude(pk=desk.group_id)
            .select_related("desk").order_by("name"))
        self.fields["target"].label_from_instance = _target_label


def _target_label(group: Group) -> str:
    desk = getattr(group, "desk", None)
    return f"{group.name} ({_('desk')} {desk.prefix})" if desk else group.name


class RemoveRouteForm(forms.Form):
    emoji = forms.CharField(max_length=16)

    def __init__(self, data=None, *, desk: Desk, actor=None):
        super().__init__(data)


# --- Intake form builder -----------------------------------------------------------------------

class IntakeFormForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("What requesters pick, like “My Wi-Fi does not work”."))
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Shown above the form."))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(),
                                      required=False, empty_label=_("None"),
                                      help_text=_("Requests made with this form get it."))
    active = forms.BooleanField(label=_("Offered to requesters"), required=False,
                                initial=True)

    def __init__(self, data=None, *, desk: Desk, intake_form=None):
        initial = None
        if intake_form is not None:
            initial = {"name": intake_form.name, "description": intake_form.description,
                       "category": intake_form.category_id, "active": intake_form.active}
        super().__init__(data, initial=initial)
        categories = categories_of(desk, include_archived=True)
        current = intake_form.category_id if intake_form is not None else None
        self.fields["category"].queryset = categories.filter(
            archived=False) | categories.filter(pk=current)


class FieldForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=FormField.Kind.choices,
                             initial=FormField.Kind.SHORT_TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    options = forms.CharField(label=_("Options, one per line"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("For single and multiple choice fields."))

    def clean(self):
        cleaned = super().clean()
        options = [" ".join(line.split()) for line in cleaned.get("options", "").splitlines()
                   if line.strip()]
        if cleaned.get("kind") in CHOICE_KINDS:
            if len(options) < 2:
                self.add_error("options", _("A choice field needs at least two options."))
            elif len(set(options)) != len(options):
                self.add_error("options", _("Each option appears once."))
        cleaned["choices"] = options
        return cleaned

    def spec(self) -> dict:
        data = self.cleaned_data
        return {"label": data["label"], "kind": data["kind"], "required": data["required"],
                "help_text": data["help_text"], "choices": data["choices"]}


class BaseFieldFormSet(forms.BaseFormSet):
    def specs(self) -> list[dict]:
        """The kept fields in the order asked for; rows without a number come last, and empty
        new rows are left out."""
        return [form.spec() for form in self.ordered_forms]


FieldFormSet = forms.formset_factory(FieldForm, formset=BaseFieldFormSet, extra=2,
                                     can_order=True, can_delete=True, max_num=40,
                                     validate_max=True)


def field_initial(intake_form) -> list[dict]:
    if intake_form is None:
        return []
    return [{"label": f.label, "kind": f.kind, "required": f.required,
             "help_text": f.help_text, "options": "\n".join(f.choices), "ORDER": index}
            for index, f in enumerate(intake_form.fields.all(), start=1)]
