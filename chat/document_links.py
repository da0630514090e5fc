"""The messages a library document is attached to, for the document's page
(settings.RELAIS_DOCUMENT_ATTACHMENT_SOURCES; documents imports nothing of chat)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from chat import selectors, services
from chat.models import Message, MessageAttachment
from chat.permissions import visible_conversations


def _url(message: Message) -> str:
    """A reply shown only in its thread is not in the conversation's window: the link opens
    the thread beside its root, as a forwarded message's link does (chat/_forwarded.html)."""
    if message.thread_root_id is None or message.also_in_channel:
        return services.message_url(message)
    root = message.thread_root_id
    return (f"{reverse('chat:conversation', args=[message.conversation_id])}"
            f"?message={root}&thread={root}#message-{message.id}")


def attached_to(user, document) -> list[dict]:
    """``[{"label", "url", "created"}]`` for the messages of conversations ``user`` can see
    that carry ``document``, in one query. Deleted messages are left out (their files are
    detached when they are deleted)."""
    messages = (Message.objects
                .filter(conversation__in=visible_conversations(user), deleted_at__isnull=True,
                        id__in=MessageAttachment.objects.filter(document=document)
                        .values("message_id"))
                .select_related("author", "conversation__group").order_by("created", "id"))
    return [{"label": _("Message by %(author)s in %(conversation)s")
             % {"author": message.author.display_name if message.author
                else _("a former member"),
                "conversation": selectors.conversation_title(message.conversation, user)},
             "url": _url(message), "created": message.created}
            for message in messages]
