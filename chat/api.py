"""/api/v1/ conversations and messages: thin adapters over chat.services and chat.selectors
(docs/api.md, "Chat"). Messages come out as the socket sends them (chat.events)."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Status

from chat import events, permissions, selectors, services
from chat.models import Conversation, Message, MessageReaction
from chat.schemas import (
    BIGINT_MAX,
    ConversationDetailOut,
    ConversationList,
    DirectIn,
    EditList,
    HistoryOut,
    MessageIn,
    MessageOut,
    MessagePatch,
    MuteOut,
    ReactionIn,
    ReactionsOut,
    ReadIn,
    ReadOut,
    ThreadOut,
    reaction_summary,
)

router = Router(tags=["chat"])


# --- Helpers ---------------------------------------------------------------------------------

def _limit(limit: int) -> int:
    return max(1, min(limit, settings.RELAIS_LIMITS["api_page_size"]))


def _out(message: Message, user) -> dict:
    return {**events.message_payload(message), "reactions": reaction_summary(message, user)}


def _with_reactions(*messages: Message) -> None:
    prefetch_related_objects(list(messages), Prefetch(
        "reactions", queryset=MessageReaction.objects.select_related("user")
        .order_by("created", "id")))


def _conversation_out(user, conversation: Conversation) -> Conversation:
    """With the counts of the sidebar when it is one of mine; without them otherwise."""
    mine = (selectors.my_conversations(user).filter(id=conversation.id)
            .prefetch_related("participants__user").first())
    if mine is not None:
        return mine
    prefetch_related_objects([conversation], "participants__user")
    return conversation


# --- Conversations ---------------------------------------------------------------------------

@router.get("/conversations", response=ConversationList, summary="My conversations")
def list_conversations(request):
    """The channels of my groups and my direct conversations, most recent first, with unread
    and mention counts."""
    conversations = selectors.my_conversations(request.auth).prefetch_related(
        "participants__user")
    return {"items": list(conversations)}


@router.post("/conversations/direct", response={200: ConversationDetailOut,
                                                201: ConversationDetailOut},
             summary="Start a direct conversation, or find the existing one")
def start_direct(request, payload: DirectIn):
    """201 when it is new, 200 with the existing conversation of the same people."""
    conversation, created = services.start_direct(user=request.auth, user_ids=payload.user_ids)
    return Status(201 if created else 200, _conversation_out(request.auth, conversation))


@router.get("/conversations/{int:conversation_id}", response=ConversationDetailOut,
            summary="One conversation")
def get_conversation(request, conversation_id: int):
    conversation = permissions.access_conversation(request.auth, conversation_id)
    return _conversation_out(request.auth, conversation)


@router.get("/conversations/{int:conversation_id}/messages", response=HistoryOut,
            summary="A window of a conversation's messages, in order")
def history(request, conversation_id: int,
            before: int | None = Query(None, ge=0, le=BIGINT_MAX),
            after: int | None = Query(None, ge=0, le=BIGINT_MAX),
            around: int | None = Query(None, ge=1, le=BIGINT_MAX), limit: int = 50):
    """Keyset paging on `seq`: `before=<seq>` older, `after=<seq>` newer, `around=<message
    id>` centred on a message; none of them: the latest. Thread replies are in their thread."""
    conversation = permissions.access_conversation(request.auth, conversation_id)
    if sum(value is not None for value in (before, after, around)) > 1:
        raise ValidationError(_("Give one of before, after and around, not several."))
    window = selectors.history(conversation, before=before, after=after, around=around,
                               limit=_limit(limit))
    if around is not None and not window.messages:
        raise ValidationError({"around": _("There is no such message in this conversation.")})
    return {"items": [_out(message, request.auth) for message in window.messages],
            "more_before": window.more_before, "more_after": window.more_after}


@router.post("/conversations/{int:conversation_id}/messages",
             response={200: MessageOut, 201: MessageOut}, summary="Send a message")
def send_message(request, conversation_id: int, payload: MessageIn):
    """201 with the stored message; 200 with the same stored message when `client_id` was
    already used (a retried send never creates a duplicate)."""
    message, created = services.send_message_to(
        author=request.auth, conversation_id=conversation_id, body=payload.body,
        client_id=payload.client_id or "", thread_root_id=payload.thread_id,
        also_in_channel=payload.also_in_channel, urgent=payload.urgent)
    _with_reactions(message)
    return Status(201 if created else 200, _out(message, request.auth))


@router.post("/conversations/{int:conversation_id}/read", response=ReadOut,
             summary="Mark a conversation read")
def mark_read(request, conversation_id: int,
              payload: Annotated[ReadIn | None, Body()] = None):
    """Up to `message_id`, or to the end without it. The pointer only moves forward."""
    conversation = permissions.access_conversation(request.auth, conversation_id)
    message_id = payload.message_id if payload is not None else None
    seq = services.mark_read(user=request.auth, conversation=conversation,
                             message_id=message_id)
    return {"last_read_seq": seq}


def _mute(request, conversation_id: int, *, muted: bool) -> dict:
    conversation = permissions.access_conversation(request.auth, conversation_id)
    return {"muted": services.set_muted(user=request.auth, conversation=conversation,
                                        muted=muted)}


@router.post("/conversations/{int:conversation_id}/mute", response=MuteOut,
             summary="Mute a conversation's notifications")
def mute(request, conversation_id: int):
    """No more notifications of replies, messages and reactions here; mentions of you and
    urgent messages still come. Muting twice is the same as once."""
    return _mute(request, conversation_id, muted=True)


@router.delete("/conversations/{int:conversation_id}/mute", response=MuteOut,
               summary="Unmute a conversation's notifications")
def unmute(request, conversation_id: int):
    return _mute(request, conversation_id, muted=False)


# --- Messages --------------------------------------------------------------------------------

@router.patch("/messages/{int:message_id}", response=MessageOut,
              summary="Edit my message")
def edit_message(request, message_id: int, payload: MessagePatch):
    message = permissions.access_message(request.auth, message_id)
    message = services.edit_message(actor=request.auth, message=message, body=payload.body)
    _with_reactions(message)
    return _out(message, request.auth)


@router.delete("/messages/{int:message_id}", response=MessageOut,
               summary="Delete a message (its author or the group's admins)")
def delete_message(request, message_id: int):
    """The message stays in the history, shown as deleted, without its text."""
    message = permissions.access_message(request.auth, message_id)
    message = services.delete_message(actor=request.auth, message=message)
    _with_reactions(message)
    return _out(message, request.auth)


def _react(request, message_id: int, emoji: str, *, add: bool) -> dict:
    message = permissions.access_message(request.auth, message_id)
    services.react(user=request.auth, message=message, emoji=emoji, add=add)
    _with_reactions(message)
    return {"reactions": reaction_summary(message, request.auth)}


@router.post("/messages/{int:message_id}/reactions", response=ReactionsOut,
             summary="React to a message")
def react(request, message_id: int, payload: ReactionIn):
    return _react(request, message_id, payload.emoji, add=True)


@router.delete("/messages/{int:message_id}/reactions", response=ReactionsOut,
               summary="Take back a reaction")
def unreact(request, message_id: int, payload: ReactionIn):
    return _react(request, message_id, payload.emoji, add=False)


@router.get("/messages/{int:message_id}/thread", response=ThreadOut,
            summary="A message's thread: its root and the replies, oldest first")
def thread(request, message_id: int):
    """The id of a reply gives its whole thread."""
    message = permissions.access_message(request.auth, message_id)
    root = message.thread_root if message.thread_root_id else message
    _with_reactions(root)
    replies = selectors.thread(root)
    return {"root": _out(root, request.auth),
            "items": [_out(reply, request.auth) for reply in replies],
            "following": root.followers.filter(user=request.auth).exists()}


@router.get("/messages/{int:message_id}/edits", response=EditList,
            summary="Earlier versions of a message (the group's admins)")
def edits(request, message_id: int):
    message = permissions.access_message(request.auth, message_id)
    if not permissions.can_see_edit_history(request.auth, message):
        raise PermissionDenied(_("Only the group's admins see earlier versions."))
    return {"items": list(message.edits.select_related("edited_by"))}
