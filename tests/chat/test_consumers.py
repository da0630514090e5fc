"""The websocket at /ws/, through the full ASGI stack (origin check, session and token auth).

Runs with the in-memory channel layer, or with channels-redis when REDIS_URL is set. To show
that a socket did *not* receive something, a test sends a marker event to the person's own
stream afterwards: the layer delivers one channel's messages in order, so every frame sent
before the marker has arrived when the marker does (``frames_until_marker``).
"""

import asyncio
import itertools
import json
import time

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.test import Client

from accounts import services as account_services
from chat import consumers
from chat import services as chat_services
from chat.models import Conversation, Message
from groups import services
from network.asgi import application
from network.models import Event
from network.realtime import ORG_STREAM, group_stream, send_event_on_commit, user_stream
from network.stream_router import router_for

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")
_markers = itertools.count(1)


@pytest.fixture(autouse=True)
async def _close_consumer_thread_connections():
    """The consumer's database calls run in a worker thread whose connection (kept for
    CONN_MAX_AGE) would otherwise block PostgreSQL from dropping the test database."""
    yield
    await database_sync_to_async(connections.close_all)()


def session_headers(person, origin=ORIGIN):
    client = Client()
    client.force_login(person)
    return [origin, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def token_for(person) -> str:
    _token, secret = await sync_to_async(account_services.create_api_token)(user=person,
                                                                            name="bot")
    return secret


async def connect(headers):
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, _code = await communicator.connect()
    if not connected:
        await communicator.disconnect()  # as the server does after refusing the handshake
    return communicator, connected


async def connect_as(person):
    headers = await sync_to_async(session_headers)(person)
    communicator, connected = await connect(headers)
    assert connected
    ready = await communicator.receive_json_from()
    assert ready == {"type": "session.ready", "user_id": person.id,
                     "last_event_id": ready["last_event_id"]}
    return communicator


async def send_event(stream: str, event: dict) -> None:
    await sync_to_async(send_event_on_commit)(stream, event)


async def frames_until_marker(communicator, person) -> list[dict]:
    """Every frame the socket receives before a marker sent now to ``person``'s stream."""
    marker = next(_markers)
    await send_event(user_stream(person.id), {"type": "test.marker", "marker": marker})
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=3)
        if frame["type"] == "test.marker" and frame["data"]["marker"] == marker:
            return frames
        frames.append(frame)


async def next_of_type(communicator, event_type, timeout=3):
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == event_type:
            return frame


def about_group(frames, group) -> list[dict]:
    return [f for f in frames if f.get("data", {}).get("group", {}).get("id") == group.id]


async def replay(communicator, last_event_id) -> list[dict]:
    await communicator.send_json_to({"type": "resume", "last_event_id": last_event_id})
    frames = []
    while (frame := await communicator.receive_json_from(timeout=3))["type"] != "resume.done":
        assert frame["type"] != "resync.required"
        frames.append(frame)
    assert frame["count"] == len(frames)
    return frames


# --- Handshake and authentication ------------------------------------------------------------

async def test_anonymous_clients_are_refused():
    _communicator, connected = await connect([ORIGIN])
    assert not connected


async def test_clients_without_origin_or_token_are_refused(user):
    headers = await sync_to_async(session_headers)(user)
    _communicator, connected = await connect(headers[1:])
    assert not connected


async def test_a_foreign_origin_is_refused_even_with_a_valid_session(user):
    headers = await sync_to_async(session_headers)(user, (b"origin", b"https://evil.example"))
    _communicator, connected = await connect(headers)
    assert not connected


async def test_a_foreign_origin_is_refused_even_with_a_valid_token(user):
    secret = await token_for(user)
    _communicator, connected = await connect([(b"origin", b"https://evil.example"),
                                              (b"authorization", f"Bearer {secret}".encode())])
    assert not connected


async def test_session_clients_are_accepted_and_told_who_they_are(user):
    communicator = await connect_as(user)
    await communicator.send_json_to({"type": "ping", "ref": 7})
    assert await communicator.receive_json_from() == {"type": "pong", "ref": 7}
    await communicator.disconnect()


async def test_token_clients_need_no_origin(user):
    secret = await token_for(user)
    communicator, connected = await connect([(b"authorization", f"Bearer {secret}".encode())])
    assert connected
    assert (await communicator.receive_json_from())["user_id"] == user.id
    await communicator.disconnect()


@pytest.mark.parametrize("authorization", [b"Bearer rls_nope_nope", b"Bearer ", b"Basic abc"])
async def test_bad_tokens_are_refused_even_with_a_session(user, authorization):
    headers = await sync_to_async(session_headers)(user)
    _communicator, connected = await connect([*headers, (b"authorization", authorization)])
    assert not connected


