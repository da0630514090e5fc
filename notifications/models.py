from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One thing one person should know about. Content apps create them through
    ``notifications.services.notify`` with plain data: this app imports no content app."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mentions")
        REPLY = "reply", _("Replies to my posts and threads")
        REACTION = "reaction", _("Reactions to what I wrote")
        DIRECT_MESSAGE = "direct_message", _("Direct messages")
        URGENT_MESSAGE = "urgent_message", _("Urgent messages in my groups")
        ANNOUNCEMENT = "announcement", _("Announcements")
        ANNOUNCEMENT_REMINDER = "announcement_reminder", _("Announcement reminders")
        ACKNOWLEDGEMENT_DUE = "acknowledgement_due", _("Acknowledgements due soon")
        INVITATION = "invitation", _("Invitations")
        JOIN_REQUEST = "join_request", _("Requests to join my groups")
        TICKET = "ticket", _("Tickets assigned or updated")
        DOCUMENT_SHARED = "document_shared", _("Documents shared with me")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    # The group whose content the target is: the notification is shown only while the
    # recipient can still see that group (DESIGN.md, "Permissions").
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+")
    target_type = models.CharField(max_length=32)
    target_id = models.BigIntegerField()
    url = models.CharField(max_length=500)
    title = models.CharField(max_length=300, blank=True)
    urgent = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Delivery. A notification hidden from the in-app list (the person turned that kind off
    # there) may still be emailed or pushed. ``*_due`` is when that channel may deliver it (a
    # held one waits for working hours); None means the channel is not used.
    in_app = models.BooleanField(default=True)
    scope = models.CharField(max_length=80, blank=True)
    email_due = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    push_due = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread"),
            models.Index(fields=["target_type", "target_id"], name="notification_target"),
            models.Index(fields=["recipient", "email_due"],
                         condition=models.Q(email_due__isnull=False, emailed_at__isnull=True),
                         name="notification_email_pending"),
            models.Index(fields=["recipient", "push_due"],
                         condition=models.Q(push_due__isnull=False, pushed_at__isnull=True),
                         name="notification_push_pending"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationSettings(models.Model):
    """One person's choices about how and when they are told. A missing row means defaults."""

    class Duty(models.TextChoices):
        SCHEDULE = "schedule", _("Follow my working hours")
        ON_CALL = "on_call", _("On call: reach me at any time")
        OFF_DUTY = "off_duty", _("Off duty: hold everything that is not urgent")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="notification_settings")
    # Overrides of notifications.preferences.DEFAULT_CHANNELS: {kind: {channel: bool}}.
    channels = models.JSONField(default=dict, blank=True)
    email_interval_minutes = models.PositiveSmallIntegerField(default=15)
    push_previews = models.BooleanField(
        default=False, help_text=_("Show the text of messages and posts on the lock screen."))
    duty = models.CharField(max_length=16, choices=Duty.choices, default=Duty.SCHEDULE)
    duty_until = models.DateTimeField(null=True, blank=True)
    last_email_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"notification settings of {self.user_id}"


class WorkingPeriod(models.Model):
    """A span of working time on one weekday, in the person's own time zone. A period whose
    end is not after its start (a night shift, 21:00 to 07:00) ends the next morning."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="working_periods")
    weekday = models.PositiveSmallIntegerField()  # Monday is 0, as in datetime.weekday()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6),
                                   name="working_period_weekday"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.weekday} {self.start}-{self.end}"


class GroupLevel(models.Model):
    """How much one person hears about one group's content."""

    class Level(models.TextChoices):
        ALL = "all", _("Everything")
        IMPORTANT = "important", _("Mentions and announcements only")
        NOTHING = "nothing", _("Nothing")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.ALL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"],
                                               name="group_level_unique")]

    def __str__(self):
        return f"{self.user_id} in {self.group_id}: {self.level}"


class Mute(models.Model):
    """A conversation (or any other scope a content app names) one person has muted. The
    label is what the content app called it when it was muted, for the settings page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    scope = models.CharField(max_length=80)  # "conversation:42"
    label = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["user", "scope"], name="mute_unique")]

    def __str__(self):
        return f"{self.user_id} muted {self.scope}"


class PushSubscription(models.Model):
    """One browser that agreed to receive web push for one person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"push for {self.user_id}"
