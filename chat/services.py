"""Every write to chat. ``send_message`` is the one way a message comes to exist, over the API
or the socket alike (DESIGN.md, "Real-time")."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import visible_people
from chat import events, permissions, search_index, selectors, signals
from chat.models import (
    DIRECT_MAX_PEOPLE,
    Conversation,
    Message,
    MessageAttachment,
    MessageEdit,
    MessageMention,
    MessageReaction,
    Participant,
    ReadState,
    ThreadFollow,
)
from documents import services as documents
from documents.filetypes import IMAGE_TYPES
from groups.models import Group, Membership
from network import rich_text
from network.reactions import REACTION_EMOJI
from network.realtime import EventsLast, send_events_on_commit
from network.uploads import sniff
from notifications import services as notifications
from notifications.models import Notification

CLIENT_ID_MAX = 64


# --- Conversations ---------------------------------------------------------------------------

def ensure_channel(group: Group) -> Conversation:
    """The group's channel, created on first need (and by the group_created hook)."""
    channel = Conversation.objects.filter(group=group).first()
    if channel is not None:
        return channel
    try:
        with transaction.atomic():
            return Conversation.objects.create(kind=Conversation.Kind.CHANNEL, group=group,
                                               created_by=group.created_by)
    except IntegrityError:
        return Conversation.objects.get(group=group)


def start_direct(*, user: User, user_ids: list[int]) -> tuple[Conversation, bool]:
    """The direct conversation of ``user`` and ``user_ids``: the existing one, or a new one.

    Returns it and whether it was created. Up to 20 people; guests only with people who share
    a group with them (visible_people applies the same rule to everyone).
    """
    try:
        others = {int(uid) for uid in user_ids} - {user.id}
    except (TypeError, ValueError):
        raise ValidationError({"user_ids": _("Give the ids of the people to talk to.")}) from None
    if not others:
        raise ValidationError({"user_ids": _("Choose at least one other person.")})
    if len(others) + 1 > DIRECT_MAX_PEOPLE:
        raise ValidationError({"user_ids": _("A direct conversation has %(max)s people at "
                                             "most.") % {"max": DIRECT_MAX_PEOPLE}})
    found = set(visible_people(user).filter(id__in=others).values_list("id", flat=True))
    if found != others:
        raise ValidationError({"user_ids": _("You can only write to people you can see in the "
                                             "directory.")})
    everyone = sorted(others | {user.id})
    # Nor may anyone bring a guest together with people outside the guest's shared groups.
    for guest in User.objects.filter(id__in=others, kind=User.Kind.GUEST):
        if visible_people(guest).filter(id__in=everyone).count() != len(everyone):
            raise ValidationError({"user_ids": _("%(name)s is a guest and can only talk with "
                                                 "people who share a group with them.")
                                   % {"name": guest.display_name}})
    existing = selectors.direct_conversation_between(everyone)
    if existing is not None:
        return existing, False
    key = ",".join(str(uid) for uid in everyone)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(kind=Conversation.Kind.DIRECT,
                                                       direct_key=key, created_by=user)
            Participant.objects.bulk_create([Participant(conversation=conversation, user_id=uid)
                                             for uid in everyone])
            search_index.set_participants(conversation, everyone)
    except IntegrityError:  # someone else started it at the same moment
        return Conversation.objects.get(direct_key=key), False
    return conversation, True


def set_urgent_allowed(*, actor: User, conversation: Conversation, allowed: bool) -> Conversation:
    if not permissions.can_moderate(actor, conversation):
        raise PermissionDenied(_("Only the group's owners and admins can change this."))
    conversation.urgent_allowed = allowed
    conversation.save(update_fields=["urgent_allowed"])
    return conversation


# --- Messages --------------------------------------------------------------------------------

def message_url(message: Message) -> str:
    return f"{reverse('chat:conversation', args=[message.conversation_id])}?message={message.id}"


def _clean_body(body, *, required: bool = True) -> str:
    if not isinstance(body, str):
        body = ""
    body = body.strip()
    if required and not body:
        raise ValidationError({"body": _("Write a message first.")})
    limit = settings.RELAIS_LIMITS["message_chars"]
    if len(body) > limit:
        raise ValidationError({"body": _("This message is too long: %(limit)s characters at "
                                         "most (%(length)s written).") % {"limit": limit,
                                                                          "length": len(body)}})
    return body


