"""The one websocket per browser tab, at /ws/ (protocol: docs/realtime.md)."""

import asyncio
import json
import logging
import random
import time
from collections import OrderedDict, deque

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from chat import events, presence, selectors, services
from chat.permissions import access_conversation
from network.realtime import group_stream
from network.stream_router import router_for
from network.ws_auth import still_authenticated

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
GROUP_EVENTS = {"membership.changed", "group.updated"}
# How long a socket trusts its credentials before reading them again (sign-out, revoked
# token, deactivated account); the check runs on the next frame in either direction.
RECHECK_SECONDS = 60
# Typing is frequent: whether the typist can see the conversation is remembered this long
# (and forgotten at once when a membership or group changes).
TYPING_ACCESS_SECONDS = 30
# Messages a socket busy with one frame keeps for after it; beyond, they are dropped (and
# come back when the client resumes).
BACKLOG_LIMIT = 1000
# At most one typing.started per person and conversation this often, across tabs and processes.
TYPING_INTERVAL_SECONDS = 3
# Each process deletes the presence rows of dead processes at most this often.
SWEEP_SECONDS = 30
_next_sweep = 0.0


def _db(function):
    """Run ``function`` off the event loop with its own database connection.

    channels' default runs every database call of a process on one shared thread, so a slow
    send or a credential check holds up every other socket's delivery. PostgreSQL takes the
    calls in parallel from a thread pool; SQLite (the embedded configuration, one writer at a
    time) keeps the single thread.
    """
    return database_sync_to_async(function, thread_sensitive=connection.vendor == "sqlite")


# The frames of the latest stored events, by id: an event reaches every socket of a process
# in its group (a channel's message, 30 to 500 sockets), and is encoded once for all of them.
_frames: OrderedDict[int, str] = OrderedDict()
FRAMES_KEPT = 256


def _encoded(event: dict) -> str:
    frame = _frames.get(event["id"])
    if frame is None:
        frame = _frames[event["id"]] = json.dumps(event)
        if len(_frames) > FRAMES_KEPT:
            _frames.popitem(last=False)
    return frame


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _send_message(user, *, conversation_id, **fields) -> dict:
    message, _created = services.send_message_to(author=user, conversation_id=conversation_id,
                                                 **fields)
    return events.message_payload(message)


def _typing_streams(user, conversation_id) -> list[str] | None:
    """The streams a conversation's typing goes to, or None when ``user`` cannot see it."""
    user.refresh_from_db(fields=["is_active", "kind", "is_staff"])
    try:
        return selectors.conversation_streams(access_conversation(user, conversation_id))
    except Http404:
        return None


def _first_error(error: ValidationError) -> tuple[str | None, str]:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return (None if field == "__all__" else field), " ".join(messages)
    return None, " ".join(error.messages)


