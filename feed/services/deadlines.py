"""Announcements: telling the audience that the acknowledgement deadline is near.

The notice is queued when an announcement is created or its deadline moves (posts.py calls
``_schedule_ack_due_notice`` and ``_ack_due_notice_state``), sent by the
``notify_acknowledgement_due`` task, and swept by the ``notify_due_acknowledgements`` command.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from feed import selectors
from feed.models import Post
from feed.services._common import _target
from notifications import services as notifications
from notifications.models import Notification

# What update_post may change that moves when "the deadline is near" is due.
DEADLINE_FIELDS = frozenset({"kind", "requires_ack", "ack_deadline"})


def ack_due_notice_at(post: Post) -> datetime | None:
    """When the audience is told that the acknowledgement deadline is near; None without one."""
    if not (post.requires_ack and post.ack_deadline):
        return None
    return post.ack_deadline - timedelta(hours=settings.RELAIS_ACK_DUE_NOTICE_HOURS)


def _ack_due_notice_state(post: Post, changed: list[str]) -> datetime | None:
    """Inside update_post's transaction: the notice's record to save with the post. A new
    deadline far enough away earns a notice of its own; otherwise the stored record is kept
    (read under lock: a notice sent since the post was loaded must not be forgotten)."""
    notice_at = ack_due_notice_at(post)
    if (DEADLINE_FIELDS & set(changed) and notice_at is not None
            and notice_at > timezone.now()):
        return None
    return (Post.objects.select_for_update().filter(id=post.id)
            .values_list("ack_due_notified_at", flat=True).first())


def _schedule_ack_due_notice(post: Post) -> None:
    """Queue the notice for its time once the post is committed: at once when that time has
    come, deferred when the task backend can wait. Otherwise (or if the task is lost) the
    ``notify_due_acknowledgements`` command, run by cron, sends it."""
    from feed.tasks import notify_acknowledgement_due as notice_task

    notice_at = ack_due_notice_at(post)
    if notice_at is None:
        return
    post_id = post.id
    if notice_at <= timezone.now():
        transaction.on_commit(lambda: notice_task.enqueue(post_id))
    elif notice_task.get_backend().supports_defer:
        transaction.on_commit(lambda: notice_task.using(run_after=notice_at).enqueue(post_id))


def notify_acknowledgement_due(post: Post | int, *, now: datetime | None = None) -> int:
    """Tell the audience members who have not acknowledged a required announcement that its
    deadline is near; returns how many were notified.

    Once per announcement, whoever calls first (the deferred task, the cron sweep, a retry):
    the post's row is locked and the notice recorded on it. Nothing goes out before the
    notice time of the current deadline (it may have moved since the task was queued), nor
    once the deadline has passed, nor for a deleted post.
    """
    post_id = post.id if isinstance(post, Post) else int(post)
    now = now or timezone.now()
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(id=post_id).first()
        notice_at = ack_due_notice_at(post) if post is not None else None
        if (notice_at is None or post.ack_due_notified_at is not None or notice_at > now
                or post.ack_deadline <= now):
            return 0
        post.ack_due_notified_at = now
        post.save(update_fields=["ack_due_notified_at"])
        recipients = list(selectors.not_yet_done(post).values_list("user_id", flat=True))
        created = notifications.notify(recipients, Notification.Kind.ACKNOWLEDGEMENT_DUE,
                                       _target(post), urgent=post.urgent)
    return len(created)
