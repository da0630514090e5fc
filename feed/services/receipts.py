"""Announcements: reading, acknowledging, reminding, and pushing the live receipt counts to
the announcement's author and the group's admins."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from feed import events, permissions, selectors
from feed.models import Post, Receipt, Reminder
from feed.services._common import Kind, _target
from feed.services.validation import _limit
from groups.models import Membership
from network.realtime import send_events_on_commit, user_stream
from notifications import services as notifications
from notifications.models import Notification


class ReminderTooSoon(Exception):
    """A reminder was sent less than the interval ago; ``next_at`` is when one is allowed."""

    def __init__(self, next_at: datetime):
        super().__init__(_("A reminder was sent recently; the next one is possible at "
                           "%(time)s.") % {"time": timezone.localtime(next_at).strftime("%H:%M")})
        self.next_at = next_at


def _receipt_managers(post: Post) -> set[int]:
    managers = set(Membership.objects.filter(group_id=post.group_id,
                                             role__in=[Membership.Role.OWNER,
                                                       Membership.Role.ADMIN])
                   .values_list("user_id", flat=True))
    if post.author_id:
        managers.add(post.author_id)
    return managers


def _receipt_push_key(post_id: int) -> str:
    return f"feed:receipt-counts:{post_id}"


def push_receipt_counts(post_id: int) -> None:
    # The claim is released before counting: a receipt committed from now on schedules the
    # next push, and one committed before is in these counts (see _send_receipt_counts).
    cache.delete(_receipt_push_key(post_id))
    post = Post.objects.filter(id=post_id).first()
    if post is None:
        return
    counts = selectors.receipt_counts(post)
    event = events.receipts_changed(post, counts=counts)
    with transaction.atomic():
        send_events_on_commit([(user_stream(uid), event)
                               for uid in sorted(_receipt_managers(post))])


def _send_receipt_counts(post: Post) -> None:
    """Have the counts pushed once this reader's receipt is committed.

    At a shift change thousands of people open an all-staff announcement within minutes;
    counting its whole audience for each of them would slow every one down. The counts are
    computed by a task, at most once per interval per announcement: the first reader of an
    interval schedules it for the interval's end, the others find it scheduled.
    """
    post_id = post.id
    if not settings.REDIS_URL:
        # The embedded configuration's in-memory channel layer does not cross processes, so an
        # event pushed by the task worker would never reach this server's sockets: push here.
        transaction.on_commit(lambda: push_receipt_counts(post_id))
        return
    transaction.on_commit(lambda: _schedule_receipt_push(post_id))


def _schedule_receipt_push(post_id: int) -> None:
    """Once a receipt is committed: schedule a push unless one is scheduled and has not yet
    counted. The claim is taken only after the commit and released by the push before it
    counts, so the last receipt is always in a push: claimed at call time and left to expire,
    a receipt committed just after the scheduled push had counted found the claim still there
    and was never pushed (the live dashboard then lagged until the next reader)."""
    from feed.tasks import push_receipt_counts as push_task

    interval = settings.RELAIS_LIMITS["receipt_push_seconds"]
    # A safety net, should the task never run (no worker): pushes resume after this long.
    claim_seconds = max(60, interval * 10)
    if interval and not cache.add(_receipt_push_key(post_id), 1, timeout=claim_seconds):
        return
    task = push_task
    if interval and push_task.get_backend().supports_defer:
        task = push_task.using(run_after=timezone.now() + timedelta(seconds=interval))
    task.enqueue(post_id)


def record_views(*, user: User, post_ids: list[int]) -> list[int]:
    """Record that ``user`` has seen these announcements; returns the ids newly recorded.

    Idempotent: the first time seen is kept. Posts the user cannot see, that are not
    announcements, or whose audience the user is not in are ignored.
    """
    wanted = {int(pk) for pk in post_ids}
    if not wanted:
        return []
    posts = list(selectors.visible_posts(user)
                 .filter(id__in=wanted, kind=Kind.ANNOUNCEMENT,
                         group__in=selectors.my_group_ids(user))
                 .exclude(author=user))
    if not posts:
        return []
    already = set(Receipt.objects.filter(user=user, post__in=posts)
                  .values_list("post_id", flat=True))
    new_posts = [post for post in posts if post.id not in already]
    if not new_posts:
        return []
    now = timezone.now()
    with transaction.atomic():
        Receipt.objects.bulk_create([Receipt(post=post, user=user, seen_at=now)
                                     for post in new_posts], ignore_conflicts=True)
        for post in new_posts:
            _send_receipt_counts(post)
        notifications.mark_targets_read(user=user, target_type="post",
                                        target_ids=[post.id for post in new_posts])
    return [post.id for post in new_posts]


def acknowledge(*, user: User, post: Post) -> Receipt:
    """"I have read and understood": once per person; acknowledging again keeps the first."""
    if not post.requires_ack:
        raise ValidationError(_("This post does not ask for an acknowledgement."))
    if not permissions.is_in_audience(user, post):
        raise PermissionDenied(_("Only members of the group are asked to acknowledge this "
                                 "announcement."))
    now = timezone.now()
    with transaction.atomic():
        Receipt.objects.bulk_create([Receipt(post=post, user=user, seen_at=now)],
                                    ignore_conflicts=True)
        updated = Receipt.objects.filter(post=post, user=user,
                                         acknowledged_at__isnull=True).update(acknowledged_at=now)
        if updated:
            _send_receipt_counts(post)
            notifications.mark_targets_read(user=user, target_type="post", target_ids=[post.id])
    return Receipt.objects.get(post=post, user=user)


def next_reminder_at(post: Post) -> datetime | None:
    """When a reminder may be sent next; None when one may be sent now."""
    last = post.reminders.order_by("-sent_at").values_list("sent_at", flat=True).first()
    if last is None:
        return None
    next_at = last + timedelta(minutes=_limit("reminder_interval_minutes"))
    return next_at if next_at > timezone.now() else None


def remind(*, actor: User, post: Post) -> Reminder:
    """Notify (in the app and by email) everyone in the audience who has not yet seen, or
    not yet acknowledged, the announcement. At most once per interval per announcement."""
    permissions.check_can_see_receipts(actor, post)
    with transaction.atomic():
        # Two admins clicking at once: the row lock makes the second one wait, then refuse.
        Post.objects.select_for_update().filter(id=post.id).first()
        next_at = next_reminder_at(post)
        if next_at is not None:
            raise ReminderTooSoon(next_at)
        recipients = list(selectors.not_yet_done(post).exclude(user=actor)
                          .values_list("user_id", flat=True))
        if not recipients:
            raise ValidationError(_("Everyone in the audience has already done it."))
        reminder = Reminder.objects.create(post=post, sent_by=actor,
                                           recipient_count=len(recipients))
        notifications.notify(recipients, Notification.Kind.ANNOUNCEMENT_REMINDER, _target(post),
                             actor=actor, urgent=post.urgent, email=True)
    return reminder