def _clean_client_id(client_id) -> str:
    client_id = client_id or ""
    if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX:
        raise ValidationError({"client_id": _("client_id is a text of %(max)s characters at "
                                              "most.") % {"max": CLIENT_ID_MAX}})
    return client_id


def _thread_root(conversation: Conversation, thread_root_id) -> Message | None:
    if thread_root_id in (None, ""):
        return None
    try:
        root = Message.objects.filter(conversation=conversation, id=int(thread_root_id)).first()
    except (TypeError, ValueError):
        root = None
    if root is None:
        raise ValidationError({"thread_id": _("There is no such message in this "
                                              "conversation.")})
    # Threads are one level deep: answering a reply answers its thread.
    return root.thread_root if root.thread_root_id else root


def _check_attachments(conversation: Conversation, files) -> list[documents.CheckedFile]:
    """Attached files become documents of the group's library: checked as its uploads are.
    A direct conversation has no library to keep them in."""
    files = list(files or [])
    if not files:
        return []
    if not conversation.is_channel:
        raise ValidationError({"attachments": _(
            "Files can only be attached in a group's channel: a direct conversation has no "
            "library to keep them. Add the file to a group's documents and send its link.")})
    limit = settings.RELAIS_LIMITS["post_attachments"]
    if len(files) > limit:
        raise ValidationError({"attachments": _("Attach %(limit)s files at most.")
                                              % {"limit": limit}})
    return documents.check_attachments(files, field_name="attachments")


def send_message(*, author: User, conversation: Conversation, body: str, client_id: str = "",
                 thread_root_id: int | None = None, also_in_channel: bool = False,
                 urgent: bool = False, attachments=(), forwarded_from: Message | None = None,
                 checked_by_caller: bool = False) -> tuple[Message, bool]:
    """Store a message and tell everyone who can read it; returns it and whether it is new.

    A send retried with the same ``client_id`` returns the message stored the first time (and
    stores its files only once). ``attachments`` (group channels only) become documents of the
    group's Attachments folder, in the message's transaction. ``forwarded_from``: the message
    this one quotes (see forward_message). ``checked_by_caller``: an app built on chat has
    already decided that ``author`` may write here although not a member (a desk's requester
    in their ticket's thread, or filing a request on a desk open to all staff).
    """
    if not (checked_by_caller and conversation.is_channel and not conversation.group.is_archived
            and author.is_active):
        permissions.check_can_send(author, conversation)
    client_id = _clean_client_id(client_id)
    # A retried client_id is found by the unique constraint (below), not asked first: the
    # first send of every message would pay a query for the rare retry.
    files = _check_attachments(conversation, attachments)
    body = _clean_body(body, required=not files and forwarded_from is None)
    root = _thread_root(conversation, thread_root_id)
    if urgent and not permissions.can_send_urgent(author, conversation):
        raise PermissionDenied(_("Urgent messages are not enabled in this channel."))

    def mentionable():  # asked only when the message names someone
        if checked_by_caller and not permissions.can_send(author, conversation):
            # Someone writing from outside the group (a desk's requester) would learn who is
            # in it from the mentions that resolve: theirs stay plain text.
            return User.objects.none()
        return selectors.people_in(conversation)

    rendered = rich_text.render(body, mentionable=mentionable)
    try:
        with documents.removing_files_on_failure() as stored, transaction.atomic():
            message = _store(author, conversation, body, rendered, client_id, root,
                             also_in_channel and root is not None, urgent, files, stored,
                             forwarded_from, checked_by_caller)
    except IntegrityError:
        # The same client_id raced in from another connection: the first one won.
        existing = Message.objects.filter(conversation=conversation, author=author,
                                          client_id=client_id).first()
        if client_id and existing is not None:
            return existing, False
        raise
    return message, True


def send_message_to(*, author: User, conversation_id: int, **fields) -> tuple[Message, bool]:
    """send_message to a conversation known by its id (the API and the socket).

    The conversation is read in one query with whether the sender belongs to it, the check
    send_message makes, rather than asked again. Whoever may write there sees it, so only a
    refusal asks whether the sender can see the conversation at all: an outsider is told it
    does not exist, learning nothing of it; someone who sees it is told why they may not
    write. Raises Http404, PermissionDenied or ValidationError."""
    conversation = permissions.conversation_for_sending(author, conversation_id)
    if conversation is None:
        raise Http404("No such conversation.")
    try:
        return send_message(author=author, conversation=conversation, **fields)
    except PermissionDenied:
        permissions.access_conversation(author, conversation_id)
        raise


