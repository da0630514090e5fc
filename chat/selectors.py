"""Every read of chat, scoped to the viewer, and the reads the websocket consumer needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from chat.models import (
    Conversation,
    Message,
    MessageAttachment,
    MessageMention,
    MessageReaction,
    Participant,
    ReadState,
)
from chat.permissions import visible_conversations
from groups.models import Membership
from groups.selectors import visible_groups
from network.realtime import (
    ORG_STREAM,
    events_since,
    group_stream,
    latest_event_id,
    resume_limit,
    user_stream,
)
from notifications.selectors import availability_of, muted_scopes


def streams_for(user) -> set[str]:
    """Every channel group a socket of ``user`` listens to (DESIGN.md, "Real-time")."""
    if not (user.is_authenticated and user.is_active):
        return set()
    streams = {user_stream(user.id)}
    streams.update(group_stream(gid) for gid in visible_groups(user).values_list("id", flat=True))
    if not user.is_guest:
        streams.add(ORG_STREAM)
    return streams


def can_see_group(user, group_id: int) -> bool:
    user.refresh_from_db(fields=["is_active", "kind", "is_staff"])
    return user.is_active and visible_groups(user).filter(id=group_id).exists()


def missed_events(streams: set[str], last_event_id: int) -> tuple[list, bool]:
    """Events since ``last_event_id`` and whether the gap is too large to replay."""
    from network.models import Event
    from network.realtime import envelope

    limit = resume_limit()
    if last_event_id and not Event.objects.filter(id=last_event_id).exists():
        oldest_kept = Event.objects.order_by("id").values_list("id", flat=True).first()
        if oldest_kept is None or last_event_id < oldest_kept:
            return [], True  # the client's last event has been pruned: there may be a gap
        if last_event_id > latest_event_id():
            # An id this server never gave (a restored database, another server): resuming
            # from it would skip every event until the ids caught up.
            return [], True
    events = list(events_since(sorted(streams), last_event_id)[: limit + 1])
    if len(events) > limit:
        return [], True
    return [envelope(event) for event in events], False


# --- Conversations and messages --------------------------------------------------------------

def conversation_streams(conversation) -> list[str]:
    """Where a conversation's events go: its group's stream, or each person's own stream."""
    if conversation.is_channel:
        return [group_stream(conversation.group_id)]
    return [user_stream(uid) for uid in
            conversation.participants.order_by("user_id").values_list("user_id", flat=True)]


def people_in(conversation):
    """Who can read a conversation (for mentions and notifications)."""
    from accounts.models import User
    from groups.selectors import users_who_can_see

    if conversation.is_channel:
        return users_who_can_see(conversation.group)
    return User.objects.filter(chat_participations__conversation=conversation, is_active=True)


def conversation_title(conversation, user) -> str:
    """A channel's group name, a direct conversation's title or its other people's names."""
    from django.utils.translation import gettext as _

    if conversation.is_channel:
        return conversation.group.name
    if conversation.title:
        return conversation.title
    names = sorted(p.user.display_name for p in conversation.participants.select_related("user")
                   if p.user_id != user.id)
    return ", ".join(names) or _("Just you")


def mute_scope(conversation) -> str:
    """What a person mutes to hear no more of a conversation (notifications.models.Mute)."""
    return f"conversation:{conversation.id}"


def is_muted(user, conversation) -> bool:
    return bool(muted_scopes(user, [mute_scope(conversation)]))


def muted_conversation_ids(user) -> set[int]:
    prefix = "conversation:"
    return {int(scope[len(prefix):]) for scope in muted_scopes(user)
            if scope.startswith(prefix) and scope[len(prefix):].isdigit()}


def unavailable_people(conversation, user) -> list[tuple]:
    """The other people of a direct conversation who cannot be reached now, each with their
    ``Availability``: the sender sees it before writing. Three queries; none for a channel."""
    if conversation.is_channel:
        return []
    others = [p.user for p in conversation.participants.select_related("user")
              if p.user_id != user.id and p.user.is_active]
    states = availability_of(others)
    return [(person, states[person.id]) for person in sorted(
        others, key=lambda person: (person.display_name, person.id))
        if not states[person.id].available]


def my_conversations(user):
    """The conversations in ``user``'s sidebar, most recent first, with unread and mention
    counts: the channels of their groups and their direct conversations."""
    if not (user.is_authenticated and user.is_active):
        return Conversation.objects.none()
    member_of = Membership.objects.filter(user=user).values("group_id")
    mine = Participant.objects.filter(user=user).values("conversation_id")
    read_seq = Coalesce(Subquery(ReadState.objects.filter(conversation=OuterRef("pk"), user=user)
                                 .values("last_read_seq")[:1]), Value(0))
    # Counted per conversation in correlated subqueries: only the rows of the sidebar pay.
    unread = (Message.objects.filter(conversation=OuterRef("pk"), seq__gt=OuterRef("read_seq"),
                                     deleted_at__isnull=True)
              .filter(Q(thread_root__isnull=True) | Q(also_in_channel=True))
              .exclude(author=user).order_by().values("conversation")
              .annotate(n=Count("id")).values("n"))
    mentions = (MessageMention.objects.filter(conversation=OuterRef("pk"), user=user,
                                              seq__gt=OuterRef("read_seq"))
                .order_by().values("conversation").annotate(n=Count("id")).values("n"))
    return (visible_conversations(user)
            .filter(Q(group__in=member_of) | Q(id__in=mine))
            .select_related("group")
            .annotate(read_seq=read_seq)
            .annotate(unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
                      mention_count=Coalesce(Subquery(mentions, output_field=IntegerField()), 0))
            .order_by(Coalesce("last_message_at", "created").desc(), "-id"))


