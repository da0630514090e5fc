"""Posts (post | announcement | poll), comments, reactions, attachments, read receipts."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.reactions import REACTION_EMOJI  # noqa: F401 - feed's name for the palette


class Post(models.Model):
    class Kind(models.TextChoices):
        POST = "post", _("Post")
        ANNOUNCEMENT = "announcement", _("Announcement")
        POLL = "poll", _("Poll")

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="posts")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.POST)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    requires_ack = models.BooleanField(default=False)
    ack_deadline = models.DateTimeField(null=True, blank=True)
    # Urgent announcements reach people at once by email and push, even outside their
    # working hours or off duty, instead of waiting until they are back.
    urgent = models.BooleanField(
        default=False,
        help_text=_("For what must reach people now, even outside their working hours or off "
                    "duty. Announcements only."))
    # When those who had not acknowledged were told the deadline is near (once per deadline).
    ack_due_notified_at = models.DateTimeField(null=True, blank=True)
    # Kept by the services so a feed page needs no COUNT per post.
    comment_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["group", "-created", "-id"], name="post_group_recent"),
            models.Index(fields=["-created", "-id"], name="post_recent"),
            models.Index(fields=["group"], condition=models.Q(pinned_at__isnull=False),
                         name="post_pinned"),
            # Only announcements require acknowledgement (the constraint below), so the
            # condition names requires_ack alone: the planner then estimates its size right and
            # reads the required announcements of the viewer's groups, not of every group.
            models.Index(fields=["group", "-created"], condition=models.Q(requires_ack=True),
                         name="post_required_announcement"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requires_ack=False) | models.Q(kind="announcement"),
                name="only_announcements_require_ack"),
            models.CheckConstraint(
                condition=models.Q(urgent=False) | models.Q(kind="announcement"),
                name="only_announcements_are_urgent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_announcement(self) -> bool:
        return self.kind == self.Kind.ANNOUNCEMENT

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None

    def ack_open(self, now=None) -> bool:
        """Whether acknowledgement is still asked for (required and not past its deadline)."""
        if not self.requires_ack:
            return False
        return self.ack_deadline is None or self.ack_deadline > (now or timezone.now())


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    body = models.TextField()
    body_html = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["post", "created", "id"], name="comment_post_order")]

    def __str__(self):
        return f"Comment #{self.pk} on post #{self.post_id}"


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    emoji = models.CharField(max_length=16)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "user", "emoji"],
                                               name="one_reaction_per_emoji")]

    def __str__(self):
        return f"{self.emoji} on post #{self.post_id}"


class Mention(models.Model):
    """Who a post (or one of its comments) mentions, for the "mentions of me" filter."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        indexes = [models.Index(fields=["user", "post"], name="mention_user_post")]

    def __str__(self):
        return f"@{self.user_id} in post #{self.post_id}"


def attachment_path(instance, filename):
    # The stored name never comes from the user: the original name is kept in ``name``.
    return f"posts/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file attached to a post: a document of the group's library, in its Attachments folder
    (docs/documents.md), which governs it. The name, size, kind and image size are those of
    the file as it was attached."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    # Empty only on a row from before documents, until migration 0006 moves its file there;
    # a document deleted for good takes its attachment with it.
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="post_attachments")
    # Where files were stored before they became documents; empty since migration 0006.
    file = models.FileField(upload_to=attachment_path, blank=True)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    is_image = models.BooleanField(default=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Poll(models.Model):
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(max_length=300)
    multiple = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=False)
    closes_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.question

    def is_open(self, now=None) -> bool:
        return self.closes_at is None or self.closes_at > (now or timezone.now())


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["option", "user"],
                                               name="one_vote_per_option")]
        indexes = [models.Index(fields=["poll", "user"], name="vote_poll_user")]

    def __str__(self):
        return f"vote of {self.user_id} for option #{self.option_id}"


class Receipt(models.Model):
    """That one member saw (and perhaps acknowledged) one announcement. A row exists only
    once something happened: the audience itself is the group's membership."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="announcement_receipts")
    seen_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"],
                                               name="one_receipt_per_reader")]
        indexes = [models.Index(fields=["user", "post"], name="receipt_user_post")]

    def __str__(self):
        return f"receipt of {self.user_id} for post #{self.post_id}"


class Reminder(models.Model):
    """A "remind those who haven't" sent by the author or an admin."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    recipient_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"reminder for post #{self.post_id} at {self.sent_at:%Y-%m-%d %H:%M}"