async def test_revoked_tokens_are_refused(user):
    token, secret = await sync_to_async(account_services.create_api_token)(user=user, name="bot")
    await sync_to_async(account_services.revoke_api_token)(user=user, token_id=token.pk)
    _communicator, connected = await connect([(b"authorization", f"Bearer {secret}".encode())])
    assert not connected


async def test_inactive_users_are_refused_by_session_and_by_token(other_user):
    headers = await sync_to_async(session_headers)(other_user)
    secret = await token_for(other_user)
    other_user.is_active = False
    await sync_to_async(other_user.save)(update_fields=["is_active"])
    _communicator, connected = await connect(headers)
    assert not connected
    _communicator, connected = await connect([(b"authorization", f"Bearer {secret}".encode())])
    assert not connected


async def expect_closed_for_lost_credentials(socket, person):
    """An event starts the due re-check without waiting for it (it may still be delivered):
    the socket closes right after."""
    await send_event(user_stream(person.id), {"type": "test.personal"})
    output = await socket.receive_output(timeout=3)
    if output.get("type") == "websocket.send":
        assert json.loads(output["text"])["type"] == "test.personal"
        output = await socket.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 4401}


async def test_an_open_socket_closes_once_its_session_ends(user, monkeypatch):
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0)
    headers = await sync_to_async(session_headers)(user)
    socket, connected = await connect(headers)
    assert connected and (await socket.receive_json_from())["type"] == "session.ready"
    await send_event(user_stream(user.id), {"type": "test.personal"})
    assert (await next_of_type(socket, "test.personal"))["stream"] == f"user.{user.id}"

    session_key = headers[1][1].decode().partition("=")[2]
    await sync_to_async(lambda: SessionStore(session_key).delete())()  # signed out elsewhere
    await expect_closed_for_lost_credentials(socket, user)


async def test_an_open_socket_closes_once_its_password_changes(user, monkeypatch):
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0)
    socket = await connect_as(user)
    user.set_password("another-horse-43")
    await sync_to_async(user.save)(update_fields=["password"])
    await expect_closed_for_lost_credentials(socket, user)


async def test_an_open_socket_closes_once_its_token_is_revoked(user, monkeypatch):
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0)
    token, secret = await sync_to_async(account_services.create_api_token)(user=user, name="bot")
    socket, connected = await connect([(b"authorization", f"Bearer {secret}".encode())])
    assert connected and (await socket.receive_json_from())["type"] == "session.ready"
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from())["type"] == "pong"
    await sync_to_async(account_services.revoke_api_token)(user=user, token_id=token.pk)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_a_socket_with_a_revoked_token_closes_at_its_heartbeat_without_a_frame(
        user, monkeypatch):
    # Credentials are read again by the heartbeat before they fall due, off the delivery
    # path: nothing needs to come or go for the socket to close.
    monkeypatch.setattr(consumers.presence, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.3)
    token, secret = await sync_to_async(account_services.create_api_token)(user=user, name="bot")
    socket, connected = await connect([(b"authorization", f"Bearer {secret}".encode())])
    assert connected and (await socket.receive_json_from())["type"] == "session.ready"
    await sync_to_async(account_services.revoke_api_token)(user=user, token_id=token.pk)
    output = await socket.receive_output(timeout=3)
    while output.get("type") == "websocket.send":  # presence frames, if any
        output = await socket.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 4401}


async def test_a_due_recheck_never_holds_up_an_event(user, monkeypatch):
    checks = []

    def slow_check(scope):
        checks.append(scope["user"].id)
        time.sleep(1.5)  # a database that answers slowly
        return True

    socket = await connect_as(user)
    monkeypatch.setattr(consumers, "still_authenticated", slow_check)
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0)
    started = asyncio.get_running_loop().time()
    await send_event(user_stream(user.id), {"type": "test.personal"})
    assert (await next_of_type(socket, "test.personal"))["stream"] == f"user.{user.id}"
    assert asyncio.get_running_loop().time() - started < 1.0  # delivered before the check ends
    await asyncio.sleep(1.6)
    # The check did run (again, maybe, if the socket's first heartbeat came meanwhile).
    assert checks and set(checks) == {user.id}
    await socket.disconnect()


async def test_an_open_socket_closes_once_its_account_is_deactivated(user, monkeypatch):
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0)
    socket = await connect_as(user)
    user.is_active = False
    await sync_to_async(user.save)(update_fields=["is_active"])
    await expect_closed_for_lost_credentials(socket, user)


# --- Who hears what ------------------------------------------------------------------------

async def test_events_reach_members_and_never_outsiders(user, other_user, secret_group):
    member = await connect_as(user)
    outsider = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=secret_group,
                                               description="Plan blanc")
    event = await next_of_type(member, "group.updated")
    assert event["data"]["changed"] == ["description"] and event["id"] > 0
    assert event["stream"] == f"group.{secret_group.id}"
    assert about_group(await frames_until_marker(outsider, other_user), secret_group) == []
    await member.disconnect()
    await outsider.disconnect()


