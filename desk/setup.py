"""Every write to a desk's set-up: making a group a desk, its agents, service hours, target
times, categories, intake forms and emoji routes. The group's owners and admins (and
organisation admins) do all of it."""

from __future__ import annotations

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from desk.models import (
    Agent,
    Category,
    Desk,
    EmojiRoute,
    FormField,
    IntakeForm,
    Priority,
    ServiceHours,
    TargetTime,
)
from desk.permissions import check_can_manage_desk
from groups.models import Group
from groups.permissions import check_can_manage, check_not_archived, visible_groups
from groups.selectors import visible_member_group_ids
from network.reactions import REACTION_EMOJI

PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,11}$")
FIELDS_MAX, CHOICES_MAX = 40, 50
DESK_SETTINGS = {"intake", "every_message_is_request", "priorities_enabled", "time_zone",
                 "urgent_desk"}


def _clean_prefix(prefix) -> str:
    prefix = str(prefix or "").strip().upper()
    if not PREFIX.match(prefix):
        raise ValidationError({"prefix": _("A ticket prefix is 1 to 12 letters or digits, "
                                           "starting with a letter (IT, BIO, HR).")})
    return prefix


def create_desk(*, actor: User, group: Group, prefix: str, **settings) -> Desk:
    """Make ``group`` a desk: its channel takes requests from now on."""
    check_can_manage(actor, group)
    check_not_archived(group)
    if Desk.objects.filter(group=group).exists():
        raise ValidationError(_("This group is already a desk."))
    prefix = _clean_prefix(prefix)
    try:
        with transaction.atomic():
            desk = Desk.objects.create(group=group, prefix=prefix)
            return update_desk(actor=actor, desk=desk, **settings) if settings else desk
    except IntegrityError:
        raise ValidationError({"prefix": _("Another desk already uses this prefix.")}) from None


def update_desk(*, actor: User, desk: Desk, **settings) -> Desk:
    check_can_manage_desk(actor, desk)
    unknown = set(settings) - DESK_SETTINGS
    if unknown:
        raise ValidationError(_("Unknown setting: %(names)s.") % {"names": ", ".join(unknown)})
    if "intake" in settings and settings["intake"] not in Desk.Intake.values:
        raise ValidationError({"intake": _("Choose who may file requests.")})
    if "time_zone" in settings:
        from zoneinfo import ZoneInfo, available_timezones

        if settings["time_zone"] not in available_timezones():
            raise ValidationError({"time_zone": _("Unknown time zone.")})
        ZoneInfo(settings["time_zone"])
    urgent = settings.get("urgent_desk")
    if urgent is not None and (urgent.pk == desk.pk
                               or not visible_groups(actor).filter(pk=urgent.group_id).exists()):
        raise ValidationError({"urgent_desk": _("Choose another desk you can see.")})
    for name, value in settings.items():
        setattr(desk, name, value)
    desk.save()
    return desk


def set_agent(*, actor: User, desk: Desk, user: User, on_call: bool = False) -> Agent:
    """Make a member of the desk's group one of its agents (or change their on-call duty)."""
    check_can_manage_desk(actor, desk)
    if not visible_member_group_ids(user).filter(group_id=desk.group_id).exists() \
            or user.is_guest:
        raise ValidationError({"user": _("Agents are staff members of the desk's group.")})
    agent, _created = Agent.objects.update_or_create(desk=desk, user=user,
                                                     defaults={"on_call": bool(on_call)})
    return agent


def remove_agent(*, actor: User, desk: Desk, user: User) -> bool:
    check_can_manage_desk(actor, desk)
    return bool(Agent.objects.filter(desk=desk, user=user).delete()[0])


def set_service_hours(*, actor: User, desk: Desk, periods: list[tuple[int, time, time]]) -> None:
    """Replace the desk's opening periods (none: open around the clock). Tickets already filed
    keep their due times."""
    check_can_manage_desk(actor, desk)
    rows = []
    for weekday, start, end in periods:
        if not (0 <= int(weekday) <= 6) or start >= end:
            raise ValidationError({"service_hours": _("Each period starts before it ends, "
                                                      "within one day.")})
        rows.append(ServiceHours(desk=desk, weekday=int(weekday), start=start, end=end))
    with transaction.atomic():
        ServiceHours.objects.filter(desk=desk).delete()
        ServiceHours.objects.bulk_create(rows)


