"""The one websocket per browser tab, at /ws/ (protocol: docs/realtime.md)."""

import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from chat import selectors
from network.realtime import group_stream
from network.ws_auth import still_authenticated

CLOSE_UNAUTHENTICATED = 4401
GROUP_EVENTS = {"membership.changed", "group.updated"}
# How long a socket trusts its credentials before reading them again (sign-out, revoked
# token, deactivated account); the check runs on the next frame in either direction.
RECHECK_SECONDS = 60


class RelaisConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.checked_at, self.revoked = time.monotonic(), False
        self.streams = await database_sync_to_async(selectors.streams_for)(user)
        for stream in self.streams:
            await self.channel_layer.group_add(stream, self.channel_name)
        await self.accept()
        last_id = await database_sync_to_async(selectors.latest_event_id)()
        await self.send_json({"type": "session.ready", "user_id": user.id,
                              "last_event_id": last_id})

    async def disconnect(self, code):
        for stream in getattr(self, "streams", ()):
            await self.channel_layer.group_discard(stream, self.channel_name)

    async def still_allowed(self) -> bool:
        if self.revoked:
            return False
        if time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return True
        if not await database_sync_to_async(still_authenticated)(self.scope):
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
            await self.send_error("unknown_type", f"Unknown message type {content['type']!r}.")
            return
        await handler(self, content)

    async def send_error(self, code: str, detail: str, ref=None):
        await self.send_json({"type": "error", "code": code, "detail": detail, "ref": ref})

    async def handle_ping(self, content):
        await self.send_json({"type": "pong", "ref": content.get("ref")})

    async def handle_resume(self, content):
        last_id = content.get("last_event_id")
        if not isinstance(last_id, int) or isinstance(last_id, bool) or last_id < 0:
            await self.send_error("invalid_message", "last_event_id must be a whole number.")
            return
        events, too_far = await database_sync_to_async(selectors.missed_events)(
            self.streams, last_id)
        if too_far:
            await self.send_json({"type": "resync.required", "last_event_id": last_id})
            return
        for event in events:
            await self.send_json(event)
        await self.send_json({"type": "resume.done", "count": len(events)})

    client_handlers = {"ping": handle_ping, "resume": handle_resume}

    # --- events from the channel layer ---------------------------------------------------

    async def relais_event(self, message):
        if not await self.still_allowed():
            return
        event = message["event"]
        if event["type"] in GROUP_EVENTS:
            visible = await self.follow_group(event["data"]["group"]["id"])
            if not visible and event["stream"] != f"user.{self.user.id}":
                return
        await self.send_json(event)

    async def follow_group(self, group_id: int) -> bool:
        """Join or leave a group's stream after a change; True while the group is visible."""
        stream = group_stream(group_id)
        visible = await database_sync_to_async(selectors.can_see_group)(self.user, group_id)
        if visible and stream not in self.streams:
            self.streams.add(stream)
            await self.channel_layer.group_add(stream, self.channel_name)
        elif not visible and stream in self.streams:
            self.streams.discard(stream)
            await self.channel_layer.group_discard(stream, self.channel_name)
        return visible