async def test_user_streams_are_private(user, other_user):
    mine = await connect_as(user)
    theirs = await connect_as(other_user)
    await send_event(user_stream(user.id), {"type": "test.personal", "n": 1})
    assert (await next_of_type(mine, "test.personal"))["data"] == {"n": 1}
    frames = await frames_until_marker(theirs, other_user)
    assert [f for f in frames if f["type"] == "test.personal"] == []
    await mine.disconnect()
    await theirs.disconnect()


async def test_the_org_stream_reaches_staff_but_not_guests(user, guest, shared_group):
    staff = await connect_as(user)
    partner = await connect_as(guest)
    await send_event(ORG_STREAM, {"type": "test.announced"})
    assert (await next_of_type(staff, "test.announced"))["stream"] == "org"
    frames = await frames_until_marker(partner, guest)
    assert [f for f in frames if f["type"] == "test.announced"] == []
    await staff.disconnect()
    await partner.disconnect()


async def test_guest_hears_only_their_shared_group(user, guest, group, shared_group):
    guest_socket = await connect_as(guest)
    await sync_to_async(services.update_group)(actor=user, group=group, description="public")
    await sync_to_async(services.update_group)(actor=user, group=shared_group, description="x")
    frames = await frames_until_marker(guest_socket, guest)
    assert about_group(frames, group) == []
    assert [f["type"] for f in about_group(frames, shared_group)] == ["group.updated"]
    await guest_socket.disconnect()


async def test_a_guest_stops_hearing_a_group_closed_to_guests(user, guest, shared_group):
    guest_socket = await connect_as(guest)
    await sync_to_async(services.update_group)(actor=user, group=shared_group,
                                               allow_guests=False)
    closed = await next_of_type(guest_socket, "group.updated")
    assert closed["stream"] == f"user.{guest.id}" and closed["data"]["changed"] == [
        "allow_guests"]
    await sync_to_async(services.update_group)(actor=user, group=shared_group,
                                               description="internal only")
    assert about_group(await frames_until_marker(guest_socket, guest), shared_group) == []
    await guest_socket.disconnect()


async def test_socket_follows_membership_changes(user, other_user, private_group):
    socket = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=private_group, description="1")
    assert about_group(await frames_until_marker(socket, other_user), private_group) == []

    await sync_to_async(services.add_member)(actor=user, group=private_group, user=other_user)
    added = await next_of_type(socket, "membership.changed")
    assert added["stream"] == f"user.{other_user.id}"
    assert (added["data"]["action"], added["data"]["user_id"]) == ("added", other_user.id)
    await sync_to_async(services.update_group)(actor=user, group=private_group, description="2")
    assert (await next_of_type(socket, "group.updated"))["data"]["changed"] == ["description"]

    await sync_to_async(services.remove_member)(actor=user, group=private_group, user=other_user)
    removed = await next_of_type(socket, "membership.changed")
    assert (removed["data"]["action"], removed["data"]["role"]) == ("removed", None)
    await sync_to_async(services.update_group)(actor=user, group=private_group, description="3")
    after = about_group(await frames_until_marker(socket, other_user), private_group)
    assert [f for f in after if f["type"] == "group.updated"] == []
    await socket.disconnect()


async def test_a_public_group_turned_secret_stops_reaching_non_members(user, other_user, group):
    outsider = await connect_as(other_user)
    owner = await connect_as(user)
    await sync_to_async(services.update_group)(actor=user, group=group, visibility="secret")
    await sync_to_async(services.update_group)(actor=user, group=group, description="hidden")
    assert about_group(await frames_until_marker(outsider, other_user), group) == []
    changes = [f["data"]["changed"] for f in about_group(await frames_until_marker(owner, user),
                                                         group)]
    assert changes == [["visibility"], ["description"]]
    await outsider.disconnect()
    await owner.disconnect()


async def test_a_private_group_made_public_is_followed_by_everyone(user, other_user,
                                                                   private_group):
    socket = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=private_group,
                                               visibility="public")
    opened = await next_of_type(socket, "group.updated")
    assert opened["stream"] == "org" and opened["data"]["changed"] == ["visibility"]
    await sync_to_async(services.update_group)(actor=user, group=private_group,
                                               description="open")
    update = await next_of_type(socket, "group.updated")
    assert update["stream"] == f"group.{private_group.id}"
    await socket.disconnect()


async def test_a_new_public_group_is_followed_by_everyone(user, other_user):
    socket = await connect_as(other_user)
    group = await sync_to_async(services.create_group)(creator=user, name="Nouvelle équipe")
    created = await next_of_type(socket, "group.updated")
    assert created["data"]["changed"] == ["created"]
    await sync_to_async(services.update_group)(actor=user, group=group, description="hello")
    update = await next_of_type(socket, "group.updated")
    assert update["data"]["changed"] == ["description"]
    await socket.disconnect()


