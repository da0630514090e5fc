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
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread"),
            models.Index(fields=["target_type", "target_id"], name="notification_target"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
