"""Sending events to websocket clients (DESIGN.md, "Real-time").

Services are the only callers of :func:`send_event_on_commit`. An event is stored and pushed
only once the surrounding transaction commits, so no client ever hears of a write that was
rolled back, and every pushed event has an id a reconnecting client can resume from.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from datetime import timedelta
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Channel-group names. The channel layer's group names allow [a-zA-Z0-9._-].
ORG_STREAM = "org"


def user_stream(user_id: int) -> str:
    return f"user.{user_id}"


def group_stream(group_id: int) -> str:
    return f"group.{group_id}"


# The layer message type that RelaisConsumer.relais_event handles.
LAYER_MESSAGE_TYPE = "relais.event"
# The embedded configuration has no scheduler: every so many events, the log prunes itself.
PRUNE_EVERY = 1000


def envelope(event) -> dict:
    """The JSON a client receives for a stored event (documented in docs/realtime.md)."""
    return {
        "id": event.id,
        "type": event.type,
        "stream": event.stream,
        "created": event.created.isoformat(),
        "data": event.data,
    }


def send_event_on_commit(stream: str, event: dict) -> None:
    """Store and push ``event`` (``{"type": "noun.past_verb", ...data}``) after commit."""
    send_events_on_commit([(stream, event)])


def send_events_on_commit(events: list[tuple[str, dict]]) -> None:
    """Store and push many ``(stream, event)`` pairs after commit, stored in one statement.

    For fan-out to many people (one notification per member of a large group).
    """
    if not events:
        return
    transaction.on_commit(partial(_store_and_push_many, _rows(events)))


def store_events_last(events: list[tuple[str, dict]]) -> None:
    """Store ``(stream, event)`` pairs as the last write of the current transaction, and push
    them once it commits.

    For the write on the path of every chat message: the events' INSERT joins the message's
    transaction instead of following its commit, which saves a round trip and a commit (a
    flush to disk) before the readers hear of it. Nothing may be written after it in the
    transaction: an event's id is taken when it is stored, and a page reads the newest id
    before its data (network.middleware.PageEventMiddleware), trusting that every event up to
    that id belongs to a committed write. An after-commit INSERT keeps that true but for the
    moment of its own commit; this one, but for the moment of the transaction's COMMIT.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("store_events_last stores events in a transaction: call it in one.")
    if not events:
        return
    stored = _store(_rows(events))
    transaction.on_commit(partial(_push, [(event.stream, envelope(event)) for event in stored]))


def _rows(events: list[tuple[str, dict]]) -> list[tuple[str, str, dict]]:
    return [(stream, event["type"], {k: v for k, v in event.items() if k != "type"})
            for stream, event in events]


def _store(rows: list[tuple[str, str, dict]]) -> list:
    from network.models import Event

    events = [Event(stream=stream, type=event_type, data=data) for stream, event_type, data in rows]
    if len(events) == 1:
        # One event (a chat message's): a plain INSERT, where bulk_create would wrap it in a
        # transaction of its own, two more round trips on the path of every message.
        events[0].save(force_insert=True)
        stored = events
    else:
        # PostgreSQL and SQLite (3.35+) both return the ids of bulk-inserted rows.
        stored = Event.objects.bulk_create(events)
    # Whenever the ids just taken reach a multiple of PRUNE_EVERY.
    if (stored[0].id - 1) // PRUNE_EVERY != stored[-1].id // PRUNE_EVERY:
        from network.tasks import prune_events as prune_task

        prune_task.enqueue()
    return stored


def _store_and_push_many(rows: list[tuple[str, str, dict]]) -> None:
    _push([(event.stream, envelope(event)) for event in _store(rows)])


def _push(envelopes: list[tuple[str, dict]]) -> None:
    """Publish stored events to the sockets of their streams, in order."""
    layer = get_channel_layer()
    if layer is None or not envelopes:
        return

    async def send_all():
        for stream, body in envelopes:
            await layer.group_send(stream, {"type": LAYER_MESSAGE_TYPE, "event": body})

    if _publishes_from_any_loop(layer):
        publisher.publish(send_all())
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(send_all)()
    else:
        # A service called from a thread that runs an event loop (a test driving a browser,
        # say) cannot block on the layer here; the event is stored, so a helper thread may
        # push it late and reconnecting clients still get it.
        threading.Thread(target=async_to_sync(send_all), daemon=True).start()


def _publishes_from_any_loop(layer) -> bool:
    """Redis layers (channels_redis) keep a connection per event loop, so any loop may
    publish; the in-memory layer's queues belong to the loop of its sockets."""
    return type(layer).__module__.startswith("channels_redis.")


class _Publisher:
    """An event loop on a thread of its own, which publishes for the process's synchronous
    code: the services' database threads and the task worker.

    Before it, a database thread of a Daphne process handed each publication to the process's
    main loop and waited: that loop is the one writing every socket's frames, so a message's
    publication queued behind the delivery of the previous ones (2.8 ms p50 of a send's 13 in
    bench/chat.py). Outside a server (the task worker, a management command), each push
    created and closed an event loop and a Redis connection. This loop only publishes, and
    the channels_redis layer gives it a connection of its own.
    """

    TIMEOUT_SECONDS = 10

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked child does not inherit the thread: it starts its own.
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(target=self._loop.run_forever, name="relais-publisher",
                                 daemon=True).start()
            return self._loop

    def publish(self, coroutine) -> None:
        """Run ``coroutine`` on the publishing loop. A caller without an event loop waits
        for it, so that its publications keep their order and a failure reaches it (the
        event is stored either way: a reconnecting client gets it); one running an event
        loop must not block it, and leaves a failure to the log."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._running_loop())
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            future.result(timeout=self.TIMEOUT_SECONDS)
        else:
            future.add_done_callback(_log_failure)


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("Publishing events failed", exc_info=future.exception())


publisher = _Publisher()


def latest_event_id() -> int:
    """The newest stored event's id (0 when there is none)."""
    from network.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(streams: list[str], last_id: int):
    """Persistent events a client missed since ``last_id`` on ``streams``, oldest first.

    Event ids are allocated as transactions commit, and two commits can race by a few
    milliseconds, so an event with a slightly smaller id can become visible after a bigger
    one. The result therefore also repeats the events of the few seconds before ``last_id``;
    clients drop ids they have already seen (docs/realtime.md, "Resume").
    """
    from network.models import Event

    overlap = timedelta(seconds=10)
    last = Event.objects.filter(id=last_id).values_list("created", flat=True).first()
    queryset = Event.objects.filter(stream__in=streams)
    if last is None:
        queryset = queryset.filter(id__gt=last_id)
    else:
        queryset = queryset.filter(created__gte=last - overlap).exclude(id=last_id)
    return queryset.order_by("id")


def resume_limit() -> int:
    return settings.RELAIS_LIMITS["event_resume_max"]


def prune_events(now=None) -> int:
    from network.models import Event

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RELAIS_LIMITS["event_retention_days"])
    deleted, _ = Event.objects.filter(created__lt=cutoff).delete()
    return deleted
