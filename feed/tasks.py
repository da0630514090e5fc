"""Background work of the feed."""

from django_tasks import task


@task()
def push_receipt_counts(post_id: int) -> None:
    """Send an announcement's current counts to its author and admins; safe to run twice."""
    from feed.services import push_receipt_counts as push

    push(post_id)
