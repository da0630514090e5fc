"""Event builders for notifications (docs/realtime.md). JSON-only payloads."""

from notifications.models import Notification


def notification_created(notification: Notification) -> dict:
    return {
        "type": "notification.created",
        "notification": {
            "id": notification.id,
            "kind": notification.kind,
            "url": notification.url,
            "urgent": notification.urgent,
        },
    }


def notification_read(user) -> dict:
    from notifications.selectors import unread_count

    return {"type": "notification.read", "unread_count": unread_count(user)}
