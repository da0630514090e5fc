"""The emoji reactions offered under posts and messages: a small palette, the same on every
screen, so reactions stay readable and comparable."""

import functools

from django.utils.html import format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# The last ones name teams: desks route a message to a team when an agent reacts with them.
REACTION_EMOJI = ["👍", "❤️", "🎉", "😊", "😮", "😢", "🙏", "✅", "👀", "💡",
                  "💻", "🩺", "🔧", "📋", "🚨"]


def palette_buttons():
    """The palette's buttons (name="emoji"), identical under every post and message: built
    once per language rather than ten translated buttons per card in the template."""
    return _palette_buttons(get_language())


@functools.lru_cache(maxsize=16)
def _palette_buttons(language: str):
    return format_html_join(
        "", '<button name="emoji" value="{}" class="palette-emoji" aria-label="{}">{}</button>',
        ((emoji, _("React with %(emoji)s") % {"emoji": emoji}, emoji) for emoji in REACTION_EMOJI))