def _number_and_read(conversation: Conversation, author: User, now, *, visible: bool) -> int:
    """Number the conversation's next message and move its sender's read pointer to it.

    The UPDATE locks the conversation's row until the sender's transaction ends, so each
    message gets the next number: one total order for every client. The sender has read
    their own message, and its number is the conversation's newest (the lock is held), so the
    pointer can only move forward: an upsert, whatever was there.

    Raw SQL, on the path of every message: the ORM would need a locking read, the update and
    the upsert, three round trips. PostgreSQL does both writes in one statement (a
    data-modifying WITH); SQLite, which has no such WITH, in two. Only the models' own table
    names are put in the SQL; every value is a parameter."""
    conversations = connection.ops.quote_name(Conversation._meta.db_table)
    reads = connection.ops.quote_name(ReadState._meta.db_table)
    when = connection.ops.adapt_datetimefield_value(now)
    number = (f"UPDATE {conversations} SET last_seq = last_seq + 1, last_message_at = %s, "  # noqa: S608
              "last_visible_seq = CASE WHEN %s THEN last_seq + 1 ELSE last_visible_seq END "
              "WHERE id = %s RETURNING last_seq")
    read = (f"INSERT INTO {reads} (conversation_id, user_id, last_read_seq, updated) "
            "{rows} ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
            "last_read_seq = excluded.last_read_seq, updated = excluded.updated")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            both = read.format(rows="SELECT %s, %s, last_seq, %s FROM numbered")
            cursor.execute(f"WITH numbered AS ({number}), was_read AS ({both}) "  # noqa: S608
                           "SELECT last_seq FROM numbered",
                           [when, visible, conversation.pk, conversation.pk, author.pk, when])
            return cursor.fetchone()[0]
        cursor.execute(number, [when, visible, conversation.pk])
        seq = cursor.fetchone()[0]
        cursor.execute(read.format(rows="VALUES (%s, %s, %s, %s)"),
                       [conversation.pk, author.pk, seq, when])
        return seq


def _store(author, conversation, body, rendered, client_id, root, also_in_channel, urgent,
           files, stored, forwarded_from, checked_by_caller):
    now = timezone.now()
    seq = _number_and_read(conversation, author, now, visible=root is None or also_in_channel)
    conversation.last_seq, conversation.last_message_at = seq, now
    message = Message.objects.create(conversation=conversation, seq=seq, author=author,
                                     client_id=client_id, body=body, body_html=rendered.html,
                                     thread_root=root, also_in_channel=also_in_channel,
                                     urgent=urgent, forwarded_from=forwarded_from,
                                     created=now)
    _attach(message, author, files, stored, checked_by_caller)
    if not files:
        # Known to have no files: the events built from it below need not ask.
        message._prefetched_objects_cache = {"attachments": MessageAttachment.objects.none()}
    if root is not None:
        Message.objects.filter(pk=root.pk).update(reply_count=F("reply_count") + 1,
                                                  last_reply_at=now)
        root.refresh_from_db(fields=["reply_count", "last_reply_at"])
        # The root's author follows from the first reply on: after that, an unfollow sticks.
        starters = {root.author_id} if root.reply_count == 1 else set()
        ThreadFollow.objects.bulk_create([ThreadFollow(root=root, user_id=uid) for uid in
                                          ({author.id} | starters) - {None}],
                                         ignore_conflicts=True)
    MessageMention.objects.bulk_create([
        MessageMention(message=message, user_id=uid, conversation=conversation, seq=seq)
        for uid in rendered.mentioned_ids])
    _notify_about(message, root, rendered.mentioned_ids)
    streams = selectors.conversation_streams(conversation)
    told = [(stream, events.message_created(message)) for stream in streams]
    search_index.index_message(message)
    if root is not None:
        told += [(stream, events.message_updated(root)) for stream in streams]
    message.thread_root = root
    # The message's events are pushed before whatever its receivers write (a desk's note in
    # its thread), and stored last in the transaction (see EventsLast): its readers hear of it
    # with one round trip and one commit fewer than after it.
    events_last = EventsLast()
    signals.message_sent.send(sender=Message, message=message)
    events_last.store(told)
    return message


def forward_message(*, actor: User, source: Message, conversation: Conversation,
                    note: str = "", checked_by_caller: bool = False) -> Message:
    """Post in ``conversation`` a message quoting ``source`` (a link and a quote, its author
    named). The quote is read from the source whenever it is shown, and only to those who can
    read the source: forwarding never shows a message to someone who could not see it."""
    if not permissions.visible_conversations(actor).filter(id=source.conversation_id).exists():
        raise PermissionDenied(_("You cannot see this message."))
    if source.is_deleted:
        raise ValidationError(_("This message was deleted."))
    message, _created = send_message(author=actor, conversation=conversation, body=note,
                                     forwarded_from=source,
                                     checked_by_caller=checked_by_caller)
    return message


