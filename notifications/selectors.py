"""Every read of notifications, scoped to the viewer and to the groups they can still see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from groups.selectors import visible_groups
from notifications.models import Notification


def notifications_for(user, *, unread: bool = False) -> QuerySet[Notification]:
    if not (user.is_authenticated and user.is_active):
        return Notification.objects.none()
    notifications = Notification.objects.filter(recipient=user).filter(
        Q(group__isnull=True) | Q(group__in=visible_groups(user).values("id")))
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.select_related("actor", "group").order_by("-created", "-id")


def unread_count(user) -> int:
    return notifications_for(user, unread=True).count()


def page(user, *, unread: bool = False, before_id: int | None = None, size: int = 30):
    """A page of notifications, newest first, keyset-paged by id; and whether more follow."""
    notifications = notifications_for(user, unread=unread)
    if before_id is not None:
        notifications = notifications.filter(id__lt=before_id)
    rows = list(notifications.order_by("-id")[: size + 1])
    return rows[:size], len(rows) > size
