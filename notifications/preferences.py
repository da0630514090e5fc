"""Which channels a kind of notification uses for one person, and how loud a group may be.

Defaults are chosen for ward staff: everything shows in the app; email and push are kept for
what concerns the person directly, so a busy group does not fill their phone.
"""

from __future__ import annotations

from notifications.models import GroupLevel, Notification

Kind = Notification.Kind
CHANNELS = ("in_app", "email", "push")

_QUIET = {"in_app": True, "email": False, "push": False}
_PERSONAL = {"in_app": True, "email": True, "push": True}
DEFAULT_CHANNELS: dict[str, dict[str, bool]] = {
    Kind.MENTION: _PERSONAL,
    Kind.REPLY: {"in_app": True, "email": False, "push": True},
    Kind.REACTION: _QUIET,
    Kind.DIRECT_MESSAGE: _PERSONAL,
    Kind.URGENT_MESSAGE: _PERSONAL,
    Kind.ANNOUNCEMENT: _PERSONAL,
    Kind.ANNOUNCEMENT_REMINDER: _PERSONAL,
    Kind.ACKNOWLEDGEMENT_DUE: _PERSONAL,
    Kind.INVITATION: {"in_app": True, "email": True, "push": False},
    Kind.JOIN_REQUEST: {"in_app": True, "email": True, "push": False},
    Kind.TICKET: _PERSONAL,
    Kind.DOCUMENT_SHARED: {"in_app": True, "email": True, "push": False},
}

# What a group set to "mentions and announcements only" still sends.
IMPORTANT_KINDS = frozenset({Kind.MENTION, Kind.ANNOUNCEMENT, Kind.ANNOUNCEMENT_REMINDER,
                             Kind.ACKNOWLEDGEMENT_DUE, Kind.TICKET, Kind.URGENT_MESSAGE})


def channels_for(overrides: dict | None, kind: str) -> dict[str, bool]:
    """The channels ``kind`` uses given a person's stored overrides ({kind: {channel: bool}})."""
    chosen = dict(DEFAULT_CHANNELS.get(kind, _QUIET))
    for channel, on in ((overrides or {}).get(kind) or {}).items():
        if channel in CHANNELS and isinstance(on, bool):
            chosen[channel] = on
    return chosen


def all_channels(overrides: dict | None) -> dict[str, dict[str, bool]]:
    return {kind: channels_for(overrides, kind) for kind in Kind.values}


def clean_overrides(submitted: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    """Keep only what differs from the defaults, so improving a default reaches everyone who
    never touched that switch."""
    overrides: dict[str, dict[str, bool]] = {}
    for kind, channels in submitted.items():
        if kind not in Kind.values:
            continue
        default = DEFAULT_CHANNELS.get(kind, _QUIET)
        changed = {c: bool(v) for c, v in channels.items() if c in CHANNELS and
                   bool(v) != default[c]}
        if changed:
            overrides[kind] = changed
    return overrides


def group_allows(level: str | None, kind: str, *, urgent: bool) -> bool:
    if urgent or level in (None, GroupLevel.Level.ALL):
        return True
    if level == GroupLevel.Level.IMPORTANT:
        return kind in IMPORTANT_KINDS
    return False


def mute_allows(muted: bool, kind: str, *, urgent: bool) -> bool:
    """A muted conversation still reaches you when you are named or when it is urgent."""
    return not muted or urgent or kind == Kind.MENTION
