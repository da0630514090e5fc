"""Template helpers for chat pages: a message's reactions as the viewer sees them, its files."""

from django import template

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
