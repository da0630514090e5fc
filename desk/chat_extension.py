"""What desks add to chat's messages (settings.RELAIS_MESSAGE_MENU_EXTENSIONS; chat imports
nothing of desk): "Make a ticket" in the menu of a desk channel's messages, for its agents,
and the ticket's reference beside a message that is a ticket."""

from __future__ import annotations

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
    """Whoever reads a desk's channel sees its tickets (desk.permissions.visible_tickets)."""
    if not conversation.is_channel or not message_ids:
        return {}
    tickets = (Ticket.objects.filter(message_id__in=list(message_ids),
                                     desk__group_id=conversation.group_id)
               .select_related("desk__group"))
    return {ticket.message_id: [{"label": ticket.reference, "url": services.ticket_url(ticket),
                                 "title": ticket.get_status_display(),
                                 "class": f"desk-status-{ticket.status}"}]
            for ticket in tickets}