def _attach(message: Message, author: User, files: list[documents.CheckedFile],
            stored: list[str], checked_by_caller: bool = False) -> None:
    if not files:
        return
    attached = documents.attach_files(uploader=author, group=message.conversation.group,
                                      checked=files, stored=stored,
                                      checked_by_caller=checked_by_caller)
    rows = []
    for checked, document in zip(files, attached, strict=True):
        image = sniff(checked.upload) if checked.content_type in IMAGE_TYPES else None
        rows.append(MessageAttachment(message=message, document=document,
                                      width=image.width if image else None,
                                      height=image.height if image else None))
    MessageAttachment.objects.bulk_create(rows)
    # A file whose name claimed another kind was saved under its real one: the author is told.
    message.attachment_notices = [checked.notice for checked in files if checked.notice]


def _target(message: Message) -> notifications.Target:
    conversation = message.conversation
    return notifications.Target(
        type="message", id=message.id, url=message_url(message),
        # A message of files alone is named by its files.
        title=rich_text.plain_excerpt(message.body) or ", ".join(
            attachment.document.name for attachment in selectors.attachments_of(message)),
        group_id=conversation.group_id if conversation.is_channel else None,
        scope=selectors.mute_scope(conversation))


def _notify_about(message: Message, root: Message | None, mentioned: list[int]) -> None:
    conversation = message.conversation
    if not mentioned and root is None and conversation.is_channel and not message.urgent:
        return  # a plain message in a channel notifies no one: its target is not even built
    target = _target(message)
    if mentioned:
        notifications.notify(mentioned, Notification.Kind.MENTION, target,
                             actor=message.author, urgent=message.urgent)
    if root is not None:
        followers = set(ThreadFollow.objects.filter(root=root).values_list("user_id", flat=True))
        notifications.notify(followers - set(mentioned), Notification.Kind.REPLY, target,
                             actor=message.author, urgent=message.urgent)
    elif conversation.is_channel:
        if message.urgent:
            # An urgent message (where the group's admins allow them) is for the group's
            # members, at once, whatever their hours and even if they muted the channel; not
            # for everyone who could read a public group's channel.
            members = Membership.objects.filter(group_id=conversation.group_id).values("user_id")
            readers = set(selectors.people_in(conversation).filter(id__in=members)
                          .values_list("id", flat=True))
            notifications.notify(readers - set(mentioned), Notification.Kind.URGENT_MESSAGE,
                                 target, actor=message.author, urgent=True)
    else:
        people = set(conversation.participants.values_list("user_id", flat=True))
        notifications.notify(people - set(mentioned), Notification.Kind.DIRECT_MESSAGE, target,
                             actor=message.author, urgent=message.urgent)


def _send(conversation: Conversation, event: dict) -> None:
    send_events_on_commit([(stream, event) for stream in selectors.conversation_streams(
        conversation)])


def edit_message(*, actor: User, message: Message, body: str) -> Message:
    """A new text; its files stay as they are."""
    if not permissions.can_edit(actor, message):
        raise PermissionDenied(_("Only the author can edit this message."))
    body = _clean_body(body, required=not message.attachments.exists())
    if body == message.body:
        return message
    rendered = rich_text.render(body, mentionable=selectors.people_in(message.conversation))
    with transaction.atomic():
        MessageEdit.objects.create(message=message, body=message.body, edited_by=actor)
        message.body, message.body_html = body, rendered.html
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "body_html", "edited_at"])
        _send(message.conversation, events.message_updated(message))
        search_index.index_message(message)
    return message


def delete_message(*, actor: User, message: Message) -> Message:
    """Shown as deleted from now on; the text stays only in the edit history for admins. Its
    files go to the library's trash, restorable by their uploader and the group's admins for
    RELAIS_DOCUMENT_TRASH_DAYS."""
    if not permissions.can_delete(actor, message):
        raise PermissionDenied(_("Only the author and the group's admins can delete this "
                                 "message."))
    with transaction.atomic():
        attached = MessageAttachment.objects.filter(message=message)
        documents.trash_attachments(actor=actor, document_ids=list(
            attached.values_list("document_id", flat=True)))
        attached.delete()
        MessageEdit.objects.create(message=message, body=message.body, edited_by=actor)
        message.deleted_at = timezone.now()
        message.body, message.body_html = "", ""
        message.save(update_fields=["deleted_at", "body", "body_html"])
        MessageReaction.objects.filter(message=message).delete()
        MessageMention.objects.filter(message=message).delete()
        notifications.withdraw(target_type="message", target_ids=[message.id])
        _send(message.conversation, events.message_deleted(message))
        search_index.unindex_message(message.id)
    return message


