from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Group(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")
        SECRET = "secret", _("Secret")

    class Colour(models.TextChoices):
        TEAL = "teal", _("Teal")
        BLUE = "blue", _("Blue")
        INDIGO = "indigo", _("Indigo")
        PURPLE = "purple", _("Purple")
        PINK = "pink", _("Pink")
        RED = "red", _("Red")
        ORANGE = "orange", _("Orange")
        GREEN = "green", _("Green")
        SLATE = "slate", _("Slate")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=140, unique=True, allow_unicode=False)
    description = models.TextField(_("description"), blank=True)
    colour = models.CharField(_("colour"), max_length=16, choices=Colour.choices,
                              default=Colour.TEAL)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    is_all_staff = models.BooleanField(
        _("all staff"), default=False,
        help_text=_("The organisation-wide group that every staff member joins."),
    )
    allow_guests = models.BooleanField(
        _("open to guests"), default=False,
        help_text=_("External guests can be invited into this group."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = [Lower("name")]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = [
            models.UniqueConstraint(fields=["is_all_staff"], condition=models.Q(is_all_staff=True),
                                    name="only_one_all_staff_group"),
            models.CheckConstraint(
                condition=~models.Q(is_all_staff=True, visibility="secret"),
                name="all_staff_group_not_secret",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def initials(self) -> str:
        # "Cellule de crise" → "C", "Soins Intensifs" → "SI": small linking words are skipped.
        words = [w for w in self.name.split() if w[:1].isalnum()]
        significant = [w for w in words if w[:1].isupper() or w[:1].isdigit()] or words[:1]
        return "".join(w[0] for w in significant[:2]).upper() or "?"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_user"),
        ]
        indexes = [models.Index(fields=["user", "group"], name="membership_user_group")]

    def __str__(self):
        return f"{self.user} in {self.group} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="join_requests")
    message = models.TextField(_("message"), blank=True, max_length=1000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"],
                                    condition=models.Q(status="pending"),
                                    name="one_pending_request_per_user"),
        ]

    def __str__(self):
        return f"{self.user} → {self.group} ({self.status})"


class GroupInvitation(models.Model):
    """A seat in a group kept for someone invited by email who has no account yet."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices,
                            default=Membership.Role.MEMBER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(Lower("email"), name="group_invitation_email_ci")]

    def __str__(self):
        return f"{self.email} → {self.group}"
