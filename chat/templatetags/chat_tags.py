"""Template helpers for chat pages: a message's reactions as the viewer sees them."""

from django import template

from chat.schemas import reaction_summary

register = template.Library()


@register.simple_tag
def message_reactions(message, user) -> list[dict]:
    """[{emoji, count, mine, names}] in palette order, from the prefetched reactions."""
    return reaction_summary(message, user)