async def test_a_new_secret_group_is_heard_of_by_nobody_else(user, other_user):
    socket = await connect_as(other_user)
    group = await sync_to_async(services.create_group)(creator=user, name="Cellule",
                                                       visibility="secret")
    assert about_group(await frames_until_marker(socket, other_user), group) == []
    await socket.disconnect()


async def test_join_requests_reach_the_group_managers_only(user, other_user, staff_user,
                                                          private_group):
    owner = await connect_as(user)
    bystander = await connect_as(staff_user)
    await sync_to_async(services.request_to_join)(user=other_user, group=private_group)
    asked = await next_of_type(owner, "group.join_requested")
    assert asked["stream"] == f"user.{user.id}"
    assert (asked["data"]["group"]["id"], asked["data"]["user_id"]) == (private_group.id,
                                                                        other_user.id)
    frames = await frames_until_marker(bystander, staff_user)
    assert [f for f in frames if f["type"] == "group.join_requested"] == []
    await owner.disconnect()
    await bystander.disconnect()


async def test_events_are_stored_with_the_id_the_client_sees(user):
    socket = await connect_as(user)
    await send_event(user_stream(user.id), {"type": "test.happened", "value": 1})
    frame = await next_of_type(socket, "test.happened")
    stored = await sync_to_async(Event.objects.get)(pk=frame["id"])
    assert frame == {"id": stored.id, "type": "test.happened", "stream": f"user.{user.id}",
                     "created": stored.created.isoformat(), "data": {"value": 1}}
    await socket.disconnect()


# --- Resume ------------------------------------------------------------------------------------

async def test_resume_replays_what_was_missed(user, group):
    socket = await connect_as(user)
    await sync_to_async(services.update_group)(actor=user, group=group, description="seen")
    seen = await next_of_type(socket, "group.updated")
    await socket.disconnect()

    await sync_to_async(services.update_group)(actor=user, group=group, description="missed")
    socket = await connect_as(user)
    replayed = await replay(socket, seen["id"])
    newer = [f for f in replayed if f["id"] > seen["id"]]
    assert [(f["type"], f["data"]["group"]["id"]) for f in newer] == [("group.updated", group.id)]
    # The overlap: events just before the last one seen may come again, never that one.
    assert seen["id"] not in [f["id"] for f in replayed]
    assert [f["id"] for f in replayed] == sorted(f["id"] for f in replayed)
    assert all(f["stream"] in {f"user.{user.id}", f"group.{group.id}", "org"} for f in replayed)
    await socket.disconnect()


async def test_resume_repeats_the_overlap_before_the_last_event_seen(user):
    socket = await connect_as(user)
    await send_event(user_stream(user.id), {"type": "test.first"})
    first = await next_of_type(socket, "test.first")
    await send_event(user_stream(user.id), {"type": "test.second"})
    second = await next_of_type(socket, "test.second")
    # Resuming from the second repeats the first (stored within the overlap window): the
    # client drops it as already seen.
    assert [f["id"] for f in await replay(socket, second["id"])] == [first["id"]]
    await socket.disconnect()


async def test_resume_does_not_replay_other_peoples_events(user, other_user, secret_group):
    socket = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=secret_group, description="x")
    await send_event(user_stream(user.id), {"type": "test.personal"})
    replayed = await replay(socket, 0)
    assert all(f["stream"] != f"group.{secret_group.id}" for f in replayed)
    assert all(f["type"] != "test.personal" for f in replayed)
    await socket.disconnect()


async def test_resume_from_too_far_back_asks_for_a_resync(user, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "event_resume_max": 2}
    for index in range(4):
        await sync_to_async(services.update_group)(actor=user, group=group,
                                                   description=f"v{index}")
    socket = await connect_as(user)
    await socket.send_json_to({"type": "resume", "last_event_id": 0})
    assert await socket.receive_json_from() == {"type": "resync.required", "last_event_id": 0}
    await socket.disconnect()


async def test_resume_after_pruning_asks_for_a_resync(user, group):
    socket = await connect_as(user)
    await sync_to_async(services.update_group)(actor=user, group=group, description="old")
    seen = await next_of_type(socket, "group.updated")
    await sync_to_async(services.update_group)(actor=user, group=group, description="new")
    await sync_to_async(Event.objects.filter(id__lte=seen["id"]).delete)()
    await socket.send_json_to({"type": "resume", "last_event_id": seen["id"]})
    assert (await next_of_type(socket, "resync.required"))["last_event_id"] == seen["id"]
    await socket.disconnect()


async def test_resume_from_an_id_the_server_never_gave_asks_for_a_resync(user):
    socket = await connect_as(user)
    await send_event(user_stream(user.id), {"type": "test.happened"})
    latest = await next_of_type(socket, "test.happened")
    await socket.send_json_to({"type": "resume", "last_event_id": latest["id"] + 1000})
    assert (await next_of_type(socket, "resync.required"))["last_event_id"] == latest["id"] + 1000
    await socket.disconnect()


