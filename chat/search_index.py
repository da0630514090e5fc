"""What chat gives search: messages, as plain data (search imports no content app).

A channel's messages belong to its group; a direct conversation's have no group, and their
audience (``conversation:<id>``) lists its people. Deleted messages are not findable. Used by
chat.services on commit and by search_reindex.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

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
    """Index a message as committed (a message deleted meanwhile is not indexed)."""
    message_id = message.id

    def committed() -> Document | None:
        found = (Message.objects.select_related("conversation")
                 .filter(id=message_id, deleted_at__isnull=True).first())
        return message_document(found, found.conversation) if found else None

    search.index_later(committed)


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
