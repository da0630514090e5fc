"""Background work owned by the project itself."""

from django_tasks import task

from network.realtime import prune_events as prune_old_events


@task()
def prune_events() -> int:
    """Delete events older than the retention period; safe to run twice."""
    return prune_old_events()