# --- Bad frames --------------------------------------------------------------------------------

@pytest.mark.parametrize(("frame", "code"), [
    ("not json", "invalid_json"), (" ", "invalid_json"), ("[1, 2]", "invalid_message"),
    ('{"no": "type"}', "invalid_message"), ('{"type": 5}', "invalid_message"),
    ('{"type": "launch"}', "unknown_type"), ('{"type": "resume"}', "invalid_message"),
    ('{"type": "resume", "last_event_id": -1}', "invalid_message"),
    ('{"type": "resume", "last_event_id": "12"}', "invalid_message"),
    ('{"type": "resume", "last_event_id": true}', "invalid_message"),
    ('{"type": "resume", "last_event_id": 1.5}', "invalid_message"),
])
async def test_bad_frames_get_an_error_and_the_socket_stays_open(user, frame, code):
    socket = await connect_as(user)
    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", code) and error["detail"]
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong", "ref": None}
    await socket.disconnect()


async def test_binary_frames_get_an_error_and_the_socket_stays_open(user):
    socket = await connect_as(user)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from())["type"] == "error"
    await socket.send_json_to({"type": "ping", "ref": "a"})
    assert await socket.receive_json_from() == {"type": "pong", "ref": "a"}
    await socket.disconnect()


# --- Chat: message.send ------------------------------------------------------------------------

_refs = itertools.count(1)


async def channel_of(group) -> Conversation:
    return await sync_to_async(Conversation.objects.get)(group=group)


async def direct_between(person, *others) -> Conversation:
    conversation, _created = await sync_to_async(chat_services.start_direct)(
        user=person, user_ids=[other.id for other in others])
    return conversation


async def settle(socket):
    """Wait until the socket has handled every frame sent to it so far (and what they sent
    through the channel layer): frames are handled one at a time, in order."""
    ref = f"settle-{next(_refs)}"
    await socket.send_json_to({"type": "ping", "ref": ref})
    while await socket.receive_json_from(timeout=3) != {"type": "pong", "ref": ref}:
        pass


async def answer_to(socket, frame: dict) -> dict:
    """Send a client frame with a fresh ref; return the message.sent or error answering it."""
    ref = next(_refs)
    await socket.send_json_to({**frame, "ref": ref})
    while True:
        reply = await socket.receive_json_from(timeout=3)
        if reply["type"] in {"message.sent", "error"} and reply.get("ref") == ref:
            return reply


async def say(socket, conversation, body, client_id=None, **extra) -> dict:
    return await answer_to(socket, {"type": "message.send", "conversation_id": conversation.id,
                                    "body": body, "client_id": client_id or f"c-{next(_refs)}",
                                    **extra})


def chat_frames(frames, conversation) -> list[dict]:
    """Frames about ``conversation`` (message and typing events)."""
    def about(frame):
        data = frame.get("data", {})
        return conversation.id in (data.get("conversation_id"),
                                   data.get("message", {}).get("conversation_id"))
    return [frame for frame in frames if about(frame)]


async def stored_messages(conversation) -> list[Message]:
    return await sync_to_async(list)(Message.objects.filter(conversation=conversation))


async def test_message_send_stores_once_and_answers_message_sent(user, private_group):
    channel = await channel_of(private_group)
    socket = await connect_as(user)
    sent = await say(socket, channel, "Bonjour **équipe**", client_id="draft-1")
    [stored] = await stored_messages(channel)
    assert sent["type"] == "message.sent" and sent["client_id"] == "draft-1"
    message = sent["message"]
    assert (message["id"], message["seq"], message["conversation_id"]) == (stored.id, 1,
                                                                          channel.id)
    assert message["author"] == {"id": user.id, "display_name": "Camille Martin"}
    assert message["body"] == "Bonjour **équipe**"
    assert "<strong>équipe</strong>" in message["body_html"]
    assert (message["client_id"], message["deleted"], message["urgent"]) == ("draft-1", False,
                                                                            False)
    # The sender's socket also hears it through the normal event path, like every reader.
    created = await next_of_type(socket, "message.created")
    assert created["data"]["message"] == message and created["id"] > 0
    await socket.disconnect()


async def test_a_retried_message_send_answers_with_the_stored_message(user, private_group):
    channel = await channel_of(private_group)
    socket = await connect_as(user)
    first = await say(socket, channel, "Patient en salle 3", client_id="retry-me")
    await frames_until_marker(socket, user)
    again = await say(socket, channel, "Patient en salle 3 (retry)", client_id="retry-me")
    assert again["type"] == "message.sent" and again["message"] == first["message"]
    assert len(await stored_messages(channel)) == 1
    assert chat_frames(await frames_until_marker(socket, user), channel) == []
    await socket.disconnect()


