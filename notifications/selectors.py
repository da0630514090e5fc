"""Every read of notifications, scoped to the viewer and to the groups they can still see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from groups.selectors import visible_groups
from notifications import schedule
from notifications.models import Mute, Notification, NotificationSettings, WorkingPeriod


def notifications_for(user, *, unread: bool = False,
                      listed: bool = True) -> QuerySet[Notification]:
    """The person's notifications about what they can still see; ``listed`` keeps those shown
    in the app (a kind can be turned off there and still go by email or push)."""
    if not (user.is_authenticated and user.is_active):
        return Notification.objects.none()
    notifications = Notification.objects.filter(recipient=user).filter(
        Q(group__isnull=True) | Q(group__in=visible_groups(user).values("id")))
    if listed:
        notifications = notifications.filter(in_app=True)
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.select_related("actor", "group").order_by("-created", "-id")


def unread_count(user) -> int:
    return notifications_for(user, unread=True).count()


@dataclass
class Entry:
    """Notifications of one kind about one target, shown as one line of the centre:
    "Hugo Bernard and 2 others reacted to your post"."""

    latest: Notification
    notifications: list[Notification] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [n.id for n in self.notifications]

    @property
    def is_unread(self) -> bool:
        return any(n.read_at is None for n in self.notifications)

    @property
    def actors(self) -> list:
        seen, actors = set(), []
        for n in self.notifications:
            if n.actor_id and n.actor_id not in seen:
                seen.add(n.actor_id)
                actors.append(n.actor)
        return actors


def grouped(notifications) -> list[Entry]:
    """Group newest-first notifications by kind and target, keeping the newest-first order."""
    entries: dict[tuple, Entry] = {}
    for n in notifications:
        key = (n.kind, n.target_type, n.target_id)
        if key not in entries:
            entries[key] = Entry(latest=n)
        entries[key].notifications.append(n)
    return list(entries.values())


UNREAD_SHOWN = 200


def centre(user, *, unread_only: bool = False, before_id: int | None = None, size: int = 30):
    """What the notification centre shows: every unread entry first (on the first page), then
    read ones, newest first, keyset-paged by id. Returns (unread, earlier, next_before)."""
    unread = [] if before_id is not None else grouped(
        notifications_for(user, unread=True).order_by("-id")[:UNREAD_SHOWN])
    if unread_only:
        return unread, [], None
    earlier = notifications_for(user).filter(read_at__isnull=False)
    if before_id is not None:
        earlier = earlier.filter(id__lt=before_id)
    rows = list(earlier.order_by("-id")[: size + 1])
    more = len(rows) > size
    return unread, grouped(rows[:size]), rows[size - 1].id if more else None


def page(user, *, unread: bool = False, before_id: int | None = None, size: int = 30):
    """A page of notifications, newest first, keyset-paged by id; and whether more follow."""
    notifications = notifications_for(user, unread=unread)
    if before_id is not None:
        notifications = notifications.filter(id__lt=before_id)
    rows = list(notifications.order_by("-id")[: size + 1])
    return rows[:size], len(rows) > size


def availability_of(users: Iterable, *,
                    at: datetime | None = None) -> dict[int, schedule.Availability]:
    """Whether each person can be reached now (working hours, on call, off duty), so that a
    sender knows before writing. Two queries for any number of people."""
    people = {person.id: person for person in users}
    if not people:
        return {}
    at = at or timezone.now()
    rows = NotificationSettings.objects.in_bulk(list(people))
    periods: dict[int, list[WorkingPeriod]] = defaultdict(list)
    for period in WorkingPeriod.objects.filter(user_id__in=list(people)):
        periods[period.user_id].append(period)
    return {uid: schedule.availability(rows.get(uid), periods[uid], person.time_zone, at)
            for uid, person in people.items()}


def muted_scopes(user, scopes: Iterable[str] | None = None) -> set[str]:
    """Which of ``scopes`` (all when None) ``user`` has muted."""
    if not (user.is_authenticated and user.is_active):
        return set()
    mutes = Mute.objects.filter(user=user)
    if scopes is not None:
        mutes = mutes.filter(scope__in=list(scopes))
    return set(mutes.values_list("scope", flat=True))
