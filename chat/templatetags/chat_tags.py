"""Template helpers for chat pages: a message's reactions as the viewer sees them, its files,
the quote of a forwarded message, and what other apps add to messages."""

from importlib import import_module

from django import template
from django.conf import settings

from chat.models import Message
from chat.permissions import visible_conversations
from chat.schemas import reaction_summary
from chat.selectors import attachments_of

register = template.Library()


@register.simple_tag
def message_reactions(message, user) -> list[dict]:
    """[{emoji, count, mine, names}] in palette order, from the prefetched reactions."""
    return reaction_summary(message, user)


@register.simple_tag
def message_attachments(message) -> list:
    """The message's files shown (documents of the group's library, not in its trash)."""
    return attachments_of(message)


@register.simple_tag
def forwarded_source(message, user) -> dict | None:
    """For a forwarded message, ``{"source": Message | None}``: the source when ``user`` can
    read it, None when they cannot (they only learn that it was forwarded). One query, and
    only for forwarded messages."""
    if not getattr(message, "forwarded_from_id", None):
        return None
    source = (Message.objects.select_related("author")
              .filter(id=message.forwarded_from_id,
                      conversation__in=visible_conversations(user)).first())
    return {"source": source}


def _extensions() -> list:
    """The modules of settings.RELAIS_MESSAGE_MENU_EXTENSIONS: apps built on chat (desks) add
    items to a message's menu and badges beside it, without chat importing them."""
    return [import_module(path)
            for path in getattr(settings, "RELAIS_MESSAGE_MENU_EXTENSIONS", [])]


def _shown_ids(context, message) -> set[int]:
    """The messages this render draws, so that one query gives all of their badges."""
    ids = {message.id}
    window = context.get("window")
    for row in getattr(window, "messages", None) or []:
        ids.add(row.id)
    for row in context.get("replies") or []:
        ids.add(row.id)
    root = context.get("root")
    if root is not None and getattr(root, "id", None):
        ids.add(root.id)
    return ids


@register.simple_tag(takes_context=True)
def message_extensions(context, message) -> dict:
    """``{"menu": [{label, url_name}], "badges": [{label, url, title, actions?}], "actions":
    [{label, url, action}]}`` for ``message``.

    Each extension module offers ``message_menu_items(user, conversation)`` (asked once per
    conversation and request) and optionally ``message_badges(user, conversation,
    message_ids) -> {message_id: [badge, ...]}`` (asked once for every message drawn)."""
    conversation = context.get("conversation") or message.conversation
    user = context.get("user")
    request = context.get("request")
    cache = getattr(request, "_chat_message_extensions", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._chat_message_extensions = cache
    entry = cache.get(conversation.id)
    if entry is None:
        modules = _extensions()
        menu = [item for module in modules
                for item in module.message_menu_items(user, conversation)]
        entry = cache[conversation.id] = {"modules": modules, "menu": menu, "badges": {},
                                          "known": set()}
    if message.id not in entry["known"]:
        ids = _shown_ids(context, message) - entry["known"]
        for module in entry["modules"]:
            if hasattr(module, "message_badges"):
                for message_id, badges in module.message_badges(user, conversation,
                                                                 ids).items():
                    entry["badges"].setdefault(message_id, []).extend(badges)
        entry["known"] |= ids
    badges = entry["badges"].get(message.id, [])
    # A message whose badge brings actions (a desk's ticket, for its agents) offers those
    # instead of the conversation's items ("Make a ticket" of a ticket).
    actions = [action for badge in badges for action in badge.get("actions", [])]
    carries_actions = any("actions" in badge for badge in badges)
    return {"menu": [] if carries_actions else entry["menu"], "badges": badges,
            "actions": actions}
