"""A message reaches the search index through a task committed with it (chat.tasks)."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from chat import search_index, services
from search.models import Entry

QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def entry_of(message):
    return Entry.objects.filter(kind="message", object_id=message.id).first()


def run_worker():
    """What db_worker does with each waiting task (the command itself closes the database
    connection, which a test's transaction cannot survive)."""
    for row in DBTaskResult.objects.order_by("enqueued_at"):
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()


@pytest.fixture
def queued_tasks(settings):
    """Tasks wait in the database for a worker, as in production."""
    settings.TASKS = QUEUED


def test_the_sender_stores_a_task_and_the_worker_writes_the_entry(queued_tasks, member,
                                                                   channel):
    message, _ = services.send_message(author=member, conversation=channel,
                                       body="Sepsis au box 2")
    assert entry_of(message) is None  # not written by the sending process
    task = DBTaskResult.objects.get(task_path="chat.tasks.index_message")
    assert task.args_kwargs["args"] == [message.id]
    run_worker()
    entry = entry_of(message)
    assert entry is not None and "Sepsis au box 2" in entry.body
    assert entry.group_id == channel.group_id


def test_a_send_that_fails_leaves_no_task(queued_tasks, member, channel):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.send_message(author=member, conversation=channel, body="Jamais envoyé")
        raise RuntimeError("the caller's transaction fails after the send")
    assert not DBTaskResult.objects.exists()


def test_an_edit_is_indexed_again_and_a_deletion_before_the_worker_leaves_no_entry(
        queued_tasks, member, channel):
    kept, _ = services.send_message(author=member, conversation=channel, body="Premier texte")
    removed, _ = services.send_message(author=member, conversation=channel, body="Erreur")
    services.edit_message(actor=member, message=kept, body="Texte corrigé")
    services.delete_message(actor=member, message=removed)
    run_worker()
    assert "Texte corrigé" in entry_of(kept).body
    assert entry_of(removed) is None


def test_indexing_a_message_deleted_since_removes_its_entry(member, channel):
    # Tests run tasks at once: the entry is written by the send itself.
    message, _ = services.send_message(author=member, conversation=channel, body="Sepsis")
    assert entry_of(message) is not None
    type(message).objects.filter(pk=message.pk).update(deleted_at=message.created)
    search_index.index_now(message.id)
    assert entry_of(message) is None
    search_index.index_now(10**9)  # gone altogether: nothing to do, no error


def test_the_worker_indexes_a_message_before_earlier_deliveries(queued_tasks, member, channel):
    """A big announcement's deliveries queued first do not hold up a message's search entry."""
    from notifications.tasks import deliver_notifications

    deliver_notifications.enqueue([member.id])
    message, _ = services.send_message(author=member, conversation=channel, body="Box 3 libre")
    first = DBTaskResult.objects.first()  # the worker's order: priority, then time
    assert first.task_path == "chat.tasks.index_message"
    assert first.args_kwargs["args"] == [message.id]
