"""Background work of the feed."""

from django_tasks import task


@task()
def push_receipt_counts(post_id: int) -> None:
    """Send an announcement's current counts to its author and admins; safe to run twice."""
    from feed.services import push_receipt_counts as push

    push(post_id)


@task()
def notify_acknowledgement_due(post_id: int) -> None:
    """Tell those who have not acknowledged an announcement that its deadline is near; sends
    nothing twice, nor early (feed.services.notify_acknowledgement_due)."""
    from feed.services import notify_acknowledgement_due as notify

    notify(post_id)