async def test_other_members_receive_message_created(user, other_user, private_group):
    await sync_to_async(services.add_member)(actor=user, group=private_group, user=other_user)
    channel = await channel_of(private_group)
    author = await connect_as(user)
    reader = await connect_as(other_user)
    sent = await say(author, channel, "Réunion à 14h")
    created = await next_of_type(reader, "message.created")
    assert created["stream"] == f"group.{private_group.id}"
    assert created["data"]["message"] == sent["message"]
    assert isinstance(created["id"], int)
    await author.disconnect()
    await reader.disconnect()


async def test_the_sender_has_its_answer_before_its_message_comes_back(user, private_group):
    """Each socket of a process hears a stream's message as soon as it is published, except
    one busy with a frame of its client's: the sender's socket answers message.sent first."""
    channel = await channel_of(private_group)
    socket = await connect_as(user)
    await socket.send_json_to({"type": "message.send", "conversation_id": channel.id,
                               "body": "Dans l'ordre", "client_id": "order-1", "ref": 1})
    kinds = []
    while not {"message.sent", "message.created"} <= set(kinds):
        kinds.append((await socket.receive_json_from(timeout=3))["type"])
    assert kinds.index("message.sent") < kinds.index("message.created")
    await socket.disconnect()


async def test_the_sockets_of_a_process_share_its_one_subscription_to_a_stream(
        user, other_user, private_group):
    await sync_to_async(services.add_member)(actor=user, group=private_group, user=other_user)
    stream = group_stream(private_group.id)
    router = router_for(get_channel_layer())
    author = await connect_as(user)
    reader = await connect_as(other_user)
    assert len(router.listeners(stream)) == 2

    await author.disconnect()
    assert len(router.listeners(stream)) == 1
    await say(reader, await channel_of(private_group), "Toujours là")
    assert (await next_of_type(reader, "message.created"))["data"]["message"]["body"] == (
        "Toujours là")
    await reader.disconnect()
    assert stream not in router.streams


async def test_a_socket_ended_by_an_error_stops_hearing_its_streams(user, monkeypatch):
    async def fails(self, content):
        raise RuntimeError("the cache is down")

    monkeypatch.setitem(consumers.RelaisConsumer.client_handlers, "ping", fails)
    router = router_for(get_channel_layer())
    socket = await connect_as(user)
    assert len(router.listeners(user_stream(user.id))) == 1
    await socket.send_json_to({"type": "ping", "ref": 1})
    with pytest.raises(RuntimeError):
        await socket.wait(timeout=2)
    assert router.listeners(user_stream(user.id)) == []


async def test_a_socket_cancelled_before_its_disconnect_ran_stops_hearing(user, monkeypatch):
    async def slow(self, content):
        await asyncio.sleep(5)

    monkeypatch.setitem(consumers.RelaisConsumer.client_handlers, "ping", slow)
    router = router_for(get_channel_layer())
    socket = await connect_as(user)
    await socket.send_json_to({"type": "ping", "ref": 1})
    await asyncio.sleep(0.1)
    # The disconnect waits behind the slow frame: the server cancels the socket (Daphne's
    # application_close_timeout), as the test communicator does after its timeout.
    await socket.disconnect(timeout=0.3)
    assert router.listeners(user_stream(user.id)) == []


async def test_a_busy_socket_keeps_a_bounded_backlog(caplog):
    socket = consumers.RelaisConsumer()
    await socket.turn.acquire()  # busy with a frame of its client's
    event = {"type": "message.created", "stream": "group.1", "id": 1}
    with caplog.at_level("WARNING", logger="chat.consumers"):
        for _ in range(consumers.BACKLOG_LIMIT + 5):
            await socket.hear({"type": "relais.event", "event": event})
    assert len(socket.backlog) == consumers.BACKLOG_LIMIT
    assert caplog.text.count("backlog is full") == 5
    socket.working_through.cancel()


async def test_direct_messages_reach_their_participants_only(user, other_user, staff_user):
    direct = await direct_between(user, other_user)
    author = await connect_as(user)
    reader = await connect_as(other_user)
    admin = await connect_as(staff_user)
    sent = await say(author, direct, "Tu peux passer ?")
    created = await next_of_type(reader, "message.created")
    assert created["stream"] == f"user.{other_user.id}"
    assert created["data"]["message"]["id"] == sent["message"]["id"]
    # An organisation admin sees every group, never other people's direct conversations.
    assert chat_frames(await frames_until_marker(admin, staff_user), direct) == []
    for socket in (author, reader, admin):
        await socket.disconnect()


async def assert_cannot_use(socket, person, conversation):
    """``person`` hears nothing of ``conversation``, and it does not exist for them."""
    assert chat_frames(await frames_until_marker(socket, person), conversation) == []
    refused = await say(socket, conversation, "Je peux lire ?")
    assert (refused["code"], refused["detail"]) == ("not_found", "No such conversation.")
    typing = await answer_to(socket, {"type": "typing", "conversation_id": conversation.id})
    assert (typing["code"], typing["detail"]) == ("not_found", "No such conversation.")
    missing = await answer_to(socket, {"type": "typing", "conversation_id": 10**9})
    assert missing["detail"] == typing["detail"]  # the same answer for hidden and missing


