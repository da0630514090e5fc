"""/api/v1/notifications: thin adapters over notifications.services and selectors."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from network.ids import parse_id
from notifications import selectors, services
from notifications.texts import describe

router = Router(tags=["notifications"])


class ActorRef(Schema):
    id: int
    display_name: str


class GroupRef(Schema):
    id: int
    slug: str
    name: str


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    actor: ActorRef | None
    group: GroupRef | None
    created: datetime
    read_at: datetime | None
    urgent: bool

    @staticmethod
    def resolve_text(notification):
        return describe(notification)


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class MarkReadIn(Schema):
    ids: list[int] = []
    all: bool = False


class UnreadCountOut(Schema):
    unread_count: int


def _before_id(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if parse_id(cursor) is None:
        raise ValidationError({"cursor": _("This cursor is not valid; start from the first "
                                           "page.")})
    return parse_id(cursor)


@router.get("", response=NotificationPage, summary="My notifications, newest first")
def list_notifications(request, unread: bool = False, cursor: str | None = None,
                       limit: int = 30):
    size = max(1, min(limit, settings.RELAIS_LIMITS["api_page_size"]))
    rows, more = selectors.page(request.auth, unread=unread, before_id=_before_id(cursor),
                                size=size)
    return {"items": rows, "next_cursor": str(rows[-1].id) if more else None}


@router.post("/read", response=UnreadCountOut, summary="Mark notifications read")
def mark_read(request, payload: MarkReadIn):
    """`{"ids": [...]}` marks those; `{"all": true}` marks every one."""
    if payload.all:
        services.mark_all_read(user=request.auth)
    elif payload.ids:
        services.mark_read(user=request.auth, ids=payload.ids)
    else:
        raise ValidationError(_("Send {\"ids\": [notification ids]} or {\"all\": true}."))
    return {"unread_count": selectors.unread_count(request.auth)}
