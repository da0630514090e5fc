"""Event builders for chat (docs/realtime.md). JSON-only payloads.

Message events carry the message itself: they go only to streams whose listeners can see the
conversation (the group's stream for a channel, each person's stream for a direct one).
"""

from django.urls import reverse

from chat.models import Message


def _thread_participants(message: Message) -> list[dict]:
    if not message.reply_count:
        return []
    if not hasattr(message, "thread_participants"):
        from chat.selectors import attach_thread_participants

        attach_thread_participants([message])
    return [{"id": person.id, "display_name": person.display_name}
            for person in message.thread_participants]


def _attachments(message: Message) -> list[dict]:
    """Its files, documents of the group's library: what they are and where to get them (after
    the library's access check)."""
    from chat.selectors import attachments_of

    rows = []
    for attachment in attachments_of(message):
        document, version = attachment.document, attachment.document.current_version
        rows.append({
            "id": attachment.id, "document_id": document.id, "name": document.name,
            "size": version.size, "content_type": version.content_type,
            "is_image": version.is_image,
            "url": reverse("documents:download", args=[document.id]),
            "document_url": reverse("documents:detail", args=[document.id]),
            "download_url": reverse("api:download_document", args=[document.id]),
        })
    return rows


def message_payload(message: Message) -> dict:
    deleted = message.is_deleted
    author = message.author
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "author": {"id": author.id, "display_name": author.display_name} if author else None,
        "client_id": message.client_id,
        "body": "" if deleted else message.body,
        "body_html": "" if deleted else message.body_html,
        "thread_root_id": message.thread_root_id,
        "also_in_channel": message.also_in_channel,
        "reply_count": message.reply_count,
        "thread_participants": _thread_participants(message),
        "urgent": message.urgent,
        "created": message.created.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
        "attachments": _attachments(message),
    }


def message_created(message: Message) -> dict:
    return {"type": "message.created", "message": message_payload(message)}


def message_updated(message: Message) -> dict:
    return {"type": "message.updated", "message": message_payload(message)}


def message_deleted(message: Message) -> dict:
    return {"type": "message.deleted", "message": {"id": message.id,
                                                   "conversation_id": message.conversation_id,
                                                   "seq": message.seq}}


def reaction_changed(message: Message, *, counts: dict[str, int]) -> dict:
    return {"type": "reaction.changed", "message_id": message.id,
            "conversation_id": message.conversation_id, "counts": counts}


def conversation_read(*, conversation_id: int, user_id: int, last_read_seq: int) -> dict:
    return {"type": "conversation.read", "conversation_id": conversation_id,
            "user_id": user_id, "last_read_seq": last_read_seq}


def typing_started(*, conversation_id: int, user_id: int, display_name: str,
                   thread_root_id: int | None) -> dict:
    """Ephemeral: pushed through the channel layer, never stored nor replayed."""
    return {"type": "typing.started", "conversation_id": conversation_id, "user_id": user_id,
            "display_name": display_name, "thread_root_id": thread_root_id}
