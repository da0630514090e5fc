"""Sending events to websocket clients (DESIGN.md, "Real-time").

Services are the only callers of :func:`send_event_on_commit`. An event is stored and pushed
only once the surrounding transaction commits, so no client ever hears of a write that was
rolled back, and every pushed event has an id a reconnecting client can resume from.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
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


class EventsLast:
    """Events that a write learns late in its transaction, stored as its last write.

    For the write on the path of every chat message: its events' INSERT joins the message's
    transaction instead of following its commit, which saves a round trip and a commit (a flush
    to disk) before the readers hear of it. ``EventsLast()`` takes the transaction's next place
    among the pushes after commit, so that what the write does afterwards (a signal's receiver
    replying in the message's thread) is pushed after it, as its ids say; ``store(events)``
    is then called as the transaction's last write.

    Only in the transaction that commits: an event's id is taken when it is stored, and a page
    reads the newest id before its data (network.middleware.PageEventMiddleware), trusting
    that every event up to that id belongs to a committed write. Stored last, the events keep
    that true but for the moment of the COMMIT, as an INSERT after commit does but for its own.
    Inside a caller's bigger transaction (a desk filing a ticket), which may go on writing, they
    are stored after commit instead, in the place taken.
    """

    def __init__(self):
        if not connection.in_atomic_block:
            raise RuntimeError("EventsLast keeps events for a transaction: open one first.")
        self._rows: list[tuple[str, str, dict]] = []
        self._stored: list | None = None
        transaction.on_commit(self._committed)

    def store(self, events: list[tuple[str, dict]]) -> None:
        self._rows = _rows(events)
        if self._rows and _in_the_committing_transaction():
            self._stored = _store(self._rows)

    def _committed(self) -> None:
        if self._stored is None and self._rows:
            self._stored = _store(self._rows)
        if self._stored:
            _push([(event.stream, envelope(event)) for event in self._stored])


def _in_the_committing_transaction() -> bool:
    """Whether the innermost transaction is the one whose end commits: Django's test cases
    wrap each test in blocks of their own (``_from_testcase``), which do not count."""
    blocks = [block for block in connection.atomic_blocks
              if not getattr(block, "_from_testcase", False)]
    return len(blocks) == 1


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
    """Publish stored events to the sockets of their streams, in order.

    A failure (Redis down or not answering) is logged, not raised: the events are stored and
    the write that caused them has committed, so clients get them on their next resume (the
    browser's comes within a minute). Raising here told a sender that a stored message could
    not be stored, and one sending without a client_id would send it again."""
    layer = get_channel_layer()
    if layer is None or not envelopes:
        return
    try:
        _publish(layer, envelopes)
    except Exception as error:
        _log_unpublished([body["id"] for _stream, body in envelopes], error)


def _log_unpublished(event_ids: list[int], error: BaseException) -> None:
    logger.error("Events %s are stored but could not be published; clients get them when "
                 "they resume.", event_ids, exc_info=error)


def _publish(layer, envelopes: list[tuple[str, dict]]) -> None:
    async def send_all():
        for stream, body in envelopes:
            await layer.group_send(stream, {"type": LAYER_MESSAGE_TYPE, "event": body})

    if _publishes_from_any_loop(layer):
        publisher.publish(send_all(), event_ids=[body["id"] for _stream, body in envelopes])
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

    Callers do not wait: the events are stored, and a sender's answer (``message.sent``, the
    sender's own copy of the message, queued behind it) need not wait for Redis. Pushes are
    published one after the other in the order they were handed over, so each stream hears
    its events in that order. A failure is logged; clients get the events when they resume.
    """

    # Pushes waiting while Redis does not answer; beyond, new ones are dropped (and logged).
    MAX_PENDING = 10_000
    FLUSH_SECONDS = 5

    def __init__(self):
        self.forget()

    def forget(self) -> None:
        """Start afresh (and in a forked child: the parent's thread and lock are not its)."""
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_order: asyncio.Lock | None = None
        self._pending: set = set()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._in_order = asyncio.Lock()
            threading.Thread(target=self._loop.run_forever, name="relais-publisher",
                             daemon=True).start()
        return self._loop

    def publish(self, coroutine, *, event_ids: list[int]) -> None:
        """Publish ``coroutine``'s events after those handed over before, without waiting."""
        with self._lock:
            if len(self._pending) >= self.MAX_PENDING:
                coroutine.close()
                logger.error("Events %s are stored but were not published: %d publications "
                             "are waiting already.", event_ids, len(self._pending))
                return
            future = asyncio.run_coroutine_threadsafe(self._in_turn(coroutine, event_ids),
                                                      self._running_loop())
            self._pending.add(future)
        future.add_done_callback(self._done)

    async def _in_turn(self, coroutine, event_ids: list[int]):
        # Tasks start in the order they were handed over, and the lock serves them so.
        async with self._in_order:
            try:
                await coroutine
            except Exception as error:
                # Logged here, not by a done-callback: flush() returns once the publication
                # is over, which can be before its callbacks have run.
                _log_unpublished(event_ids, error)

    def _done(self, future) -> None:
        with self._lock:
            self._pending.discard(future)

    def flush(self) -> None:
        """Wait for the publications handed over so far (a process about to exit)."""
        with self._lock:
            pending = list(self._pending)
        concurrent.futures.wait(pending, timeout=self.FLUSH_SECONDS)


publisher = _Publisher()
os.register_at_fork(after_in_child=publisher.forget)
atexit.register(publisher.flush)


def latest_event_id() -> int:
    """The newest stored event's id (0 when there is none)."""
    from network.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(streams: list[str], last_id: int):
    """Persistent events a client missed since ``last_id`` on ``streams``, oldest first.

    Event ids are allocated as events are stored, at or just before their transaction's
    commit, and two commits can race by a few milliseconds, so an event with a slightly
    smaller id can become visible after a bigger one. The result therefore also repeats the
    events of the few seconds before ``last_id``; clients drop ids they have already seen
    (docs/realtime.md, "Resume").
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
