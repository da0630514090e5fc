"""Request desks (docs/desks.md): a group whose channel takes requests that become tickets."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# The requester may reopen a resolved ticket for this many days.
REOPEN_DAYS = 7

# Most urgent first: the queue sorts by this rank.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Desk(models.Model):
    class Intake(models.TextChoices):
        STAFF = "staff", _("Every staff member may file a request")
        MEMBERS = "members", _("Only the group's members may file a request")

    group = models.OneToOneField("groups.Group", on_delete=models.CASCADE, related_name="desk")
    # Ticket numbers read "IT-1042": the prefix is the desk's short name.
    prefix = models.CharField(_("ticket prefix"), max_length=12, unique=True)
    next_number = models.PositiveIntegerField(default=1)
    intake = models.CharField(_("who may file a request"), max_length=16,
                              choices=Intake.choices, default=Intake.STAFF)
    every_message_is_request = models.BooleanField(
        _("every message in the channel is a request"), default=False)
    priorities_enabled = models.BooleanField(_("requesters choose a priority"), default=True)
    # Service hours and target times are read in this time zone.
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    # Urgent requests are filed on this desk instead (the story's "priority channel").
    urgent_desk = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("urgent desk"))
    created = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.prefix


class ServiceHours(models.Model):
    """One opening period of a desk on one weekday (0 is Monday). A desk without any is open
    around the clock. Target times only run while the desk is open."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="service_hours")
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [models.CheckConstraint(condition=models.Q(start__lt=models.F("end")),
                                              name="service_hours_start_before_end"),
                       models.CheckConstraint(condition=models.Q(weekday__lte=6),
                                              name="service_hours_weekday")]

    def __str__(self):
        return f"{self.desk_id} day {self.weekday} {self.start}-{self.end}"


class TargetTime(models.Model):
    """How long, in service minutes, the desk aims to take for a priority."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=16, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["desk", "priority"],
                                               name="one_target_per_priority")]

    def __str__(self):
        return f"{self.desk_id} {self.priority}"


class Agent(models.Model):
    """A member of the desk's group who answers requests. On-call agents hear of urgent
    tickets at once, whatever their working hours."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="desk_agent_roles")
    on_call = models.BooleanField(_("on call"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["desk", "user"],
                                               name="one_agent_role_per_desk")]

    def __str__(self):
        return f"{self.user_id} agent of {self.desk_id}"


class Category(models.Model):
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(default=0)
    # A request in an urgent category is urgent whatever the requester chose.
    urgent = models.BooleanField(_("urgent category"), default=False)
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["desk", "name"],
                                               name="one_category_name_per_desk")]

    def __str__(self):
        return self.name


class IntakeForm(models.Model):
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="forms")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("category"))
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("offered to requesters"), default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class FormField(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        YES_NO = "yes_no", _("Yes or no")
        DATE = "date", _("Date")
        NUMBER = "number", _("Number")
        PERSON = "person", _("Person")
        FILE = "file", _("File")

    form = models.ForeignKey(IntakeForm, on_delete=models.CASCADE, related_name="fields")
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    # The options of a choice field, in order.
    choices = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label

    @property
    def key(self) -> str:
        """The name of this field in a request's answers (``field_12``)."""
        return f"field_{self.pk}"


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket status", "New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting on requester")
        RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        FORM = "form", _("Request form")
        API = "api", _("API")
        CHANNEL = "channel", _("Message in the desk's channel")
        MESSAGE = "message", _("Message turned into a ticket")
        FORWARD = "forward", _("Forwarded by an emoji")

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="tickets")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="desk_requests")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=16, choices=Priority.choices,
                                default=Priority.NORMAL)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="tickets")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="desk_assignments")
    form = models.ForeignKey(IntakeForm, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    # The form's answers as they were filed: [{"label", "kind", "value", "text"}], so that a
    # later change to the form never rewrites a request.
    answers = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.FORM)
    # The ticket's message in the desk's channel; its thread is the ticket's discussion.
    message = models.OneToOneField("chat.Message", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="ticket")
    # A ticket opened from another message (turned into a ticket, or forwarded by an emoji):
    # its content is shown only to those who can see that message.
    origin = models.ForeignKey("chat.Message", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the desk's target times fall due, counted in service hours (desk/service_hours.py).
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    me_too_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["desk", "number"],
                                               name="one_ticket_per_number")]
        indexes = [models.Index(fields=["desk", "status", "created"], name="ticket_queue"),
                   models.Index(fields=["desk", "assignee", "status"], name="ticket_assignee"),
                   models.Index(fields=["requester", "created"], name="ticket_requester")]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        """``IT-1042``."""
        return f"{self.desk.prefix}-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)


OPEN_STATUSES = [Ticket.Status.NEW, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]


class MeToo(models.Model):
    """Someone else with the same problem: they follow the ticket and are counted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="me_too")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"],
                                               name="one_me_too_per_person")]

    def __str__(self):
        return f"{self.user_id} too on {self.ticket_id}"


class TicketChange(models.Model):
    """One change of a ticket's fields, who made it and when: the ticket's history (also told
    in its thread) and what the metrics read."""

    class Field(models.TextChoices):
        STATUS = "status", _("Status")
        PRIORITY = "priority", _("Priority")
        CATEGORY = "category", _("Category")
        ASSIGNEE = "assignee", _("Assignee")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    field = models.CharField(max_length=16, choices=Field.choices)
    # Stored values (a status code, a category or user id as text), "" for none.
    old = models.CharField(max_length=64, blank=True)
    new = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self):
        return f"{self.ticket_id} {self.field}: {self.old} → {self.new}"


class EmojiRoute(models.Model):
    """Reacting with ``emoji`` to a message in the desk's channel forwards it to ``target``
    (and, when the target is a desk, opens a ticket there)."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="routes")
    emoji = models.CharField(max_length=16)
    target = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["desk", "emoji"],
                                               name="one_route_per_emoji")]

    def __str__(self):
        return f"{self.emoji} → {self.target_id}"


class Forward(models.Model):
    """A message forwarded by a route, once per target."""

    source = models.ForeignKey("chat.Message", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    copy = models.ForeignKey("chat.Message", on_delete=models.SET_NULL, null=True,
                             related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target"],
                                               name="one_forward_per_target")]

    def __str__(self):
        return f"{self.source_id} → {self.target_id}"
