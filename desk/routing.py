"""Emoji routes: an agent of a desk reacts to a message of the desk's channel with a mapped
emoji, and the message is forwarded (a link and a quote, its author named) to the route's
target group; when the target is a desk, a ticket is opened there too.

The copy quotes the source through chat's forwarded_from, so only people who can read the
source ever see its content (chat/services.forward_message). A message goes once to each
target, however many people react.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from chat import services as chat
from chat.models import Message
from chat.permissions import can_send
from desk import permissions, selectors
from desk.models import EmojiRoute, Forward


def reaction_added(*, message: Message, user, emoji: str) -> Forward | None:
    """chat's hook. Returns the forward made, if any."""
    conversation = message.conversation
    if not conversation.is_channel or message.is_deleted:
        return None
    desk = selectors.desk_of_group(conversation.group_id)
    if desk is None or not permissions.is_agent(user, desk):
        return None
    route = EmojiRoute.objects.filter(desk=desk, emoji=emoji).select_related("target").first()
    if route is None or route.target.is_archived:
        return None
    if Forward.objects.filter(source=message, target=route.target).exists():
        return None
    return forward(actor=user, message=message, route=route)


def forward(*, actor, message: Message, route: EmojiRoute) -> Forward | None:
    target_desk = selectors.desk_of_group(route.target_id)
    channel = chat.ensure_channel(route.target)
    # Into a desk: whoever may file there; into a group: its members.
    allowed = (permissions.can_file(actor, target_desk) if target_desk is not None
               else can_send(actor, channel))
    if not allowed:
        return None
    try:
        with transaction.atomic():
            record = Forward.objects.create(source=message, target=route.target,
                                            forwarded_by=actor)
            if target_desk is not None:
                from desk import services

                record.ticket = services.forwarded_ticket(actor=actor, desk=target_desk,
                                                          source=message)
                record.copy = record.ticket.message
            else:
                record.copy = chat.forward_message(actor=actor, source=message,
                                                   conversation=channel)
            record.save(update_fields=["ticket", "copy"])
    except IntegrityError:  # the same message forwarded at the same moment by someone else
        return None
    return record


def routes_of(desk) -> list[EmojiRoute]:
    return list(EmojiRoute.objects.filter(desk=desk).select_related("target"))

