"""Event builders for desks (docs/realtime.md). They go to the desk's group stream (whoever
can see the desk's channel) and to the people the ticket concerns."""

from django.urls import reverse

from desk.models import Ticket


def ticket_payload(ticket: Ticket) -> dict:
    return {
        "id": ticket.id,
        "desk_id": ticket.desk_id,
        "reference": ticket.reference,
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "category_id": ticket.category_id,
        "assignee_id": ticket.assignee_id,
        "requester_id": ticket.requester_id,
        "me_too_count": ticket.me_too_count,
        "message_id": ticket.message_id,
        "updated": ticket.updated.isoformat(),
        "url": reverse("desk:ticket", args=[ticket.desk.group.slug, ticket.number]),
    }


def ticket_created(ticket: Ticket) -> dict:
    return {"type": "ticket.created", "ticket": ticket_payload(ticket)}


def ticket_updated(ticket: Ticket) -> dict:
    return {"type": "ticket.updated", "ticket": ticket_payload(ticket)}
