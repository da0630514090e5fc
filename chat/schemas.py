"""The shapes of the chat API (/api/v1/): what goes in and what comes out.

A message is shown exactly as the socket shows it (``chat.events.message_payload``), with its
reactions, so a client renders both with the same code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field

from chat import permissions, presence, selectors
from network.reactions import REACTION_EMOJI
from notifications.selectors import availability_of

# Ids and seqs are 64-bit in the database: a larger number is refused here (422), not by
# PostgreSQL (500).
BIGINT_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
Seq = Annotated[int, Field(ge=0, le=BIGINT_MAX)]


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text: refused here it is a 422, not a database error.
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character, which is not allowed."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


def _viewer(context):
    return context["request"].auth


def reaction_summary(message, user) -> list[dict]:
    """[{emoji, count, mine, names}] from the message's prefetched reactions, palette order."""
    summary: dict[str, dict] = {}
    for reaction in message.reactions.all():
        entry = summary.setdefault(reaction.emoji, {"emoji": reaction.emoji, "count": 0,
                                                    "mine": False, "names": []})
        entry["count"] += 1
        entry["names"].append(reaction.user.display_name)
        entry["mine"] = entry["mine"] or reaction.user_id == user.id
    palette = {emoji: index for index, emoji in enumerate(REACTION_EMOJI)}
    return sorted(summary.values(), key=lambda entry: palette.get(entry["emoji"], len(palette)))


def conversation_title(conversation, user) -> str:
    if conversation.is_channel:
        return conversation.group.name
    if conversation.title:
        return conversation.title
    names = sorted(p.user.display_name for p in conversation.participants.all()
                   if p.user_id != user.id)
    return ", ".join(names) or _("Just you")


# --- Out -------------------------------------------------------------------------------------

class GroupRef(Schema):
    id: int
    slug: str
    name: str


class PersonRef(Schema):
    id: int
    display_name: str


class ReactionOut(Schema):
    emoji: str
    count: int
    mine: bool
    names: list[str]


class ReactionsOut(Schema):
    reactions: list[ReactionOut]


class MessageAttachmentOut(Schema):
    """A file attached to a message of a group's channel: a document of the group's library."""

    id: int
    document_id: int
    name: str
    size: int
    content_type: str = Field(description="The kind of file, judged by its content.")
    is_image: bool
    url: str = Field(description="The file, for a browser session (the library's download).")
    document_url: str = Field(description="The document's page in the group's library.")
    download_url: str = Field(description="The file, through the API.")


class MessageOut(Schema):
    """``chat.events.message_payload`` with the reactions (times as ISO 8601 text)."""

    id: int
    conversation_id: int
    seq: int
    author: PersonRef | None
    client_id: str
    body: str = Field(description="Empty once deleted.")
    body_html: str
    thread_root_id: int | None
    also_in_channel: bool
    reply_count: int
    thread_participants: list[PersonRef] = Field(description="Who replied in its thread, "
                                                             "first repliers first (5 at most).")
    urgent: bool
    created: str
    edited_at: str | None
    deleted: bool
    attachments: list[MessageAttachmentOut] = Field(description="Its files (group channels "
                                                    "only); none once deleted.")
    reactions: list[ReactionOut]


class HistoryOut(Schema):
    items: list[MessageOut]
    more_before: bool
    more_after: bool


class ThreadOut(Schema):
    root: MessageOut
    items: list[MessageOut]
    following: bool