async def test_non_members_hear_nothing_and_cannot_send(user, other_user, private_group):
    channel = await channel_of(private_group)
    author = await connect_as(user)
    outsider = await connect_as(other_user)
    await say(author, channel, "Confidentiel")
    await assert_cannot_use(outsider, other_user, channel)
    assert len(await stored_messages(channel)) == 1
    await author.disconnect()
    await outsider.disconnect()


async def test_guests_hear_nothing_of_other_groups_and_cannot_send(user, guest, shared_group,
                                                                   private_group):
    channel = await channel_of(private_group)
    author = await connect_as(user)
    partner = await connect_as(guest)
    await say(author, channel, "Interne")
    await assert_cannot_use(partner, guest, channel)
    await author.disconnect()
    await partner.disconnect()


async def test_non_participants_of_a_direct_conversation_hear_nothing(user, other_user,
                                                                      staff_user):
    direct = await direct_between(user, other_user)
    author = await connect_as(user)
    admin = await connect_as(staff_user)
    await say(author, direct, "Entre nous")
    await assert_cannot_use(admin, staff_user, direct)
    await author.disconnect()
    await admin.disconnect()


async def test_a_removed_member_stops_hearing_the_channel_at_once(user, other_user,
                                                                  private_group):
    await sync_to_async(services.add_member)(actor=user, group=private_group, user=other_user)
    channel = await channel_of(private_group)
    author = await connect_as(user)
    member = await connect_as(other_user)
    await member.send_json_to({"type": "typing", "conversation_id": channel.id})  # cached
    await settle(member)
    await say(author, channel, "Avant")
    assert (await next_of_type(member, "message.created"))["data"]["message"]["body"] == "Avant"

    await sync_to_async(services.remove_member)(actor=user, group=private_group, user=other_user)
    # No waiting for the socket to handle its removal: what is queued for it is dropped too.
    await say(author, channel, "Après")
    frames = await frames_until_marker(member, other_user)
    assert [f["data"]["action"] for f in frames if f["type"] == "membership.changed"] == [
        "removed"]
    assert chat_frames(frames, channel) == []
    await assert_cannot_use(member, other_user, channel)
    await author.disconnect()
    await member.disconnect()


async def test_message_send_refusals_for_a_visible_conversation_say_forbidden(
        user, other_user, group, private_group):
    public_channel = await channel_of(group)
    reader = await connect_as(other_user)  # can read a public group's channel, not write in it
    refused = await say(reader, public_channel, "Bonjour")
    assert refused["code"] == "forbidden" and refused["detail"]
    author = await connect_as(user)
    urgent = await say(author, await channel_of(private_group), "Vite", urgent=True)
    assert urgent["code"] == "forbidden" and "Urgent" in urgent["detail"]
    assert await stored_messages(public_channel) == []
    await reader.disconnect()
    await author.disconnect()


@pytest.mark.parametrize(("frame", "code", "field"), [
    ({"client_id": "a"}, "invalid", "body"),
    ({"client_id": "a", "body": ""}, "invalid", "body"),
    ({"client_id": "a", "body": "   "}, "invalid", "body"),
    ({"client_id": "a", "body": 12}, "invalid", "body"),
    ({"client_id": "a", "body": "x" * 21}, "invalid", "body"),
    ({"client_id": "a" * 65, "body": "hi"}, "invalid", "client_id"),
    ({"client_id": "a", "body": "hi", "thread_id": 10**9}, "invalid", "thread_id"),
    ({"body": "hi"}, "invalid_message", None),
    ({"client_id": "", "body": "hi"}, "invalid_message", None),
    ({"client_id": 5, "body": "hi"}, "invalid_message", None),
    ({"client_id": "a", "body": "hi", "conversation_id": None}, "invalid_message", None),
    ({"client_id": "a", "body": "hi", "conversation_id": "1"}, "invalid_message", None),
    ({"client_id": "a", "body": "hi", "conversation_id": True}, "invalid_message", None),
    ({"client_id": "a", "body": "hi", "thread_id": "7"}, "invalid_message", None),
    ({"client_id": "a", "body": "hi", "urgent": "yes"}, "invalid_message", None),
    ({"client_id": "a", "body": "hi", "also_in_channel": 1}, "invalid_message", None),
])
async def test_bad_message_sends_get_an_error_and_the_socket_stays_open(
        user, private_group, settings, frame, code, field):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "message_chars": 20}
    channel = await channel_of(private_group)
    socket = await connect_as(user)
    error = await answer_to(socket, {"type": "message.send", "conversation_id": channel.id,
                                     **frame})
    assert (error["type"], error["code"]) == ("error", code) and error["detail"]
    assert error.get("field") == field
    if frame.get("body") == "x" * 21:
        assert "20" in error["detail"]  # the error names the limit
    assert await stored_messages(channel) == []
    await socket.send_json_to({"type": "ping", "ref": "still"})
    assert await next_of_type(socket, "pong") == {"type": "pong", "ref": "still"}
    await socket.disconnect()