def react(*, user: User, message: Message, emoji: str, add: bool = True) -> bool:
    if emoji not in REACTION_EMOJI:
        raise ValidationError({"emoji": _("Choose one of the offered reactions.")})
    if message.is_deleted:
        raise ValidationError(_("This message was deleted."))
    if not permissions.can_send(user, message.conversation):
        raise PermissionDenied(_("Join the group to react in its channel."))
    with transaction.atomic():
        if add:
            _reaction, changed = MessageReaction.objects.get_or_create(
                message=message, user=user, emoji=emoji)
        else:
            changed = bool(MessageReaction.objects.filter(message=message, user=user,
                                                          emoji=emoji).delete()[0])
        if changed:
            if add:
                _notify_reaction(message, user)
                signals.reaction_added.send(sender=Message, message=message, user=user,
                                            emoji=emoji)
            _send(message.conversation, events.reaction_changed(
                message, counts=selectors.reaction_counts(message)))
    return changed


def _notify_reaction(message: Message, user: User) -> None:
    """Tell the author, once per person reacting, while they can still read the message."""
    author = message.author
    if author is None or author.id == user.id:
        return
    if not permissions.visible_conversations(author).filter(id=message.conversation_id).exists():
        return
    if Notification.objects.filter(recipient=author, kind=Notification.Kind.REACTION,
                                   target_type="message", target_id=message.id,
                                   actor=user).exists():
        return
    notifications.notify([author], Notification.Kind.REACTION, _target(message), actor=user)


def set_muted(*, user: User, conversation: Conversation, muted: bool) -> bool:
    """Hear no more of a conversation (but mentions and urgent messages), or again; returns
    whether it is muted."""
    if not permissions.visible_conversations(user).filter(id=conversation.id).exists():
        raise PermissionDenied(_("You cannot see this conversation."))
    return notifications.set_muted(
        user=user, scope=selectors.mute_scope(conversation), muted=muted,
        label=selectors.conversation_title(conversation, user),
        url=reverse("chat:conversation", args=[conversation.id]))


def _mark_read(user: User, conversation: Conversation, seq: int) -> bool:
    """Move the read pointer forward only (an old tab never moves it back)."""
    # Usually the pointer exists and is behind: one statement moves it.
    if ReadState.objects.filter(conversation=conversation, user=user,
                                last_read_seq__lt=seq).update(last_read_seq=seq,
                                                              updated=timezone.now()):
        return True
    _state, created = ReadState.objects.get_or_create(conversation=conversation, user=user,
                                                      defaults={"last_read_seq": seq})
    return created


def mark_read(*, user: User, conversation: Conversation, message_id: int | None = None) -> int:
    """Mark the conversation read up to a message (or to its end); returns the pointer."""
    if message_id is None:
        seq = conversation.last_seq
    else:
        try:
            seq = (Message.objects.filter(conversation=conversation, id=int(message_id))
                   .values_list("seq", flat=True).first())
        except (TypeError, ValueError):
            seq = None
        if seq is None:
            raise ValidationError({"message_id": _("There is no such message in this "
                                                   "conversation.")})
    with transaction.atomic():
        if _mark_read(user, conversation, seq):
            send_events_on_commit([(f"user.{user.id}", events.conversation_read(
                conversation_id=conversation.id, user_id=user.id, last_read_seq=seq))])
            # The latest ones: those are the messages whose notifications are still unread.
            ids = list(Message.objects.filter(conversation=conversation, seq__lte=seq)
                       .order_by("-seq").values_list("id", flat=True)[:1000]) if seq else []
            notifications.mark_targets_read(user=user, target_type="message", target_ids=ids)
    return ReadState.objects.get(conversation=conversation, user=user).last_read_seq


def follow_thread(*, user: User, root: Message, follow: bool = True) -> None:
    if follow:
        ThreadFollow.objects.get_or_create(root=root, user=user)
    else:
        ThreadFollow.objects.filter(root=root, user=user).delete()
