"""Every write to notifications. Content apps call :func:`notify` with plain data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from groups.models import Group
from groups.selectors import users_who_can_see
from network.realtime import send_event_on_commit, send_events_on_commit, user_stream
from notifications import events
from notifications.models import Notification

Kind = Notification.Kind


@dataclass(frozen=True)
class Target:
    """What a notification points at, described by the content app that sends it."""

    type: str  # "post", "comment", "message", "ticket", "document", "group"
    id: int
    url: str
    title: str = ""
    group_id: int | None = None


def notify(recipients: Iterable[User | int], kind: str, target: Target, actor: User | None = None,
           urgent: bool = False, email: bool = False) -> list[Notification]:
    """Notify ``recipients`` of ``target``; returns the notifications created.

    Nobody is notified of their own action, nor of something they cannot see: when the target
    belongs to a group, recipients who cannot see that group are dropped here, whatever the
    caller passed. ``email`` also sends each of them an email now, in their own language.
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
    recipient_ids = sorted(people.values_list("id", flat=True))
    if not recipient_ids:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create([
            Notification(recipient_id=rid, kind=kind, actor=actor, group_id=target.group_id,
                         target_type=target.type, target_id=target.id, url=target.url,
                         title=target.title[:300], urgent=urgent)
            for rid in recipient_ids
        ])
        send_events_on_commit([(user_stream(n.recipient_id), events.notification_created(n))
                               for n in created])
        if email:
            from notifications.tasks import email_notifications

            notification_ids = [n.id for n in created]
            transaction.on_commit(lambda: email_notifications.enqueue(notification_ids))
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
