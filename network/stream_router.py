"""One subscription per stream and process, shared by the process's sockets.

Each socket used to join the channel-layer group of each of its streams with a channel of its
own, so a channel's message (a stream with 30 to 500 sockets in a process) woke 30 to 500
receive tasks: each made a new task, a new wait and a new queue read for the next message,
and decoded the message again. Those waiting objects then lived until that socket's next
event, seconds later, so the garbage collector walked them again and again: young
collections of 10,000 objects and middle ones of 10 to 13 ms during bench/chat.py's load, in
which the process delivered nothing. The first socket's frame also waited for every other
socket's task, since Daphne writes the frames on the loop's next turn.

Now a process's sockets register here (:meth:`StreamRouter.join`), and the process's router
alone joins the stream's group, with one channel. One task reads that channel and hands each
message to the stream's sockets in turn (``socket.hear(message)``), in the order the layer
delivered them. A socket that leaves a stream hears nothing more of it from that moment.

The messages are those Relais sends to streams (network.realtime, chat.presence):
``{"type": ..., "event": {"stream": <the group's name>, ...}, ...}``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Protocol

logger = logging.getLogger(__name__)

# channels-redis's queued layer ("lists") forgets a group's members after its group_expiry
# (a day by default); the router, which lives as long as its process, joins again well
# before. The pub/sub layer has no expiry, and the in-memory one keeps members for a day too.
REJOIN_SHARE = 0.5
REJOIN_DEFAULT_SECONDS = 3600
RETRY_SECONDS = 1.0
# Joining and leaving wait for each other (one at a time per process): a layer that does not
# answer fails them after this long rather than holding up every connection.
LAYER_CALL_SECONDS = 10


class Listener(Protocol):
    async def hear(self, message: dict) -> None: ...


class StreamRouter:
    def __init__(self, layer):
        self.layer = layer
        self._listeners: dict[str, dict[Listener, None]] = {}  # insertion-ordered sets
        self._changing = asyncio.Lock()
        self._channel: str | None = None
        self._reader: asyncio.Task | None = None
        self._rejoiner: asyncio.Task | None = None
        self._releasing: set[asyncio.Task] = set()

    @property
    def streams(self) -> set[str]:
        """The streams some socket of the process listens to."""
        return {stream for stream, listeners in self._listeners.items() if listeners}

    def listeners(self, stream: str) -> list[Listener]:
        return list(self._listeners.get(stream, ()))

    async def join(self, stream: str, listener: Listener) -> None:
        """``listener`` hears ``stream``'s messages published once this returns."""
        async with self._changing:
            if stream not in self._listeners:
                if self._channel is None:
                    await self._start()
                await self._layer_call(self.layer.group_add(stream, self._channel))
                self._listeners[stream] = {}
            self._listeners[stream][listener] = None

    async def leave(self, stream: str, listener: Listener) -> None:
        """``listener`` hears nothing more of ``stream`` (at once); the process stops
        listening to a stream none of its sockets follows."""
        await self.leave_all(listener, [stream])

    async def leave_all(self, listener: Listener, streams) -> None:
        await self._release(self._forget(listener, streams))

    def forget(self, listener: Listener, streams) -> None:
        """leave_all for code that cannot wait (a socket ending on an error or cancelled):
        ``listener`` hears nothing more at once, the layer is told in the background."""
        emptied = self._forget(listener, streams)
        if emptied:
            task = asyncio.ensure_future(self._release(emptied))
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)

    def _forget(self, listener: Listener, streams) -> list[str]:
        emptied = []
        for stream in streams:
            listeners = self._listeners.get(stream)
            if listeners is not None:
                listeners.pop(listener, None)
                if not listeners:
                    emptied.append(stream)
        return emptied

    async def _release(self, streams: list[str]) -> None:
        if not streams:
            return
        async with self._changing:
            for stream in streams:
                # Someone may have joined again meanwhile.
                if self._listeners.get(stream, True):
                    continue
                del self._listeners[stream]
                try:
                    await self._layer_call(self.layer.group_discard(stream, self._channel))
                except Exception:
                    logger.exception("Leaving stream %s failed", stream)
            if not self._listeners:
                self._stop()

    async def _layer_call(self, call):
        async with asyncio.timeout(LAYER_CALL_SECONDS):
            return await call

    async def _start(self) -> None:
        self._channel = await self._layer_call(self.layer.new_channel())
        self._reader = self._start_reading()
        self._rejoiner = asyncio.create_task(self._rejoin())

    def _start_reading(self) -> asyncio.Task:
        task = asyncio.create_task(self._read(self._channel))
        task.add_done_callback(self._reading_ended)
        return task

    def _reading_ended(self, task: asyncio.Task) -> None:
        if task.cancelled() or task is not self._reader:
            return
        # Not cancelled by _stop: the process would stop hearing its streams. Never expected
        # (_read catches what its sockets raise), so loud, and read again.
        logger.error("Reading the process's streams stopped; starting again",
                     exc_info=task.exception())
        self._reader = self._start_reading()

    def _stop(self) -> None:
        # Cancelling the read also lets the layer drop the channel (channels-redis's pub/sub
        # layer unsubscribes it).
        for task in (self._reader, self._rejoiner):
            if task is not None:
                task.cancel()
        self._reader = self._rejoiner = self._channel = None

    async def _read(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if asyncio.current_task().cancelling():
                    # Stopped while the layer was reading: channels-redis's queued layer can
                    # raise its own error then (an assertion about its receive lock). Never
                    # read again after being told to stop (a closing loop waits for this).
                    raise asyncio.CancelledError from error
                # The layer lost its server: what is published meanwhile comes back to the
                # clients through resume.
                logger.exception("Reading the process's streams failed; trying again")
                await asyncio.sleep(RETRY_SECONDS)
                continue
            await self._hand_over(message)

    async def _hand_over(self, message: dict) -> None:
        try:
            stream = message["event"]["stream"]
        except (KeyError, TypeError):
            logger.error("A channel-layer message without a stream was dropped: %r", message)
            return
        # A copy: a socket that leaves or joins while this runs changes the dict. One that
        # left meanwhile (a socket before it waited, and this one closed) is skipped.
        for listener in list(self._listeners.get(stream, ())):
            if listener not in self._listeners.get(stream, ()):
                continue
            try:
                await listener.hear(message)
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():
                    raise  # this reader is being stopped
                logger.exception("A socket was cancelled taking a %s message",
                                 message.get("type"))
            except Exception:
                # One socket's failure is its own; the others still hear the message.
                logger.exception("A socket could not take a %s message", message.get("type"))

    async def _rejoin(self) -> None:
        expiry = getattr(self.layer, "group_expiry", None)
        interval = expiry * REJOIN_SHARE if expiry else REJOIN_DEFAULT_SECONDS
        while True:
            await asyncio.sleep(interval)
            async with self._changing:
                for stream in self.streams:
                    try:
                        await self._layer_call(self.layer.group_add(stream, self._channel))
                    except Exception:
                        logger.exception("Joining stream %s again failed", stream)


# One router per event loop: each loop has its own sockets (one loop per Daphne process; a
# test may run several, one after the other).
_routers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def router_for(layer) -> StreamRouter:
    loop = asyncio.get_running_loop()
    router = _routers.get(loop)
    if router is None or router.layer is not layer:
        router = _routers[loop] = StreamRouter(layer)
    return router
