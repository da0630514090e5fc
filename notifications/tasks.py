"""Background delivery of notifications (email and web push)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from notifications import delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@task()
def deliver_notifications(user_ids: list[int], attempt: int = 1) -> dict:
    """Deliver what has fallen due for these people. Safe to run twice: each delivery locks
    the person's settings and marks what it sent. A person whose email could not be sent is
    tried again later (1, 4, 9, 16 minutes), up to five times."""
    failed, later = [], {}
    for user_id in user_ids:
        try:
            result = delivery.deliver_to(user_id)
        except Exception:
            logger.exception("Delivering notifications to user %s failed (attempt %s)",
                             user_id, attempt)
            failed.append(user_id)
            continue
        if result.email_again_at is not None:
            later.setdefault(result.email_again_at, []).append(user_id)
    backend = deliver_notifications.get_backend()
    if backend.supports_defer:
        for when, ids in later.items():
            deliver_notifications.using(run_after=when).enqueue(ids)
        if failed and attempt < MAX_ATTEMPTS:
            retry_at = timezone.now() + timedelta(minutes=attempt * attempt)
            deliver_notifications.using(run_after=retry_at).enqueue(failed, attempt + 1)
    if failed:
        raise RuntimeError(f"Could not deliver notifications to users {failed}")
    return {"delivered_to": len(user_ids), "waiting": sum(map(len, later.values()))}