@pytest.mark.parametrize("frame", [
    '{"type": "message.send", "conversation_id": 1, "body": "hi", "client_id": "a"',
    '{"type": "typing"}', '{"type": "typing", "conversation_id": "3"}',
    '{"type": "typing", "conversation_id": 3, "thread_id": "x"}',
    '{"type": "presence"}', '{"type": "presence", "status": "busy"}',
])
async def test_bad_chat_frames_get_an_error_and_the_socket_stays_open(user, frame):
    socket = await connect_as(user)
    await socket.send_to(text_data=frame)
    error = await next_of_type(socket, "error")
    assert error["code"] in {"invalid_json", "invalid_message"} and error["detail"]
    await socket.send_json_to({"type": "ping"})
    assert await next_of_type(socket, "pong") == {"type": "pong", "ref": None}
    await socket.disconnect()


# --- Chat: typing ----------------------------------------------------------------------------

async def test_typing_reaches_the_other_members_and_not_outsiders(user, other_user, guest,
                                                                  shared_group, private_group):
    await sync_to_async(services.add_member)(actor=user, group=private_group, user=other_user)
    channel = await channel_of(private_group)
    typist = await connect_as(user)
    second_tab = await connect_as(user)
    member = await connect_as(other_user)
    outsider = await connect_as(guest)
    await typist.send_json_to({"type": "typing", "conversation_id": channel.id, "thread_id": 5})
    await settle(typist)
    typing = await next_of_type(member, "typing.started")
    assert typing == {"type": "typing.started", "stream": f"group.{private_group.id}",
                      "data": {"conversation_id": channel.id, "user_id": user.id,
                               "display_name": "Camille Martin", "thread_root_id": 5}}
    # The typist's other tabs hear it too (and skip their own user_id); the typing tab not.
    assert (await next_of_type(second_tab, "typing.started"))["data"]["user_id"] == user.id
    assert chat_frames(await frames_until_marker(typist, user), channel) == []
    assert chat_frames(await frames_until_marker(outsider, guest), channel) == []
    assert not await sync_to_async(Event.objects.filter(type="typing.started").exists)()
    for socket in (typist, second_tab, member, outsider):
        await socket.disconnect()


async def test_typing_in_a_direct_conversation_reaches_its_people_only(user, other_user,
                                                                       staff_user):
    direct = await direct_between(user, other_user)
    typist = await connect_as(user)
    reader = await connect_as(other_user)
    admin = await connect_as(staff_user)
    await typist.send_json_to({"type": "typing", "conversation_id": direct.id})
    await settle(typist)
    typing = await next_of_type(reader, "typing.started")
    assert (typing["stream"], typing["data"]["conversation_id"]) == (f"user.{other_user.id}",
                                                                    direct.id)
    assert chat_frames(await frames_until_marker(admin, staff_user), direct) == []
    for socket in (typist, reader, admin):
        await socket.disconnect()


async def test_typing_is_sent_at_most_once_per_interval(user, other_user, private_group,
                                                       monkeypatch):
    monkeypatch.setattr(consumers, "TYPING_INTERVAL_SECONDS", 1)
    await sync_to_async(services.add_member)(actor=user, group=private_group, user=other_user)
    channel = await channel_of(private_group)
    typist = await connect_as(user)
    other_tab = await connect_as(user)  # the limit is per person, whatever the tab
    member = await connect_as(other_user)
    for socket in (typist, other_tab, typist):
        await socket.send_json_to({"type": "typing", "conversation_id": channel.id})
        await settle(socket)
    frames = await frames_until_marker(member, other_user)
    assert [f["type"] for f in chat_frames(frames, channel)] == ["typing.started"]

    await asyncio.sleep(1.2)
    await typist.send_json_to({"type": "typing", "conversation_id": channel.id})
    await settle(typist)
    frames = await frames_until_marker(member, other_user)
    assert [f["type"] for f in chat_frames(frames, channel)] == ["typing.started"]
    for socket in (typist, other_tab, member):
        await socket.disconnect()


def test_an_event_is_encoded_once_for_every_socket_of_the_process():
    event = {"id": 10**12, "type": "message.created", "stream": "group.1", "data": {"a": "é"}}
    first = consumers._encoded(event)
    assert json.loads(first) == event
    assert consumers._encoded(dict(event)) is first  # another socket's copy: the same frame
    for number in range(consumers.FRAMES_KEPT):
        consumers._encoded({**event, "id": 10**12 + 1 + number})
    assert 10**12 not in consumers._frames  # only the latest are kept
    assert len(consumers._frames) == consumers.FRAMES_KEPT
