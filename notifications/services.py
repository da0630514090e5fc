"""Every write to notifications. Content apps call :func:`notify` with plain data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from groups.models import Group
from groups.selectors import users_who_can_see
from network.realtime import send_event_on_commit, send_events_on_commit, user_stream
from notifications import delivery, events, preferences
from notifications.models import (
    GroupLevel,
    Mute,
    Notification,
    NotificationSettings,
    PushSubscription,
    WorkingPeriod,
)

Kind = Notification.Kind
MIN_EMAIL_INTERVAL, MAX_EMAIL_INTERVAL = 0, 24 * 60


@dataclass(frozen=True)
class Target:
    """What a notification points at, described by the content app that sends it."""

    type: str  # "post", "comment", "message", "ticket", "document", "group"
    id: int
    url: str
    title: str = ""
    group_id: int | None = None
    # What a person can mute to silence this, named by the content app: "conversation:42".
    scope: str = ""


def notify(recipients: Iterable[User | int], kind: str, target: Target, actor: User | None = None,
           urgent: bool = False, email: bool = False) -> list[Notification]:
    """Notify ``recipients`` of ``target``; returns the notifications created.

    Nobody is notified of their own action, nor of something they cannot see: when the target
    belongs to a group, recipients who cannot see that group are dropped here, whatever the
    caller passed. Each person's choices then apply: the group's level, a muted conversation,
    the channels of this kind, and working hours, which hold email and push until the person
    is back unless ``urgent``. ``email`` turns email on for people who have not chosen about
    this kind (a reminder is worth an email by default).
    """
    ids = {r.id if isinstance(r, User) else int(r) for r in recipients}
    if actor is not None:
        ids.discard(actor.id)
    if not ids:
        return []
    people = User.objects.filter(id__in=ids, is_active=True)
    if target.group_id is not None:
        group = Group.objects.filter(id=target.group_id).first()
        if group is None:
            return []
        people = people.filter(id__in=users_who_can_see(group).values("id"))
    recipients_tz = dict(people.order_by("id").values_list("id", "time_zone"))
    if not recipients_tz:
        return []
    now = timezone.now()
    choices = delivery.Choices.load(list(recipients_tz), group_id=target.group_id,
                                    scope=target.scope)
    rows = []
    for rid, tz_name in recipients_tz.items():
        plan = choices.plan(rid, tz_name, kind, urgent=urgent, email_by_default=email, now=now)
        if plan is None:
            continue
        rows.append(Notification(
            recipient_id=rid, kind=kind, actor=actor, group_id=target.group_id,
            target_type=target.type, target_id=target.id, url=target.url,
            title=target.title[:300], urgent=urgent, scope=target.scope, in_app=plan.in_app,
            email_due=plan.email_due, push_due=plan.push_due))
    if not rows:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        send_events_on_commit([(user_stream(n.recipient_id), events.notification_created(n))
                               for n in created if n.in_app])
        delivery.schedule_on_commit(created, now=now)
    return created


def mark_read(*, user: User, ids: Iterable[int]) -> int:
    with transaction.atomic():
        count = (Notification.objects
                 .filter(recipient=user, id__in=list(ids), read_at__isnull=True)
                 .update(read_at=timezone.now()))
        if count:
            send_event_on_commit(user_stream(user.id), events.notification_read(user))
    return count


def mark_all_read(*, user: User) -> int:
    with transaction.atomic():
        count = (Notification.objects.filter(recipient=user, read_at__isnull=True)
                 .update(read_at=timezone.now()))
        if count:
            send_event_on_commit(user_stream(user.id), events.notification_read(user))
    return count


def mark_targets_read(*, user: User, target_type: str, target_ids: Iterable[int]) -> int:
    """Seeing a post or message reads the notifications that pointed at it."""
    ids = list(Notification.objects.filter(recipient=user, target_type=target_type,
                                           target_id__in=list(target_ids), read_at__isnull=True)
               .values_list("id", flat=True))
    return mark_read(user=user, ids=ids) if ids else 0


def withdraw(*, target_type: str, target_ids: Iterable[int]) -> int:
    """Delete the notifications about deleted content, so none points at nothing."""
    deleted, _ = Notification.objects.filter(target_type=target_type,
                                             target_id__in=list(target_ids)).delete()
    return deleted


# --- Choices --------------------------------------------------------------------------------------

def settings_for(user: User) -> NotificationSettings:
    row, _ = NotificationSettings.objects.get_or_create(user=user)
    return row


def update_settings(*, user: User, channels: dict[str, dict[str, bool]] | None = None,
                    email_interval_minutes: int | None = None, push_previews: bool | None = None,
                    duty: str | None = None, duty_until=None,
                    working_periods: list[tuple[int, time, time]] | None = None,
                    now=None) -> NotificationSettings:
    """Change a person's choices; anything held is rescheduled to their new return time.

    ``channels`` is the whole table ({kind: {channel: bool}}); only what differs from the
    defaults is stored. ``working_periods`` replaces every period ([] means always reachable).
    ``duty_until`` only counts with an on-call or off-duty ``duty``.
    """
    now = now or timezone.now()
    errors = {}
    if email_interval_minutes is not None and not (
            MIN_EMAIL_INTERVAL <= email_interval_minutes <= MAX_EMAIL_INTERVAL):
        errors["email_interval_minutes"] = _(
            "Choose between %(min)d and %(max)d minutes.") % {"min": MIN_EMAIL_INTERVAL,
                                                              "max": MAX_EMAIL_INTERVAL}
    if duty is not None and duty not in NotificationSettings.Duty.values:
        errors["duty"] = _("Choose on call, off duty or your working hours.")
    if duty_until is not None and duty_until <= now:
        errors["duty_until"] = _("The end of this status must be in the future.")
    if working_periods is not None:
        for weekday, start, end in working_periods:
            if not 0 <= weekday <= 6:
                errors["working_periods"] = _("Days are numbered 0 (Monday) to 6 (Sunday).")
            elif start == end:
                errors["working_periods"] = _("A working period must start and end at "
                                              "different times.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = (NotificationSettings.objects.select_for_update()
               .get_or_create(user=user)[0])
        if channels is not None:
            row.channels = preferences.clean_overrides(channels)
        if email_interval_minutes is not None:
            row.email_interval_minutes = email_interval_minutes
        if push_previews is not None:
            row.push_previews = push_previews
        if duty is not None:
            row.duty = duty
            row.duty_until = None if duty == NotificationSettings.Duty.SCHEDULE else duty_until
        row.save()
        if working_periods is not None:
            WorkingPeriod.objects.filter(user=user).delete()
            WorkingPeriod.objects.bulk_create([
                WorkingPeriod(user=user, weekday=weekday, start=start, end=end)
                for weekday, start, end in sorted(set(working_periods))])
        transaction.on_commit(lambda: delivery.reschedule_held(user))
    return row


def unsubscribe_email(*, user: User, kind: str) -> NotificationSettings:
    """The one-click link of an email: no more email of this kind ("*": of any kind)."""
    with transaction.atomic():
        row = NotificationSettings.objects.select_for_update().get_or_create(user=user)[0]
        table = preferences.all_channels(row.channels)
        for each in (Kind.values if kind == "*" else [kind]):
            table[each]["email"] = False
        row.channels = preferences.clean_overrides(table)
        row.save(update_fields=["channels", "updated"])
    return row


def set_group_level(*, user: User, group: Group, level: str) -> None:
    if level not in GroupLevel.Level.values:
        raise ValidationError({"level": _("Choose everything, mentions and announcements only, "
                                          "or nothing.")})
    if level == GroupLevel.Level.ALL:
        GroupLevel.objects.filter(user=user, group=group).delete()
    else:
        GroupLevel.objects.update_or_create(user=user, group=group, defaults={"level": level})


def set_muted(*, user: User, scope: str, muted: bool, label: str = "", url: str = "") -> bool:
    """Mute or unmute a scope a content app names (a conversation). Returns whether muted."""
    if muted:
        Mute.objects.update_or_create(user=user, scope=scope,
                                      defaults={"label": label[:200], "url": url[:500]})
    else:
        Mute.objects.filter(user=user, scope=scope).delete()
    return muted


def subscribe_push(*, user: User, endpoint: str, p256dh: str, auth: str,
                   user_agent: str = "") -> PushSubscription:
    """Register a browser; the same endpoint moves to whoever subscribed it last (a shared
    ward computer)."""
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth,
                                     "user_agent": user_agent[:300]})
    return subscription


def unsubscribe_push(*, user: User, endpoint: str) -> bool:
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)