def set_target(*, actor: User, desk: Desk, priority: str, first_response_minutes: int | None,
               resolution_minutes: int | None) -> TargetTime:
    check_can_manage_desk(actor, desk)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    for name, value in (("first_response_minutes", first_response_minutes),
                        ("resolution_minutes", resolution_minutes)):
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise ValidationError({name: _("A target is a positive number of minutes.")})
    target, _created = TargetTime.objects.update_or_create(
        desk=desk, priority=priority,
        defaults={"first_response_minutes": first_response_minutes,
                  "resolution_minutes": resolution_minutes})
    return target


def save_category(*, actor: User, desk: Desk, name: str, urgent: bool = False,
                  category: Category | None = None, archived: bool = False) -> Category:
    check_can_manage_desk(actor, desk)
    name = " ".join(str(name or "").split())
    if not name or len(name) > 80:
        raise ValidationError({"name": _("A category has a name of 80 characters at most.")})
    if category is not None and category.desk_id != desk.id:
        raise ValidationError(_("This category belongs to another desk."))
    category = category or Category(desk=desk, position=desk.categories.count())
    category.name, category.urgent, category.archived = name, bool(urgent), bool(archived)
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise ValidationError({"name": _("This desk already has a category of this name.")}) \
            from None
    return category


def save_form(*, actor: User, desk: Desk, name: str, fields: list[dict], description: str = "",
              category: Category | None = None, active: bool = True,
              intake_form: IntakeForm | None = None) -> IntakeForm:
    """Create or replace an intake form. ``fields``: dicts of label, kind, required, help_text,
    choices, in order. Tickets already filed keep their answers as they were."""
    check_can_manage_desk(actor, desk)
    name = " ".join(str(name or "").split())
    if not name or len(name) > 120:
        raise ValidationError({"name": _("A form has a name of 120 characters at most.")})
    if category is not None and category.desk_id != desk.id:
        raise ValidationError({"category": _("Choose one of this desk's categories.")})
    if intake_form is not None and intake_form.desk_id != desk.id:
        raise ValidationError(_("This form belongs to another desk."))
    specs = [_clean_field(spec, position) for position, spec in enumerate(fields or [])]
    if len(specs) > FIELDS_MAX:
        raise ValidationError({"fields": _("A form has %(max)s fields at most.")
                               % {"max": FIELDS_MAX}})
    with transaction.atomic():
        intake_form = intake_form or IntakeForm(desk=desk, position=desk.forms.count())
        intake_form.name, intake_form.description = name, str(description or "")[:2000]
        intake_form.category, intake_form.active = category, bool(active)
        intake_form.save()
        FormField.objects.filter(form=intake_form).delete()
        FormField.objects.bulk_create([FormField(form=intake_form, **spec) for spec in specs])
    return intake_form


def _clean_field(spec: dict, position: int) -> dict:
    label = " ".join(str(spec.get("label") or "").split())
    if not label or len(label) > 200:
        raise ValidationError({"fields": _("Field %(n)s needs a label of 200 characters at most.")
                               % {"n": position + 1}})
    kind = spec.get("kind")
    if kind not in FormField.Kind.values:
        raise ValidationError({"fields": _("Field “%(label)s” has an unknown kind.")
                               % {"label": label}})
    choices = [" ".join(str(c).split()) for c in spec.get("choices") or [] if str(c).strip()]
    if kind in (FormField.Kind.SINGLE_CHOICE, FormField.Kind.MULTIPLE_CHOICE):
        if not 2 <= len(choices) <= CHOICES_MAX or len(set(choices)) != len(choices):
            raise ValidationError({"fields": _("Field “%(label)s” needs 2 to %(max)s different "
                                               "options.") % {"label": label,
                                                               "max": CHOICES_MAX}})
    else:
        choices = []
    return {"label": label, "kind": kind, "required": bool(spec.get("required")),
            "help_text": str(spec.get("help_text") or "")[:300], "choices": choices,
            "position": position}


def set_route(*, actor: User, desk: Desk, emoji: str, target: Group) -> EmojiRoute:
    """Reacting with ``emoji`` to a message of the desk's channel will forward it to
    ``target`` (a group the admin can see; a desk's group opens a ticket there)."""
    check_can_manage_desk(actor, desk)
    if emoji not in REACTION_EMOJI:
        raise ValidationError({"emoji": _("Choose one of the offered reactions.")})
    if target.pk == desk.group_id or not visible_groups(actor).filter(pk=target.pk).exists():
        raise ValidationError({"target": _("Choose another group or desk you can see.")})
    route, _created = EmojiRoute.objects.update_or_create(desk=desk, emoji=emoji,
                                                          defaults={"target": target})
    return route


def remove_route(*, actor: User, desk: Desk, emoji: str) -> bool:
    check_can_manage_desk(actor, desk)
    return bool(EmojiRoute.objects.filter(desk=desk, emoji=emoji).delete()[0])
