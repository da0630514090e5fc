"""Who may do what with desks and tickets. Reads start from groups.selectors.visible_groups.

- A desk is known to whoever may file a request on it (every staff member for a desk open to
  staff, the group's members otherwise) and to whoever can see its group.
- A ticket is seen by its requester, the people who said "me too", the desk's agents and
  admins, and whoever can see the desk's group (a public desk's channel is public: its tickets
  are too). A private desk's tickets stay with its members and the people they concern.
- Agents (and the group's owners and admins) act on tickets; the group's owners and admins
  (and organisation admins) set the desk up.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.models import REOPEN_DAYS, Agent, Desk, MeToo, Ticket
from groups.permissions import can_manage
from groups.selectors import visible_groups, visible_member_group_ids


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def visible_desks(user):
    """Desks ``user`` may see or file requests on."""
    if not _active(user):
        return Desk.objects.none()
    desks = Desk.objects.filter(group__archived_at__isnull=True)
    seen = Q(group__in=visible_groups(user).values("id"))
    if user.is_guest:
        return desks.filter(seen)
    return desks.filter(seen | Q(intake=Desk.Intake.STAFF))


def access_desk(user, slug: str) -> Desk:
    desk = visible_desks(user).select_related("group").filter(group__slug=slug).first()
    if desk is None:
        raise Http404("No such desk.")
    return desk


def visible_tickets(user):
    """Tickets ``user`` may see (their content may still hide a forwarded message: see
    desk.selectors.origin_visible)."""
    if not _active(user):
        return Ticket.objects.none()
    # An agent who left the desk's group is no longer one (as in is_agent).
    agent_of = Agent.objects.filter(
        user=user, desk__group_id__in=visible_member_group_ids(user)).values("desk_id")
    # Only on a desk the person may still see or file on: a guest removed from the group, or
    # a requester removed from a members-only desk, sees its tickets no more, by any path.
    return Ticket.objects.filter(desk__in=visible_desks(user).values("id")).filter(
        Q(desk__group__in=visible_groups(user).values("id"))
        | Q(desk__in=agent_of) | Q(requester=user)
        | Q(id__in=MeToo.objects.filter(user=user).values("ticket_id")))


def access_ticket(user, desk: Desk | None, number_or_id, *, by_id: bool = False) -> Ticket:
    """The ticket if ``user`` may see it; 404 for missing and hidden alike."""
    try:
        key = int(number_or_id)
    except (TypeError, ValueError):
        raise Http404("No such ticket.") from None
    tickets = visible_tickets(user).select_related(
        "desk__group", "requester", "assignee", "category", "message")
    ticket = (tickets.filter(id=key) if by_id else tickets.filter(desk=desk, number=key)).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def opens_request_files(user, ticket: Ticket) -> bool:
    """The requester opens the files of their own request through the ticket, even from
    outside a members-only desk's group ("me too" people do not: an HR request's files are
    the requester's). Everyone else opens them in the library, whose rules apply."""
    return _active(user) and ticket.requester_id == user.id


def is_agent(user, desk: Desk) -> bool:
    """The desk's agents, while they are still members of its group, and its admins."""
    if not _active(user):
        return False
    if can_manage(user, desk.group):
        return True
    return (Agent.objects.filter(desk=desk, user=user).exists()
            and visible_member_group_ids(user).filter(group_id=desk.group_id).exists())


def check_agent(user, desk: Desk) -> None:
    if not is_agent(user, desk):
        raise PermissionDenied(_("Only the desk's agents can do this."))


def can_manage_desk(user, desk: Desk) -> bool:
    return _active(user) and can_manage(user, desk.group)


def check_can_manage_desk(user, desk: Desk) -> None:
    if not can_manage_desk(user, desk):
        raise PermissionDenied(_("Only the desk's owners and admins can change its settings."))


def can_file(user, desk: Desk) -> bool:
    """Staff members file requests on a desk open to staff; a members-only desk takes them from
    its group's members (guests only there)."""
    if not _active(user) or desk.group.is_archived:
        return False
    if desk.intake == Desk.Intake.STAFF and not user.is_guest:
        return True
    return visible_member_group_ids(user).filter(group_id=desk.group_id).exists()


def check_can_file(user, desk: Desk) -> None:
    if not can_file(user, desk):
        raise PermissionDenied(_("Only the group's members can file requests on this desk."))


def can_comment(user, ticket: Ticket) -> bool:
    """Its requester, the people who said "me too", and the desk's agents write in its thread
    (others who can see a public desk write through its channel, as members)."""
    if not _active(user) or ticket.desk.group.is_archived:
        return False
    return (ticket.requester_id == user.id or is_agent(user, ticket.desk)
            or MeToo.objects.filter(ticket=ticket, user=user).exists())


def check_can_comment(user, ticket: Ticket) -> None:
    if not can_comment(user, ticket):
        raise PermissionDenied(_("Only the requester, those following the ticket and the desk's "
                                 "agents can write here."))


def can_reopen(user, ticket: Ticket) -> bool:
    return (_active(user) and ticket.status == Ticket.Status.RESOLVED
            and (ticket.requester_id == user.id or is_agent(user, ticket.desk))
            and ticket.resolved_at is not None
            and timezone.now() - ticket.resolved_at <= timedelta(days=REOPEN_DAYS))


def can_say_me_too(user, ticket: Ticket) -> bool:
    return (_active(user) and not user.is_guest and ticket.is_open
            and ticket.requester_id != user.id)
