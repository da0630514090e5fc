"""Who is online: online, away or offline, and when last seen (docs/realtime.md, "Presence").

Every open socket has a row (``Presence``) in the database, so that every tab of every server
process counts: a person is *online* while any of their fresh rows says online, *away* while
their fresh rows all say away, *offline* otherwise. A socket writes its row when it opens,
refreshes it every ``HEARTBEAT_SECONDS`` while it stays open, and deletes it when it closes. A
process that dies leaves rows nobody refreshes: after ``STALE_SECONDS`` they no longer count,
and the next sweep by any live process deletes them and announces the change.

A change of someone's overall status is announced once, as the ephemeral ``presence.changed``,
to the streams of the groups they belong to (and to their own). ``LastSeen`` keeps the status
last announced; its row is locked while a change is decided, so two processes never announce
the same change twice, and a sequence of changes always ends on the true status.

The functions below are synchronous (they run in the consumer's database thread); they
return the announcements to make, which the consumer sends through the channel layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chat.models import LastSeen, Presence
from network.realtime import group_stream, user_stream

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
CLIENT_STATUSES = (ONLINE, AWAY)
# A socket refreshes its row this often; a row not refreshed for STALE_SECONDS is a dead one.
HEARTBEAT_SECONDS = 30
STALE_SECONDS = 90
# The layer message type that RelaisConsumer.relais_ephemeral handles: never stored.
EPHEMERAL_MESSAGE_TYPE = "relais.ephemeral"


@dataclass(frozen=True)
class Announcement:
    streams: list[str]
    event: dict


def presence_changed(*, user_id: int, status: str, last_seen: datetime | None) -> dict:
    """Ephemeral: pushed through the channel layer, never stored nor replayed."""
    return {"type": "presence.changed", "user_id": user_id, "status": status,
            "last_seen": last_seen.isoformat() if last_seen else None}


def ephemeral_frame(stream: str, event: dict) -> dict:
    """What a client receives for an ephemeral event: the envelope of stored events without
    ``id`` and ``created`` (docs/realtime.md, "Server frames")."""
    return {"type": event["type"], "stream": stream,
            "data": {key: value for key, value in event.items() if key != "type"}}


async def broadcast(layer, streams, event: dict, *, sender: str | None = None) -> None:
    """Push an ephemeral event to ``streams``; the socket named ``sender`` skips it."""
    for stream in streams:
        await layer.group_send(stream, {"type": EPHEMERAL_MESSAGE_TYPE, "sender": sender,
                                        "event": ephemeral_frame(stream, event)})


# --- One socket's row ------------------------------------------------------------------------

def opened(*, user_id: int, channel_name: str, status: str = ONLINE,
           now: datetime | None = None) -> list[Announcement]:
    now = now or timezone.now()
    Presence.objects.update_or_create(channel_name=channel_name,
                                      defaults={"user_id": user_id, "status": status,
                                                "last_seen": now})
    return _settled(user_id, now)


def closed(*, user_id: int, channel_name: str, now: datetime | None = None
           ) -> list[Announcement]:
    now = now or timezone.now()
    Presence.objects.filter(channel_name=channel_name).delete()
    return _settled(user_id, now, seen_at=now)


def set_status(*, user_id: int, channel_name: str, status: str, now: datetime | None = None
               ) -> list[Announcement]:
    """The tab says it is in use (online) or not (away)."""
    return opened(user_id=user_id, channel_name=channel_name, status=status, now=now)


def heartbeat(*, user_id: int, channel_name: str, status: str, now: datetime | None = None
              ) -> list[Announcement]:
    """Refresh an open socket's row. A row swept while this process stalled comes back."""
    now = now or timezone.now()
    if Presence.objects.filter(channel_name=channel_name).update(last_seen=now):
        return []
    return opened(user_id=user_id, channel_name=channel_name, status=status, now=now)


def sweep(now: datetime | None = None) -> list[Announcement]:
    """Delete the rows of sockets whose process died, and announce who went offline."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=STALE_SECONDS)
    stale = list(Presence.objects.filter(last_seen__lt=cutoff).values("user_id")
                 .annotate(newest=Max("last_seen")).order_by("user_id"))
    if not stale:
        return []
    # A row refreshed since the read above is alive: the condition is checked again.
    Presence.objects.filter(user_id__in=[row["user_id"] for row in stale],
                            last_seen__lt=cutoff).delete()
    announcements = []
    for row in stale:
        announcements += _settled(row["user_id"], now, seen_at=row["newest"])
    return announcements


# --- Everyone's status -----------------------------------------------------------------------

def status_of(user_ids, now: datetime | None = None) -> dict[int, dict]:
    """``{id: {"status": "online" | "away" | "offline", "last_seen": datetime | None}}`` for
    each of ``user_ids`` (for pages and the API). Two queries whatever the number of people."""
    now = now or timezone.now()
    user_ids = list(user_ids)
    rows = (Presence.objects.filter(user_id__in=user_ids).values("user_id", "status")
            .annotate(newest=Max("last_seen")).order_by())
    by_user: dict[int, list[tuple[str, datetime]]] = {}
    for row in rows:
        by_user.setdefault(row["user_id"], []).append((row["status"], row["newest"]))
    remembered = dict(LastSeen.objects.filter(user_id__in=user_ids).values_list("user_id", "at"))
    return {uid: _status(by_user.get(uid, []), remembered.get(uid), now) for uid in user_ids}


def _status(rows: list[tuple[str, datetime]], remembered: datetime | None, now: datetime
            ) -> dict:
    cutoff = now - timedelta(seconds=STALE_SECONDS)
    fresh = {status for status, newest in rows if newest >= cutoff}
    status = ONLINE if ONLINE in fresh else AWAY if fresh else OFFLINE
    seen = [moment for moment in [remembered, *(newest for _status, newest in rows)] if moment]
    return {"status": status, "last_seen": max(seen) if seen else None}


def _settled(user_id: int, now: datetime, *, seen_at: datetime | None = None
             ) -> list[Announcement]:
    """Decide, under the person's lock, whether their overall status changed."""
    with transaction.atomic():
        LastSeen.objects.bulk_create([LastSeen(user_id=user_id, status=OFFLINE)],
                                     ignore_conflicts=True)
        summary = LastSeen.objects.select_for_update().get(user_id=user_id)
        rows = list(Presence.objects.filter(user_id=user_id).values("status")
                    .annotate(newest=Max("last_seen")).values_list("status", "newest")
                    .order_by())
        current = _status(rows, summary.at, now)
        status = current["status"]
        if status == OFFLINE and seen_at is not None:
            at = max(moment for moment in (summary.at, seen_at) if moment)
        else:
            at = current["last_seen"]
        if (status, at) == (summary.status, summary.at):
            return []
        changed = status != summary.status
        summary.status, summary.at = status, at
        summary.save(update_fields=["status", "at"])
    if not changed:
        return []
    return [Announcement(streams=presence_streams(user_id),
                         event=presence_changed(user_id=user_id, status=status, last_seen=at))]


def presence_streams(user_id: int) -> list[str]:
    """Who hears of someone's presence: their own sockets and the groups they belong to that
    they can see (a guest's only reaches the groups they share with the listeners)."""
    from accounts.models import User
    from groups.selectors import visible_groups

    person = User.objects.filter(pk=user_id).first()
    if person is None:
        return []
    group_ids = (visible_groups(person).filter(memberships__user_id=user_id)
                 .order_by("id").values_list("id", flat=True))
    return [user_stream(user_id), *(group_stream(gid) for gid in group_ids)]
