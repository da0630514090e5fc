"""The messages a library document is attached to, for the document's page
(settings.RELAIS_DOCUMENT_ATTACHMENT_SOURCES; documents imports nothing of chat)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from chat import selectors, services
from chat.models import Message, MessageAttachment
from chat.permissions import visible_conversations


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
             "url": services.message_url(message), "created": message.created}
            for message in messages]
