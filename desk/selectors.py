"""Every read of desks and tickets, scoped to the viewer through desk.permissions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from chat import selectors as chat_selectors
from chat.permissions import visible_conversations
from desk.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Agent,
    Category,
    Desk,
    IntakeForm,
    MeToo,
    Ticket,
    TicketChange,
)
from desk.permissions import is_agent, visible_desks, visible_tickets
from desk.service_hours import Hours
from groups.selectors import users_who_can_see, visible_groups


def desks_for(user) -> QuerySet[Desk]:
    """The desks ``user`` may see, with whether they answer there and, for the desks whose
    group they see, their open tickets counted (a private desk open to all staff says how
    busy it is to its own group only)."""
    return (visible_desks(user).select_related("group")
            .annotate(group_visible=Exists(visible_groups(user).filter(id=OuterRef("group_id"))),
                      open_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES),
                                       distinct=True),
                      agent_role=Count("agents", filter=Q(agents__user=user), distinct=True))
            .order_by("group__name"))


def hours_of(desk: Desk) -> Hours:
    return Hours.of(desk.time_zone, desk.service_hours.values_list("weekday", "start", "end"))


def agents_of(desk: Desk):
    """The desk's agents who are still members of its group."""
    return (Agent.objects.filter(desk=desk, user__is_active=True,
                                 user__memberships__group=desk.group_id)
            .select_related("user").order_by("user__display_name"))


def on_call_agent_ids(desk: Desk) -> list[int]:
    """Who hears of an urgent ticket at once: the agents on call, or every agent when nobody
    is."""
    agents = agents_of(desk)
    on_call = [a.user_id for a in agents if a.on_call]
    return on_call or [a.user_id for a in agents]


def categories_of(desk: Desk, *, include_archived: bool = False) -> QuerySet[Category]:
    categories = Category.objects.filter(desk=desk)
    return categories if include_archived else categories.filter(archived=False)


def forms_of(desk: Desk, *, include_inactive: bool = False) -> QuerySet[IntakeForm]:
    forms = IntakeForm.objects.filter(desk=desk).prefetch_related("fields")
    return forms if include_inactive else forms.filter(active=True)


@dataclass(frozen=True)
class QueueFilters:
    """The agents' queue filters, as parsed from a query string (desk/forms.py)."""

    mine: bool = False
    unassigned: bool = False
    status: str = ""  # a Ticket.Status, "open" (the default) or "all"
    priority: str = ""
    category_id: int | None = None
    overdue: bool = False
    sort: str = "priority"  # priority | newest | oldest | updated | due


SORTS = {
    "newest": ["-created", "-id"],
    "oldest": ["created", "id"],
    "updated": ["-updated", "-id"],
    "due": ["resolution_due", "created", "id"],
    "priority": ["priority_rank", "created", "id"],
}


def overdue_q(now=None) -> Q:
    """Open tickets past a target: unanswered after the first-response target, or unresolved
    after the resolution target."""
    now = now or timezone.now()
    return (Q(status__in=OPEN_STATUSES)
            & (Q(first_response_at__isnull=True, first_response_due__lt=now)
               | Q(resolution_due__lt=now)))


def queue(desk: Desk, user, filters: QueueFilters = QueueFilters()) -> QuerySet[Ticket]:
    """The desk's tickets as its agents work them. Urgent tickets nobody has taken come first
    whatever the sort, until someone takes them."""
    tickets = (Ticket.objects.filter(desk=desk)
               .select_related("desk", "requester", "assignee", "category"))
    status = filters.status or "open"
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        tickets = tickets.filter(status=status)
    if filters.mine:
        tickets = tickets.filter(assignee=user)
    if filters.unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    if filters.priority:
        tickets = tickets.filter(priority=filters.priority)
    if filters.category_id is not None:
        tickets = tickets.filter(category_id=filters.category_id)
    if filters.overdue:
        tickets = tickets.filter(overdue_q())
    pinned = Case(When(priority="urgent", assignee__isnull=True, status__in=OPEN_STATUSES,
                       then=Value(0)), default=Value(1), output_field=IntegerField())
    rank = Case(*[When(priority=p, then=Value(r)) for p, r in PRIORITY_RANK.items()],
                output_field=IntegerField())
    return (tickets.annotate(pinned=pinned, priority_rank=rank)
            .order_by("pinned", *SORTS.get(filters.sort, SORTS["priority"])))


def requests_of(user) -> QuerySet[Ticket]:
    """The tickets ``user`` filed or follows with a "me too", newest first."""
    return (visible_tickets(user)
            .filter(Q(requester=user) | Q(id__in=MeToo.objects.filter(user=user)
                                          .values("ticket_id")))
            .select_related("desk__group", "assignee", "category").order_by("-created"))


def tickets_for_api(user, *, desk: Desk | None = None) -> QuerySet[Ticket]:
    tickets = visible_tickets(user).select_related("desk__group", "requester", "assignee",
                                                   "category")
    return tickets.filter(desk=desk) if desk is not None else tickets


def origin_visible(user, ticket: Ticket) -> bool:
    """Whether ``user`` may read the message a ticket was opened from (always true for a
    ticket filed directly)."""
    if ticket.origin_id is None:
        return True
    return visible_conversations(user).filter(id=ticket.origin.conversation_id).exists()


def thread_of(ticket: Ticket) -> list:
    """The ticket's discussion: the replies in its message's thread, oldest first."""
    if ticket.message_id is None:
        return []
    return chat_selectors.thread(ticket.message)


def changes_of(ticket: Ticket) -> QuerySet[TicketChange]:
    return TicketChange.objects.filter(ticket=ticket).select_related("actor")


def has_said_me_too(user, ticket: Ticket) -> bool:
    return user.is_authenticated and MeToo.objects.filter(ticket=ticket, user=user).exists()


def me_too_people(ticket: Ticket):
    return [row.user for row in MeToo.objects.filter(ticket=ticket).select_related("user")
            .order_by("created")]


def ticket_of_message(message_id: int) -> Ticket | None:
    return (Ticket.objects.filter(message_id=message_id).select_related("desk__group")
            .first())


def desk_of_group(group_id: int) -> Desk | None:
    return Desk.objects.filter(group_id=group_id).select_related("group").first()


def desk_of(group) -> Desk | None:
    """``group``'s desk: no query when it was read with the group (select_related)."""
    try:
        return group.desk
    except Desk.DoesNotExist:
        return None


def viewer_is_agent(user, desk: Desk) -> bool:
    return is_agent(user, desk)


def people_who_see_group(group, ids) -> list[int]:
    """Which of ``ids`` can see ``group``'s content."""
    return list(users_who_can_see(group).filter(id__in=list(ids)).values_list("id", flat=True))
