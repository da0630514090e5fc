"""How and when each notification reaches its person: the plan made when it is created, and
the delivery of email and push when it falls due.

In the app a notification shows at once, whatever the hour: nobody is woken by a list they
must open. Email and push interrupt, so outside working hours (or off duty) they are held and
go out together, in one digest, when the person is back; urgent ones go at once. Email is also
batched: at most one message per ``email_interval_minutes``, a digest of what came meanwhile.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import preferences, schedule
from notifications.models import (
    GroupLevel,
    Mute,
    Notification,
    NotificationSettings,
    PushSubscription,
    WorkingPeriod,
)

logger = logging.getLogger(__name__)

# Held with no end in sight (off duty until further notice): rescheduled when that changes.
HELD = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Plan:
    in_app: bool
    email_due: datetime | None
    push_due: datetime | None


@dataclass
class Choices:
    """Everything about the recipients' choices that one notify() needs, in five queries."""

    settings: dict[int, NotificationSettings]
    periods: dict[int, list[WorkingPeriod]]
    levels: dict[int, str]
    muted: set[int]
    pushable: set[int]

    @classmethod
    def load(cls, user_ids: list[int], *, group_id: int | None, scope: str) -> Choices:
        periods: dict[int, list[WorkingPeriod]] = defaultdict(list)
        for period in WorkingPeriod.objects.filter(user_id__in=user_ids):
            periods[period.user_id].append(period)
        levels = {} if group_id is None else dict(
            GroupLevel.objects.filter(user_id__in=user_ids, group_id=group_id)
            .values_list("user_id", "level"))
        muted = set() if not scope else set(
            Mute.objects.filter(user_id__in=user_ids, scope=scope)
            .values_list("user_id", flat=True))
        return cls(
            settings=NotificationSettings.objects.in_bulk(user_ids),
            periods=periods, levels=levels, muted=muted,
            pushable=set(PushSubscription.objects.filter(user_id__in=user_ids)
                         .values_list("user_id", flat=True)))

    def plan(self, user_id: int, tz_name: str, kind: str, *, urgent: bool,
             email_by_default: bool, now: datetime) -> Plan | None:
        """None when this person hears nothing of it."""
        if not preferences.group_allows(self.levels.get(user_id), kind, urgent=urgent):
            return None
        if not preferences.mute_allows(user_id in self.muted, kind, urgent=urgent):
            return None
        row = self.settings.get(user_id)
        overrides = row.channels if row else {}
        channels = preferences.channels_for(overrides, kind)
        if email_by_default and "email" not in (overrides.get(kind) or {}):
            channels["email"] = True
        if urgent:
            channels["in_app"] = True  # an urgent one is never only in a mailbox
        channels["push"] = channels["push"] and user_id in self.pushable
        if not any(channels.values()):
            return None
        due = now if urgent else (schedule.next_delivery(row, self.periods[user_id], tz_name,
                                                         now) or HELD)
        return Plan(in_app=channels["in_app"], email_due=due if channels["email"] else None,
                    push_due=due if channels["push"] else None)


def schedule_on_commit(notifications: list[Notification], *, now: datetime) -> None:
    """Queue delivery of what is due now and, where the task backend can wait, of what is
    held. ``manage.py deliver_notifications`` catches up on anything a backend could not defer."""
    by_time: dict[datetime, set[int]] = defaultdict(set)
    for n in notifications:
        for due in (n.email_due, n.push_due):
            if due is not None and due != HELD:
                by_time[max(due, now)].add(n.recipient_id)
    if by_time:
        transaction.on_commit(lambda: _enqueue(by_time, now))


# People per delivery task. An announcement to 10,000 people was one task that kept a worker
# busy for minutes (about 20 ms a person): in batches, several workers share it.
DELIVERY_BATCH = 200


def _enqueue(by_time: dict[datetime, set[int]], now: datetime) -> None:
    from notifications.tasks import deliver_notifications

    deferrable = deliver_notifications.get_backend().supports_defer
    for when, user_ids in sorted(by_time.items()):
        ids = sorted(user_ids)
        for start in range(0, len(ids), DELIVERY_BATCH):
            batch = ids[start:start + DELIVERY_BATCH]
            if when <= now:
                deliver_notifications.enqueue(batch)
            elif deferrable:
                deliver_notifications.using(run_after=when).enqueue(batch)


