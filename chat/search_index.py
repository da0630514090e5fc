"""What chat gives search: messages, as plain data (search imports no content app).

A channel's messages belong to its group; a direct conversation's have no group, and their
audience (``conversation:<id>``) lists its people. Deleted messages are not findable. Used by
chat.services (through chat.tasks) and by search_reindex.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from django.db import transaction
from django.urls import reverse

from chat.models import Conversation, Message, Participant
from search import services as search
from search.services import Document
from search.text import from_html

KINDS = ("message",)


def audience_key(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def message_document(message: Message, conversation: Conversation) -> Document:
    channel = conversation.kind == Conversation.Kind.CHANNEL
    url = f"{reverse('chat:conversation', args=[conversation.id])}?message={message.id}"
    return Document(kind="message", object_id=message.id,
                    group_id=conversation.group_id if channel else None,
                    author_id=message.author_id, title="", body=from_html(message.body_html),
                    created=message.created, url=url,
                    audience=None if channel else audience_key(conversation.id),
                    extra={"conversation_id": conversation.id,
                           **({"thread_id": message.thread_root_id}
                              if message.thread_root_id else {})})


def index_message(message: Message) -> None:
    """Index a message through a task enqueued in the caller's transaction.

    Not on commit in the sending process: a message's readers are told first, and the index
    entry (a second transaction, its commit and the text's parsing) was a third of a send's
    time there, competing with the delivery to sockets for the process (bench/chat.py). The
    task row commits with the message, so a crash right after cannot leave it unindexed; the
    task worker writes the entry within its polling interval.
    """
    from chat.tasks import index_message as index_task

    index_task.enqueue(message.id)


def index_now(message_id: int) -> None:
    """The message's entry as committed. Its row is locked while the entry is written, so a
    deletion committing meanwhile waits and then removes the entry, never the reverse."""
    with transaction.atomic():
        found = (Message.objects.select_for_update(of=("self",)).select_related("conversation")
                 .filter(id=message_id).first())
        if found is None or found.is_deleted:
            search.unindex("message", [message_id])
        else:
            search.index_many([message_document(found, found.conversation)])


def unindex_message(message_id: int) -> None:
    search.unindex_on_commit("message", [message_id])


def set_participants(conversation: Conversation, user_ids: list[int]) -> None:
    """Who finds a direct conversation's messages: its people."""
    search.set_audience_on_commit(audience_key(conversation.id), user_ids)


# --- search_reindex ------------------------------------------------------------------------

def _messages():
    return Message.objects.filter(deleted_at__isnull=True)


def search_count(kind: str) -> int:
    return _messages().count()


def search_documents(kind: str) -> Iterator[Document]:
    messages = _messages().select_related("conversation").order_by("id")
    for message in messages.iterator(chunk_size=1000):
        yield message_document(message, message.conversation)


def search_audiences() -> Iterator[tuple[str, list[int]]]:
    rows = (Participant.objects.filter(conversation__kind=Conversation.Kind.DIRECT)
            .order_by("conversation_id", "user_id").values_list("conversation_id", "user_id"))
    for conversation_id, people in groupby(rows.iterator(chunk_size=5000),
                                           key=lambda row: row[0]):
        yield audience_key(conversation_id), [user_id for _id, user_id in people]