class ConversationOut(Schema):
    id: int
    kind: str
    title: str
    group: GroupRef | None = Field(description="The group of a channel; null for a direct "
                                               "conversation.")
    participants: list[PersonRef] = Field(description="The people of a direct conversation; "
                                                      "empty for a channel.")
    urgent_allowed: bool = Field(description="Whether a message may be sent urgent here "
                                             "(always in a direct conversation).")
    last_seq: int
    last_message_at: datetime | None
    last_read_seq: int | None = Field(description="null for a conversation that is not one "
                                                  "of yours (a public group's channel you are "
                                                  "not in).")
    unread_count: int | None
    mention_count: int | None

    @staticmethod
    def resolve_title(conversation, context):
        return conversation_title(conversation, _viewer(context))

    @staticmethod
    def resolve_urgent_allowed(conversation, context):
        return permissions.can_send_urgent(_viewer(context), conversation)

    @staticmethod
    def resolve_participants(conversation):
        if conversation.is_channel:
            return []
        people = [p.user for p in conversation.participants.all()]
        return sorted(people, key=lambda person: (person.display_name, person.id))

    @staticmethod
    def resolve_last_read_seq(conversation):
        return getattr(conversation, "read_seq", None)

    @staticmethod
    def resolve_unread_count(conversation):
        return getattr(conversation, "unread_count", None)

    @staticmethod
    def resolve_mention_count(conversation):
        return getattr(conversation, "mention_count", None)


class ConversationList(Schema):
    items: list[ConversationOut]


class PresenceOut(Schema):
    user_id: int
    status: str = Field(description="online, away or offline.")
    last_seen: datetime | None


class ParticipantOut(PersonRef):
    available: bool = Field(description="Whether notifications that are not urgent reach this "
                                        "person now: false while they are off duty or outside "
                                        "their working hours.")
    back_at: datetime | None = Field(description="When a person who is not available can be "
                                                 "reached again; null when available, or off "
                                                 "duty until further notice.")


class MuteOut(Schema):
    muted: bool = Field(description="Whether the conversation's notifications are muted for "
                                    "you (mentions of you and urgent messages still come).")


class ConversationDetailOut(ConversationOut):
    participants: list[ParticipantOut] = Field(description="The people of a direct "
                                                           "conversation; empty for a channel.")
    can_send: bool
    can_moderate: bool
    muted: bool = Field(description="Whether you muted this conversation's notifications.")
    presence: list[PresenceOut] = Field(description="The status of each person of a direct "
                                                    "conversation; empty for a channel.")

    @staticmethod
    def resolve_participants(conversation):
        if conversation.is_channel:
            return []
        people = sorted((p.user for p in conversation.participants.all()),
                        key=lambda person: (person.display_name, person.id))
        states = availability_of(people)
        return [{"id": person.id, "display_name": person.display_name,
                 "available": states[person.id].available,
                 "back_at": None if states[person.id].available else states[person.id].until}
                for person in people]

    @staticmethod
    def resolve_muted(conversation, context):
        return selectors.is_muted(_viewer(context), conversation)

    @staticmethod
    def resolve_presence(conversation):
        if conversation.is_channel:
            return []
        ids = sorted(p.user_id for p in conversation.participants.all())
        return [{"user_id": uid, **status} for uid, status in presence.status_of(ids).items()]

    @staticmethod
    def resolve_can_send(conversation, context):
        return permissions.can_send(_viewer(context), conversation)

    @staticmethod
    def resolve_can_moderate(conversation, context):
        return permissions.can_moderate(_viewer(context), conversation)


class ReadOut(Schema):
    last_read_seq: int


class EditOut(Schema):
    body: str
    edited_by: PersonRef | None
    replaced_at: datetime


class EditList(Schema):
    items: list[EditOut]


# --- In --------------------------------------------------------------------------------------

class DirectIn(Schema):
    user_ids: list[Id]


class MessageIn(Schema):
    body: Text = ""
    client_id: Text | None = Field(None, description="Your own id for this message (64 "
                                                     "characters at most): a send retried "
                                                     "with it returns the stored message.")
    thread_id: Id | None = Field(None, description="Reply in the thread of this message.")
    also_in_channel: bool = False
    urgent: bool = False


class MessagePatch(Schema):
    body: Text


class ReactionIn(Schema):
    emoji: Text


class ReadIn(Schema):
    message_id: Id | None = None