def email_due(now: datetime):
    return Notification.objects.filter(email_due__lte=now, emailed_at__isnull=True)


def push_due(now: datetime):
    return Notification.objects.filter(push_due__lte=now, pushed_at__isnull=True)


def pending_email(user_id: int, now: datetime):
    return email_due(now).filter(recipient_id=user_id)


def pending_push(user_id: int, now: datetime):
    return push_due(now).filter(recipient_id=user_id)


def recipients_due(now: datetime) -> list[int]:
    """Everyone with an email or a push that has fallen due (``deliver_notifications``)."""
    return sorted(set(email_due(now).values_list("recipient_id", flat=True))
                  | set(push_due(now).values_list("recipient_id", flat=True)))


@dataclass
class Delivered:
    emailed: int = 0
    pushed: int = 0
    email_again_at: datetime | None = None


def deliver_to(user_id: int, *, now: datetime | None = None) -> Delivered:
    """Send this person what has fallen due: one email (a digest when several) and one push.

    The person's settings row is locked while email is sent and marked, so two workers never
    send the same notification twice; if the email fails, nothing is marked and the retry sends
    it all. Pushes are claimed under the lock and sent once it is released.
    """
    from notifications import email, push
    from notifications.selectors import notifications_for

    now = now or timezone.now()
    result = Delivered()
    NotificationSettings.objects.get_or_create(user_id=user_id)
    with transaction.atomic():
        row = (NotificationSettings.objects.select_for_update().select_related("user")
               .get(user_id=user_id))
        user = row.user
        visible = notifications_for(user, listed=False).values("id")
        # Read in the app already, or about a group no longer visible: not worth a message.
        pending_email(user_id, now).filter(~Q(id__in=visible) | Q(read_at__isnull=False)).update(
            emailed_at=now)
        pending_push(user_id, now).filter(~Q(id__in=visible) | Q(read_at__isnull=False)).update(
            pushed_at=now)
        due_email = list(pending_email(user_id, now).select_related("actor", "group")
                         .order_by("created", "id"))
        if due_email and user.is_active:
            next_allowed = (row.last_email_at + timedelta(minutes=row.email_interval_minutes)
                            if row.last_email_at else now)
            if next_allowed > now and not any(n.urgent for n in due_email):
                result.email_again_at = next_allowed
            else:
                email.send(user, due_email)
                Notification.objects.filter(id__in=[n.id for n in due_email]).update(
                    emailed_at=now)
                row.last_email_at = now
                row.save(update_fields=["last_email_at"])
                result.emailed = len(due_email)
        due_push = list(pending_push(user_id, now).select_related("actor", "group")
                        .order_by("created", "id"))
        # Claimed under the lock, sent after it: push is best effort (a browser that missed
        # it still has the centre), and a slow push service must not hold the lock.
        if due_push:
            Notification.objects.filter(id__in=[n.id for n in due_push]).update(pushed_at=now)
        previews = row.push_previews
    if due_push and user.is_active:
        push.send(user, due_push, previews=previews)
        result.pushed = len(due_push)
    return result


def reschedule_held(user, *, now: datetime | None = None) -> int:
    """After a change of hours or duty, move what is held to the person's new return time
    (or deliver it now if they are reachable). Returns how many notifications moved."""
    now = now or timezone.now()
    row = NotificationSettings.objects.filter(user=user).first()
    periods = list(WorkingPeriod.objects.filter(user=user))
    due = schedule.next_delivery(row, periods, user.time_zone, now) or HELD
    held = Notification.objects.filter(recipient=user, urgent=False)
    moved = (held.filter(email_due__gt=now, emailed_at__isnull=True).update(email_due=due)
             + held.filter(push_due__gt=now, pushed_at__isnull=True).update(push_due=due))
    if moved and due != HELD:
        _enqueue({due: {user.id}}, now)
    return moved
