"""Background work of chat."""

from django_tasks import task

# Ahead of other work in the queue: a message sent during a big announcement's deliveries
# (notifications.delivery) is findable within seconds, not after them.
INDEX_PRIORITY = 10


@task(priority=INDEX_PRIORITY)
def index_message(message_id: int) -> None:
    """Write a message's search entry as it is now (or remove it once deleted); safe to run
    twice, and in any order with the message's later edits and deletion."""
    from chat.search_index import index_now

    index_now(message_id)