class RelaisConsumer(AsyncJsonWebsocketConsumer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Whoever holds the turn speaks on the socket: the handling of one frame of the
        # client's, or of one message in the backlog. A stream's message is sent at once
        # only when no one holds it (see hear).
        self.turn = asyncio.Lock()
        self.backlog: deque[dict] = deque()
        self.working_through: asyncio.Task | None = None

    async def dispatch(self, message):
        """Run the handler of a frame or a channel-layer event.

        channels' own dispatch first closes stale database connections through the one
        thread-sensitive executor of the process, before every handler: a group event
        reaching 500 sockets queued 500 hops through that single thread, and deliveries
        waited for them (bench/chat.py). This consumer never touches the database on the
        event loop: every call goes through ``_db``, whose thread closes stale connections
        before and after it runs.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        # The socket's turn: stream messages heard meanwhile wait (see hear).
        async with self.turn:
            await handler(message)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.checked_at, self.revoked = time.monotonic(), False
        self.recheck_task: asyncio.Task | None = None
        self.typing_access: dict[int, tuple[float, list[str] | None]] = {}
        self.presence_heard: dict[int, tuple] = {}
        self.status = presence.ONLINE
        self.router = router_for(self.channel_layer)
        self.streams = await _db(selectors.streams_for)(user)
        for stream in self.streams:
            await self.router.join(stream, self)
        await self.accept()
        last_id = await _db(selectors.latest_event_id)()
        await self.send_json({"type": "session.ready", "user_id": user.id,
                              "last_event_id": last_id})
        await self.update_presence(presence.opened)
        self.presence_task = asyncio.create_task(self.keep_presence())

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the socket ends, disconnect() or not (a handler's error, Daphne
            # cancelling a socket whose disconnect took too long), it hears nothing more and
            # its tasks stop: the router would otherwise keep it, and keep handing it every
            # message of its streams, for the life of the process.
            self.stop_hearing()

    def stop_hearing(self) -> None:
        if hasattr(self, "router"):
            self.router.forget(self, getattr(self, "streams", ()))
        for task in (getattr(self, "presence_task", None), getattr(self, "recheck_task", None),
                     self.working_through):
            if task is not None:
                task.cancel()

    async def disconnect(self, code):
        if hasattr(self, "router"):
            await self.router.leave_all(self, getattr(self, "streams", ()))
        self.stop_hearing()
        # A heartbeat's write already on its way to the database finishes in its thread even
        # when its task is cancelled: the socket's row is removed after it, not before, or the
        # heartbeat would write it back and the person would stay online.
        in_flight = getattr(self, "presence_call", None)
        if in_flight is not None and not in_flight.done():
            await asyncio.wait([in_flight])
        if hasattr(self, "user"):
            await self.update_presence(presence.closed)

    async def still_allowed(self, *, wait: bool = True) -> bool:
        """False once the socket's credentials are gone (signed out, token revoked, password
        changed, account deactivated); they are read again once RECHECK_SECONDS have passed.

        ``wait=False``, for events on their way to the client: a due re-check runs beside the
        delivery, not before it, and closes the socket if it finds the credentials gone. A
        thousand sockets opened within seconds otherwise re-checked together, on the delivery
        path, every minute (bench/chat.py). The heartbeat re-checks before they fall due, so
        this is rare; a frame from the client always waits for a due check.
        """
        if self.revoked:
            return False
        if time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return True
        if wait:
            return await self.recheck()
        if self.recheck_task is None or self.recheck_task.done():
            self.recheck_task = asyncio.create_task(self.recheck())
        return True

    async def recheck(self) -> bool:
        if not await _db(still_authenticated)(self.scope):
            self.revoked = True
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        self.checked_at = time.monotonic()
        return True

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not await self.still_allowed():
            return
        # Bad input gets an error frame; it never closes the socket.
        try:
            content = json.loads(text_data or "")
        except ValueError:
            await self.send_error("invalid_json", "Frames must be JSON objects.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("invalid_message", "A frame needs a string \"type\".")
            return
        handler = self.client_handlers.get(content["type"])
        if handler is None:
            await self.send_error("unknown_type", f"Unknown message type {content['type']!r}.",
                                  content.get("ref"))
            return
        await handler(self, content)

    async def send_error(self, code: str, detail: str, ref=None, **extra):
        await self.send_json({"type": "error", "code": code, "detail": detail, "ref": ref,
                              **extra})

    async def handle_ping(self, content):
        await self.send_json({"type": "pong", "ref": content.get("ref")})

    async def handle_resume(self, content):
        last_id = content.get("last_event_id")
        if not isinstance(last_id, int) or isinstance(last_id, bool) or last_id < 0:
            await self.send_error("invalid_message", "last_event_id must be a whole number.",
                                  content.get("ref"))
            return
        events_missed, too_far = await _db(selectors.missed_events)(
            self.streams, last_id)
        if too_far:
            await self.send_json({"type": "resync.required", "last_event_id": last_id})
            return
        for event in events_missed:
            await self.send_json(event)
        await self.send_json({"type": "resume.done", "count": len(events_missed)})

    async def handle_message_send(self, content):
        ref, client_id = content.get("ref"), content.get("client_id")
        problem = None
        if not _is_id(content.get("conversation_id")):
            problem = "conversation_id must be a whole number."
        elif not isinstance(client_id, str) or not client_id:
            problem = "client_id is required: your own id for this message, kept for retries."
        elif content.get("thread_id") is not None and not _is_id(content["thread_id"]):
            problem = "thread_id must be a message id or null."
        elif not all(isinstance(content.get(key, False), bool)
                     for key in ("also_in_channel", "urgent")):
            problem = "also_in_channel and urgent must be true or false."
        if problem:
            await self.send_error("invalid_message", problem, ref)
            return
        try:
            message = await _db(_send_message)(
                self.user, conversation_id=content["conversation_id"],
                body=content.get("body"), client_id=client_id,
                thread_root_id=content.get("thread_id"),
                also_in_channel=content.get("also_in_channel", False),
                urgent=content.get("urgent", False))
        except Http404:
            await self.send_error("not_found", "No such conversation.", ref)
        except PermissionDenied as error:
            await self.send_error("forbidden", str(error), ref)
        except ValidationError as error:
            field, detail = _first_error(error)
            await self.send_error("invalid", detail, ref, field=field)
        except Exception:
            # Not the client's fault; the send is safe to retry with the same client_id.
            logger.exception("message.send failed")
            await self.send_error("server_error", "The message could not be stored; retry.",
                                  ref)
        else:
            await self.send_json({"type": "message.sent", "ref": ref, "client_id": client_id,
                                  "message": message})

    async def handle_typing(self, content):
        ref, conversation_id = content.get("ref"), content.get("conversation_id")
        thread_id = content.get("thread_id")
        if not _is_id(conversation_id) or (thread_id is not None and not _is_id(thread_id)):
            await self.send_error("invalid_message", "typing needs a conversation_id (and "
                                  "maybe a thread_id): whole numbers.", ref)
            return
        streams = await self.typing_streams(conversation_id)
        if streams is None:
            await self.send_error("not_found", "No such conversation.", ref)
            return
        key = f"chat:typing:{self.user.id}:{conversation_id}"
        if not await cache.aadd(key, 1, timeout=TYPING_INTERVAL_SECONDS):
            return
        event = events.typing_started(conversation_id=conversation_id, user_id=self.user.id,
                                      display_name=self.user.display_name,
                                      thread_root_id=thread_id)
        await presence.broadcast(self.channel_layer, streams, event, sender=self.channel_name)

    async def typing_streams(self, conversation_id: int) -> list[str] | None:
        now = time.monotonic()
        expires, streams = self.typing_access.get(conversation_id, (0.0, None))
        if expires <= now:
            streams = await _db(_typing_streams)(self.user, conversation_id)
            self.typing_access[conversation_id] = (now + TYPING_ACCESS_SECONDS, streams)
        return streams

    async def handle_presence(self, content):
        status = content.get("status")
        if status not in presence.CLIENT_STATUSES:
            await self.send_error("invalid_message", "status is \"online\" or \"away\".",
                                  content.get("ref"))
            return
        self.status = status
        await self.update_presence(presence.set_status, status=status)

    client_handlers = {"ping": handle_ping, "resume": handle_resume,
                       "message.send": handle_message_send, "typing": handle_typing,
                       "presence": handle_presence}

    # --- presence --------------------------------------------------------------------------

    async def update_presence(self, change, **fields):
        # Shielded: cancelling the heartbeat does not lose track of a write under way, which
        # disconnect waits for.
        self.presence_call = asyncio.ensure_future(_db(change)(
            user_id=self.user.id, channel_name=self.channel_name, **fields))
        try:
            announcements = await asyncio.shield(self.presence_call)
        except Exception:
            # Presence is a courtesy: a failure to record it must not cost the chat.
            logger.exception("presence update failed")
            return
        await self.announce(announcements)

    async def announce(self, announcements):
        # This socket knows what it just did: it is not told.
        for announcement in announcements:
            await presence.broadcast(self.channel_layer, announcement.streams,
                                     announcement.event, sender=self.channel_name)

    async def keep_presence(self):
        """While the socket is open: refresh its row, recheck its credentials, and now and
        then sweep the rows of processes that died.

        The first beat comes at a random moment of the second half of the first interval:
        sockets opened together (every tab reconnecting after a restart) would otherwise beat
        together, hundreds of database writes at once every interval, and the messages sent
        meanwhile waited behind them (bench/chat.py). Never in the first half: the row was
        just written."""
        global _next_sweep
        interval = presence.HEARTBEAT_SECONDS
        await asyncio.sleep(random.uniform(interval / 2, interval))  # noqa: S311 (spreading)
        while True:
            try:
                # Credentials are read again here, before they fall due, off the delivery path.
                due_in = RECHECK_SECONDS - (time.monotonic() - self.checked_at)
                if self.revoked or (due_in < interval
                                    and not await self.recheck()):
                    return
                await self.update_presence(presence.heartbeat, status=self.status)
                if time.monotonic() >= _next_sweep:
                    _next_sweep = time.monotonic() + SWEEP_SECONDS
                    for announcement in await _db(presence.sweep)():
                        await presence.broadcast(self.channel_layer, announcement.streams,
                                                 announcement.event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("presence heartbeat failed")
            await asyncio.sleep(interval)

    # --- events from the channel layer ---------------------------------------------------

    async def hear(self, message):
        """A message on one of this socket's streams, from the process's StreamRouter, which
        hands it to each socket of the stream in turn: this must not wait.

        It goes out at once, unless the socket is busy: handling a frame of the client's
        (its connection, a send, a resume: their answers come first, as they did when each
        socket read its own channel), or a message before this one. It then waits in the
        backlog, and so does one that needs the database first (a change of membership,
        after which the socket follows or leaves the group's stream); a task of the
        socket's own works through the backlog in order.
        """
        if (self.backlog or self.turn.locked()
                or message["event"]["type"] in GROUP_EVENTS):
            if len(self.backlog) >= BACKLOG_LIMIT:
                # A socket stuck on one frame for that long: its client gets the stored
                # events back when it resumes (the browser's socket does so every minute).
                logger.warning("A socket's backlog is full: a %s message was dropped",
                               message["event"]["type"])
                return
            self.backlog.append(message)
            if self.working_through is None or self.working_through.done():
                self.working_through = asyncio.create_task(self.work_through_backlog())
            return
        # Sent outside the turn, which is free: nothing else speaks on the socket before
        # this returns, since sending a frame through Daphne does not wait (it is written on
        # the loop's next turn).
        await self.take(message)

    async def take(self, message):
        if message["type"] == presence.EPHEMERAL_MESSAGE_TYPE:
            await self.relais_ephemeral(message)
        else:
            await self.relais_event(message)

    async def work_through_backlog(self):
        while self.backlog:
            async with self.turn:
                message = self.backlog.popleft()
                try:
                    await self.take(message)
                except Exception:
                    logger.exception("A socket could not take a %s message", message["type"])

    async def relais_event(self, message):
        if not await self.still_allowed(wait=False):
            return
        event = message["event"]
        if event["type"] in GROUP_EVENTS:
            self.typing_access.clear()
            await self.follow_group(event["data"]["group"]["id"])
        # A stream just left may still have events queued for this socket: dropped.
        if event["stream"] not in self.streams:
            return
        await self.send(text_data=_encoded(event))

    async def relais_ephemeral(self, message):
        if message.get("sender") == self.channel_name or not await self.still_allowed(
                wait=False):
            return
        frame = message["event"]
        if frame["stream"] not in self.streams:
            return
        if frame["type"] == "presence.changed":
            # A person's change reaches every group stream they share with this socket.
            data = frame["data"]
            heard = (data["status"], data["last_seen"])
            if self.presence_heard.get(data["user_id"]) == heard:
                return
            self.presence_heard[data["user_id"]] = heard
        await self.send_json(frame)

    async def follow_group(self, group_id: int) -> bool:
        """Join or leave a group's stream after a change; True while the group is visible."""
        stream = group_stream(group_id)
        visible = await _db(selectors.can_see_group)(self.user, group_id)
        if visible and stream not in self.streams:
            self.streams.add(stream)
            await self.router.join(stream, self)
        elif not visible and stream in self.streams:
            self.streams.discard(stream)
            await self.router.leave(stream, self)
        return visible
