"""What desks add to chat's messages (settings.RELAIS_MESSAGE_MENU_EXTENSIONS; chat imports
nothing of desk): "Make a ticket" in the menu of a desk channel's messages, for its agents,
and the ticket's reference beside a message that is a ticket."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from desk import permissions, selectors, services
from desk.models import Ticket


def message_menu_items(user, conversation) -> list[dict]:
    if not conversation.is_channel or not getattr(user, "is_authenticated", False):
        return []
    desk = selectors.desk_of_group(conversation.group_id)
    if desk is None or not permissions.is_agent(user, desk):
        return []
    return [{"label": _("Make a ticket"), "url_name": "desk:from_message"}]


def message_badges(user, conversation, message_ids) -> dict[int, list[dict]]:
    """Whoever reads a desk's channel sees its tickets (desk.permissions.visible_tickets); its
    agents also get the quick actions on a ticket's message (in the channel and at the top of
    its thread), which post to the ticket and come back here."""
    if not conversation.is_channel or not message_ids:
        return {}
    tickets = list(Ticket.objects.filter(message_id__in=list(message_ids),
                                         desk__group_id=conversation.group_id)
                   .select_related("desk__group"))
    agent = bool(tickets) and permissions.is_agent(user, tickets[0].desk)
    return {ticket.message_id: [{"label": ticket.reference, "url": services.ticket_url(ticket),
                                 "title": ticket.get_status_display(),
                                 "class": f"desk-status-{ticket.status}",
                                 **({"actions": quick_actions(user, ticket)} if agent else {})}]
            for ticket in tickets}


def quick_actions(user, ticket: Ticket) -> list[dict]:
    """The agents' one-click changes that make sense for the ticket as it is now."""
    if not ticket.is_open:
        return []
    url = reverse("desk:ticket_update", args=[ticket.desk.group.slug, ticket.number])
    actions = []
    if not (ticket.assignee_id == user.id and ticket.status == Ticket.Status.IN_PROGRESS):
        actions.append({"label": _("Take it"), "url": url, "action": "take"})
    if ticket.status != Ticket.Status.WAITING:
        actions.append({"label": _("Ask the requester"), "url": url, "action": "ask"})
    actions.append({"label": _("Resolve"), "url": url, "action": "resolve"})
    return actions
