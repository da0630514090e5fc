"""Conversations (a group's channel, or a direct conversation) and their messages."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DIRECT_MAX_PEOPLE = 20


class Conversation(models.Model):
    class Kind(models.TextChoices):
        CHANNEL = "channel", _("Group channel")
        DIRECT = "direct", _("Direct conversation")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # A channel belongs to one group; whoever can see the group's content can see it.
    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="channel")
    # A direct conversation is found again from its people: their sorted ids, "3,8,21".
    direct_key = models.CharField(max_length=400, null=True, blank=True, unique=True)
    title = models.CharField(max_length=120, blank=True)
    # Urgent messages are allowed per channel by the group's admins (always in direct ones).
    urgent_allowed = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    # The total order of messages: each message takes the next number under a row lock, so
    # every client sorts a conversation the same way and can tell when it missed one.
    last_seq = models.PositiveBigIntegerField(default=0)
    # The seq of the latest message shown in the conversation itself (not a thread-only
    # reply): a reader whose pointer is behind it has something unread.
    last_visible_seq = models.PositiveBigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="channel", group__isnull=False, direct_key__isnull=True)
                           | models.Q(kind="direct", group__isnull=True,
                                      direct_key__isnull=False)),
                name="conversation_is_a_channel_or_direct"),
        ]

    def __str__(self):
        return self.title or (f"#{self.group_id}" if self.group_id else f"direct {self.direct_key}")

    @property
    def is_channel(self) -> bool:
        return self.kind == self.Kind.CHANNEL


class Participant(models.Model):
    """Someone in a direct conversation; for channels, the group's membership decides."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="chat_participations")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"],
                                               name="one_participation_per_person")]
        indexes = [models.Index(fields=["user", "conversation"], name="participant_user")]

    def __str__(self):
        return f"{self.user_id} in {self.conversation_id}"


class ReadState(models.Model):
    """How far one person has read one conversation (the seq of the last message read)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="chat_read_states")
    last_read_seq = models.PositiveBigIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"],
                                               name="one_read_state_per_person")]

    def __str__(self):
        return f"{self.user_id} read {self.conversation_id} to {self.last_read_seq}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    # The sender's own id for this message: a retried send finds the stored one.
    client_id = models.CharField(max_length=64, blank=True)
    body = models.TextField()
    body_html = models.TextField()
    thread_root = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="thread_replies")
    also_in_channel = models.BooleanField(default=False)
    reply_count = models.PositiveIntegerField(default=0)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    # A forwarded message quotes its source, shown only to those who can read the source.
    forwarded_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True,
                                       blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="one_message_per_seq"),
            models.UniqueConstraint(fields=["conversation", "author", "client_id"],
                                    condition=~models.Q(client_id=""),
                                    name="one_message_per_client_id"),
        ]
        indexes = [models.Index(fields=["thread_root", "seq"], name="message_thread")]

    def __str__(self):
        return f"message {self.conversation_id}:{self.seq}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def in_channel_view(self) -> bool:
        """Shown in the conversation itself (not only in its thread)."""
        return self.thread_root_id is None or self.also_in_channel


class MessageEdit(models.Model):
    """A previous text of an edited message, kept for the group's admins."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["replaced_at", "id"]

    def __str__(self):
        return f"edit of {self.message_id}"


class MessageAttachment(models.Model):
    """A file attached to a message of a group's channel: a document of the group's library, in
    its Attachments folder (docs/documents.md), which governs it. Direct conversations have no
    library, so no attachments. ``width`` and ``height``: an image's, as it was attached."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    # A document deleted for good takes its attachment with it.
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE,
                                 related_name="message_attachments")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"document {self.document_id} on message {self.message_id}"


class MessageReaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    emoji = models.CharField(max_length=16)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user", "emoji"],
                                               name="one_message_reaction_per_emoji")]

    def __str__(self):
        return f"{self.emoji} on {self.message_id}"


class MessageMention(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["user", "conversation", "seq"], name="mention_unread")]

    def __str__(self):
        return f"@{self.user_id} in {self.message_id}"


class ThreadFollow(models.Model):
    """Who hears of new replies in a thread: its author, those who replied, and followers."""

    root = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["root", "user"],
                                               name="one_follow_per_thread")]

    def __str__(self):
        return f"{self.user_id} follows {self.root_id}"


class Presence(models.Model):
    """One open socket: whose it is and whether its tab is in use (chat/presence.py).

    Kept in the database so that every server process sees every tab. Each socket refreshes
    its row while it is open; a row nobody refreshed for a while belongs to a process that
    died, no longer counts, and is swept away.
    """

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")

    channel_name = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ONLINE)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "last_seen"], name="presence_user"),
                   models.Index(fields=["last_seen"], name="presence_last_seen")]

    def __str__(self):
        return f"{self.user_id} {self.status} on {self.channel_name}"


class LastSeen(models.Model):
    """A person's overall status as last announced, and when they were last seen.

    Its row is also the lock that lets one process at a time decide whether the status
    changed, so each change is announced once whatever the number of tabs and processes.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="chat_last_seen")
    status = models.CharField(max_length=8, default="offline")
    at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user_id} {self.status} (seen {self.at})"
