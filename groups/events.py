"""Event builders for groups (docs/realtime.md). JSON-only payloads."""

from groups.models import Group, Membership


def group_summary(group: Group) -> dict:
    return {
        "id": group.id,
        "slug": group.slug,
        "name": group.name,
        "visibility": group.visibility,
        "colour": group.colour,
        "archived": group.is_archived,
    }


def membership_changed(*, group: Group, user_id: int, action: str, role: str | None) -> dict:
    """``action`` is "added", "removed" or "role_changed"; ``role`` is None once removed."""
    return {
        "type": "membership.changed",
        "group": group_summary(group),
        "user_id": user_id,
        "action": action,
        "role": role,
    }


def group_updated(group: Group, *, changed: list[str]) -> dict:
    return {"type": "group.updated", "group": group_summary(group), "changed": changed}


def join_requested(group: Group, *, user_id: int) -> dict:
    return {"type": "group.join_requested", "group": group_summary(group), "user_id": user_id}


ROLE_VALUES = [choice for choice, _label in Membership.Role.choices]
