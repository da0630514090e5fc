"""Reads the websocket consumer needs, scoped to the connected user."""

from groups.selectors import visible_groups
from network.realtime import ORG_STREAM, events_since, group_stream, resume_limit, user_stream


def streams_for(user) -> set[str]:
    """Every channel group a socket of ``user`` listens to (DESIGN.md, "Real-time")."""
    if not (user.is_authenticated and user.is_active):
        return set()
    streams = {user_stream(user.id)}
    streams.update(group_stream(gid) for gid in visible_groups(user).values_list("id", flat=True))
    if not user.is_guest:
        streams.add(ORG_STREAM)
    return streams


def can_see_group(user, group_id: int) -> bool:
    user.refresh_from_db(fields=["is_active", "kind", "is_staff"])
    return user.is_active and visible_groups(user).filter(id=group_id).exists()


def missed_events(streams: set[str], last_event_id: int) -> tuple[list, bool]:
    """Events since ``last_event_id`` and whether the gap is too large to replay."""
    from network.models import Event
    from network.realtime import envelope

    limit = resume_limit()
    if last_event_id and not Event.objects.filter(id=last_event_id).exists():
        oldest_kept = Event.objects.order_by("id").values_list("id", flat=True).first()
        if oldest_kept is None or last_event_id < oldest_kept:
            return [], True  # the client's last event has been pruned: there may be a gap
        if last_event_id > latest_event_id():
            # An id this server never gave (a restored database, another server): resuming
            # from it would skip every event until the ids caught up.
            return [], True
    events = list(events_since(sorted(streams), last_event_id)[: limit + 1])
    if len(events) > limit:
        return [], True
    return [envelope(event) for event in events], False


def latest_event_id() -> int:
    from network.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
