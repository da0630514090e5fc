"""Who may do what in chat. Every read starts from groups.selectors.visible_groups."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from chat.models import Conversation, Message, Participant
from groups.permissions import can_manage
from groups.selectors import member_group_ids, visible_groups, visible_member_group_ids
from network.prepared import PreparedRead


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def visible_conversations(user):
    """Channels of the groups ``user`` can see, and the direct conversations they are in."""
    if not _active(user):
        return Conversation.objects.none()
    mine = Participant.objects.filter(user=user).values("conversation_id")
    return Conversation.objects.filter(
        Q(kind=Conversation.Kind.CHANNEL, group__in=visible_groups(user).values("id"))
        | Q(kind=Conversation.Kind.DIRECT, id__in=mine))


def access_conversation(user, conversation_id) -> Conversation:
    """The conversation if ``user`` can see it; 404 for missing and hidden alike."""
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise Http404("No such conversation.") from None
    conversation = (visible_conversations(user).select_related("group")
                    .filter(id=conversation_id).first())
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


# Relations read with a conversation about to be written in. Apps that hook into every
# message (desk's, through chat.signals.message_sent) add theirs in their ready(), so a send
# reads them in the same query instead of one more round trip on the path of every message.
SENDING_RELATED: list[str] = ["group"]


def conversation_for_sending(user, conversation_id: int) -> Conversation | None:
    """The conversation ``user`` is about to write in, or None when there is none, read in
    one query with whether ``user`` belongs to it (its group's members who see the group, or
    a direct conversation's people), which can_send then takes without asking again.

    Not a visibility check: a refusal must still ask access_conversation whether to answer
    "forbidden" or "not found", so that an outsider learns nothing of the conversation.

    The read is on the path of every message, and compiled to SQL once (network.prepared)."""
    if not _active(user):
        return None
    conversation = _for_sending.first((user.is_guest, tuple(SENDING_RELATED)),
                                      user_id=user.id, conversation_id=conversation_id)
    if conversation is not None:
        belongs = conversation._member if conversation.is_channel else conversation._participant
        conversation.writer_belongs = (user.id, belongs)
    return conversation


def _sending_queryset(shape, *, user_id: int, conversation_id: int):
    guest, related = shape
    member = member_group_ids(user_id, guest=guest).filter(group_id=OuterRef("group_id"))
    participant = Participant.objects.filter(user_id=user_id, conversation_id=OuterRef("pk"))
    return (Conversation.objects.select_related(*related)
            .annotate(_member=Exists(member), _participant=Exists(participant))
            .filter(id=conversation_id).order_by())


_for_sending = PreparedRead(_sending_queryset)


def access_message(user, message_id) -> Message:
    try:
        message_id = int(message_id)
    except (TypeError, ValueError):
        raise Http404("No such message.") from None
    message = (Message.objects.select_related("conversation__group", "author")
               .filter(id=message_id, conversation__in=visible_conversations(user)).first())
    if message is None:
        raise Http404("No such message.")
    return message


def can_send(user, conversation: Conversation) -> bool:
    """Direct: its people. Channel: the group's members (and organisation admins), while the
    group is not archived."""
    if not _active(user):
        return False
    if not conversation.is_channel:
        return _writer_belongs(user, conversation)
    group = conversation.group
    if group.is_archived:
        return False
    # Organisation admins see and may write everywhere; others must belong to the group and
    # see it (a guest: while it is open to guests), which one membership query answers.
    return user.is_staff or _writer_belongs(user, conversation)


def _writer_belongs(user, conversation: Conversation) -> bool:
    """A direct conversation's people; a channel's group members who see the group. Read
    with the conversation by conversation_for_sending (for that same user), asked otherwise."""
    known = getattr(conversation, "writer_belongs", None)
    if known is not None and known[0] == user.id:
        return known[1]
    if not conversation.is_channel:
        return conversation.participants.filter(user=user).exists()
    return visible_member_group_ids(user).filter(group_id=conversation.group_id).exists()


def check_can_send(user, conversation: Conversation) -> None:
    if conversation.is_channel and conversation.group.is_archived:
        raise PermissionDenied(_("This group is archived; its channel is read-only."))
    if not can_send(user, conversation):
        raise PermissionDenied(_("Join the group to write in its channel."))


def can_moderate(user, conversation: Conversation) -> bool:
    """The group's owners and admins (and organisation admins) moderate a channel."""
    return conversation.is_channel and _active(user) and can_manage(user, conversation.group)


def can_edit(user, message: Message) -> bool:
    """The author, while they may still write there (not removed, the group not archived)."""
    return (_active(user) and message.author_id == user.id and not message.is_deleted
            and can_send(user, message.conversation))


def can_delete(user, message: Message) -> bool:
    """The author while they may write there, and the group's admins; an archived group's
    channel is read-only for everyone."""
    conversation = message.conversation
    if not _active(user) or message.is_deleted:
        return False
    if conversation.is_channel and conversation.group.is_archived:
        return False
    return ((message.author_id == user.id and can_send(user, conversation))
            or can_moderate(user, conversation))


def can_see_edit_history(user, message: Message) -> bool:
    return can_moderate(user, message.conversation)


def can_send_urgent(user, conversation: Conversation) -> bool:
    return not conversation.is_channel or conversation.urgent_allowed