def unread_conversation_count(user) -> int:
    """How many of ``user``'s conversations have a message shown in them after their read
    pointer (the navigation's badge). One query."""
    from groups.selectors import visible_member_group_ids

    if not (user.is_authenticated and user.is_active):
        return 0
    read_seq = Coalesce(Subquery(ReadState.objects.filter(conversation=OuterRef("pk"), user=user)
                                 .values("last_read_seq")[:1]), Value(0))
    mine = Participant.objects.filter(user=user).values("conversation_id")
    return (Conversation.objects
            .filter(Q(group__in=visible_member_group_ids(user)) | Q(id__in=mine))
            .annotate(read_seq=read_seq).filter(last_visible_seq__gt=F("read_seq")).count())


@dataclass
class History:
    messages: list = field(default_factory=list)
    more_before: bool = False
    more_after: bool = False

    def __post_init__(self):
        attach_thread_participants(self.messages)


THREAD_FACES = 5


def attach_thread_participants(messages) -> None:
    """Give each thread root ``thread_participants``: who replied, first repliers first, at
    most THREAD_FACES of them. Two queries for the whole window, none without threads."""
    from accounts.models import User

    for message in messages:
        message.thread_participants = []
    roots = {message.id: message for message in messages if message.reply_count}
    if not roots:
        return
    rows = (Message.objects.filter(thread_root__in=list(roots), author__isnull=False)
            .values("thread_root_id", "author_id").annotate(first=Min("seq"))
            .order_by("thread_root_id", "first"))
    faces: dict[int, list[int]] = {}
    for row in rows:
        faces.setdefault(row["thread_root_id"], []).append(row["author_id"])
    people = User.objects.in_bulk({uid for ids in faces.values() for uid in ids[:THREAD_FACES]})
    for root_id, author_ids in faces.items():
        roots[root_id].thread_participants = [people[uid] for uid in author_ids[:THREAD_FACES]
                                              if uid in people]


def shown_attachments():
    """Messages' files as documents of the group's library: those in its trash are not shown
    (they come back if restored)."""
    return (MessageAttachment.objects.filter(document__trashed_at__isnull=True)
            .select_related("document__current_version").order_by("id"))


def attachments_of(message) -> list:
    """A message's shown files: prefetched with its window, read (one query) otherwise."""
    if message.is_deleted:
        return []
    if "attachments" not in getattr(message, "_prefetched_objects_cache", {}):
        prefetch_related_objects([message], Prefetch("attachments",
                                                     queryset=shown_attachments()))
    return list(message.attachments.all())


def _with_details(messages):
    return messages.select_related("author").prefetch_related(
        Prefetch("reactions", queryset=MessageReaction.objects.select_related("user")
                 .only("id", "message_id", "emoji", "user_id", "user__display_name")
                 .order_by("created", "id")),
        Prefetch("attachments", queryset=shown_attachments()))


def history(conversation, *, before: int | None = None, after: int | None = None,
            around: int | None = None, limit: int = 50) -> History:
    """A window of the conversation (seq order), keyset-paged both ways on ``seq``.

    ``around`` is a message *id* (from a link or a search result): the window centres on it.
    """
    shown = (Message.objects.filter(conversation=conversation)
             .filter(Q(thread_root__isnull=True) | Q(also_in_channel=True)))
    if around is not None:
        target = shown.filter(id=around).values_list("seq", flat=True).first()
        if target is None:
            return History()
        half = limit // 2
        older = list(_with_details(shown.filter(seq__lt=target)).order_by("-seq")[: half + 1])
        newer = list(_with_details(shown.filter(seq__gte=target)).order_by("seq")[: half + 1])
        return History(messages=[*reversed(older[:half]), *newer[:half]],
                       more_before=len(older) > half, more_after=len(newer) > half)
    if after is not None:
        rows = list(_with_details(shown.filter(seq__gt=after)).order_by("seq")[: limit + 1])
        return History(messages=rows[:limit], more_before=after > 0, more_after=len(rows) > limit)
    queryset = shown if before is None else shown.filter(seq__lt=before)
    rows = list(_with_details(queryset).order_by("-seq")[: limit + 1])
    return History(messages=list(reversed(rows[:limit])), more_before=len(rows) > limit,
                   more_after=before is not None)


def thread(root) -> list:
    """A thread's replies, oldest first."""
    return list(_with_details(Message.objects.filter(thread_root=root)).order_by("seq"))


def reaction_counts(message) -> dict[str, int]:
    return dict(message.reactions.order_by().values_list("emoji").annotate(n=Count("id")))


def direct_conversation_between(user_ids) -> Conversation | None:
    key = ",".join(str(uid) for uid in sorted(set(user_ids)))
    return Conversation.objects.filter(direct_key=key).first()
