"""Template helpers shared by every page: icons, avatars and relative times."""

import functools

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from network.deferred_html import relative_time_mark

register = template.Library()

# Outline icons on a 24px grid (paths drawn for Relais, stroke-based).
ICONS = {
    "feed": '<path d="M4 5h16M4 12h16M4 19h10"/>',
    "groups": '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c.8-3.6 3.4-5.5 6.5-5.5s5.7 1.9 6.5 5.5"/><path d="M16 4.8a3.5 3.5 0 0 1 0 6.4M18 14.8c1.9.7 3.1 2.4 3.5 5.2"/>',
    "chat": '<path d="M4 5h16v11H9l-5 4z"/>',
    "documents": '<path d="M6 3h8l5 5v13H6z"/><path d="M14 3v5h5M9 13h7M9 17h7"/>',
    "search": '<circle cx="11" cy="11" r="6.5"/><path d="m16 16 5 5"/>',
    "desks": '<path d="M4 7h16v12H4z"/><path d="M9 7V4h6v3M4 12h16"/>',
    "notifications": '<path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z"/><path d="M10 20a2 2 0 0 0 4 0"/>',
    "people": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4.5 4.2-7 8-7s7 2.5 8 7"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>',
    "eye-off": '<path d="M3 3l18 18M10.6 6.1A9.6 9.6 0 0 1 12 6c5 0 8.5 4 9.5 6a13 13 0 0 1-3 3.8M6.4 7.4A13 13 0 0 0 2.5 12c1 2 4.5 6 9.5 6 1.6 0 3-.4 4.3-1"/><path d="M9.9 9.9a3 3 0 0 0 4.2 4.2"/>',
    "globe": '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c2.5 2.7 3.5 5.7 3.5 9s-1 6.3-3.5 9c-2.5-2.7-3.5-5.7-3.5-9s1-6.3 3.5-9z"/>',
    "archive": '<path d="M3 5h18v4H3zM5 9v10h14V9M10 13h4"/>',
    "settings": '<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M4.2 4.2l2.1 2.1M17.7 17.7l2.1 2.1M2 12h3M19 12h3M4.2 19.8l2.1-2.1M17.7 6.3l2.1-2.1"/>',
    "logout": '<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10"/>',
    "key": '<circle cx="8" cy="15" r="4"/><path d="m11 12 9-9M17 6l3 3M14 9l2 2"/>',
    "shield": '<path d="M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6z"/><path d="m9 12 2 2 4-4"/>',
    "menu": '<path d="M4 6h16M4 12h16M4 18h16"/>',
    "check": '<path d="m5 12 5 5 9-10"/>',
    "x": '<path d="M6 6l12 12M18 6 6 18"/>',
    "mail": '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>',
    "phone": '<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a1 1 0 0 1-1 1A16 16 0 0 1 4 5a1 1 0 0 1 1-1z"/>',
    "building": '<path d="M4 21V5l8-2v18M12 8h8v13M8 8v.01M8 12v.01M8 16v.01M16 12v.01M16 16v.01M2 21h20"/>',
    "user-plus": '<circle cx="9" cy="8" r="4"/><path d="M2 21c.8-4 3.6-6.5 7-6.5 1.6 0 3 .5 4.2 1.4M19 14v6M16 17h6"/>',
    "language": '<path d="M4 5h9M8.5 3v2M6 5c.5 3 2.5 6 6 7.5M11 5c-.8 3.5-3 6.5-7 8M13 21l4-9 4 9M14.5 18h5"/>',
    "pin": '<path d="M9 4h6l-1 6 3 3H7l3-3zM12 13v8"/>',
    "paperclip": '<path d="M20 11.5 12 19.5a5 5 0 0 1-7-7l8.5-8.5a3.5 3.5 0 0 1 5 5L10 17.5a2 2 0 0 1-3-3l7.5-7.5"/>',
    "poll": '<path d="M5 20V10M12 20V4M19 20v-7"/>',
    "megaphone": '<path d="M3 10v4h3l7 5V5L6 10z"/><path d="M16.5 9a4 4 0 0 1 0 6M19 6.5a8 8 0 0 1 0 11"/>',
    "reply": '<path d="M10 8 5 12l5 4"/><path d="M5 12h9a5 5 0 0 1 5 5v2"/>',
    "more": '<circle cx="5" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/><circle cx="19" cy="12" r="1.5"/>',
    "link": '<path d="M10 14a4 4 0 0 0 5.7 0l3.6-3.6a4 4 0 0 0-5.7-5.7L12 6.3"/><path d="M14 10a4 4 0 0 0-5.7 0l-3.6 3.6a4 4 0 0 0 5.7 5.7l1.6-1.6"/>',
    "trash": '<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6"/>',
    "edit": '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="m13 7 4 4"/>',
    "download": '<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "smile": '<circle cx="12" cy="12" r="9"/><path d="M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5v.01M15 9.5v.01"/>',
    "eye": '<path d="M2.5 12C3.5 10 7 6 12 6s8.5 4 9.5 6c-1 2-4.5 6-9.5 6s-8.5-4-9.5-6z"/><circle cx="12" cy="12" r="3"/>',
    "bell": '<path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z"/><path d="M10 20a2 2 0 0 0 4 0"/>',
    "bell-off": '<path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z"/><path d="M10 20a2 2 0 0 0 4 0M3 3l18 18"/>',
    "file": '<path d="M6 3h8l5 5v13H6z"/><path d="M14 3v5h5"/>',
    "inbox": '<path d="M3 13h5l1.5 3h5L16 13h5"/><path d="M5 5h14l2 8v6H3v-6z"/>',
}


@register.simple_tag
@functools.lru_cache(maxsize=512)
def icon(name: str, label: str = "", size: int = 20):
    """An inline SVG icon; decorative unless a label is given. Remembered: a feed page draws
    hundreds of the same few."""
    paths = ICONS[name]
    aria = format_html('role="img" aria-label="{}"', label) if label else 'aria-hidden="true"'
    return mark_safe(  # noqa: S308 - the paths are constants above; the label is escaped
        f'<svg class="icon" width="{int(size)}" height="{int(size)}" viewBox="0 0 24 24" '
        f'fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" '
        f'stroke-linejoin="round" {aria} focusable="false">{paths}</svg>'
    )


@register.simple_tag(takes_context=True)
def ago(context, value):
    """How long ago ``value`` was ("5 minutes ago"). Where the HTML is shared between requests
    (the context says ``deferred``), a marker that network.deferred_html fills in when served."""
    if value is None:
        return ""
    return relative_time_mark(value) if context.get("deferred") else naturaltime(value)


@register.simple_tag
def avatar(user, size: str = "md"):
    """The user's picture, or their initials on a colour that stays theirs."""
    if getattr(user, "avatar", None):
        url = reverse("accounts:avatar_image", args=[user.pk])
        return format_html('<img class="avatar avatar-{}" src="{}?v={}" alt="">', size, url,
                           user.avatar.name.rsplit("-", 1)[-1].split(".")[0])
    return format_html(
        '<span class="avatar avatar-{} avatar-initials hue-{}" aria-hidden="true">{}</span>',
        size, user.avatar_hue // 30, user.initials,
    )


@register.simple_tag
def group_badge(group, size: str = "md"):
    return format_html('<span class="group-badge group-badge-{} colour-{}" aria-hidden="true">'
                       '{}</span>', size, group.colour, group.initials)
