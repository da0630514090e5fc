"""The websocket at /ws/, through the full ASGI stack (origin check, session and token auth)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts import services as account_services
from groups import services
from network.asgi import application
from network.models import Event
from network.realtime import send_event_on_commit

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://localhost")


def session_headers(person):
    client = Client()
    client.force_login(person)
    return [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def connect(headers):
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, _code = await communicator.connect()
    return communicator, connected


async def connect_as(person):
    headers = await sync_to_async(session_headers)(person)
    communicator, connected = await connect(headers)
    assert connected
    ready = await communicator.receive_json_from()
    assert ready["type"] == "session.ready"
    return communicator


async def next_of_type(communicator, event_type, timeout=2):
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == event_type:
            return frame


async def test_anonymous_clients_are_refused():
    _communicator, connected = await connect([ORIGIN])
    assert not connected


async def test_a_foreign_origin_is_refused_even_with_a_valid_session(user):
    headers = await sync_to_async(session_headers)(user)
    headers[0] = (b"origin", b"https://evil.example")
    _communicator, connected = await connect(headers)
    assert not connected


async def test_session_clients_are_accepted_and_told_who_they_are(user):
    communicator = await connect_as(user)
    await communicator.send_json_to({"type": "ping", "ref": 7})
    assert await communicator.receive_json_from() == {"type": "pong", "ref": 7}
    await communicator.disconnect()


async def test_token_clients_need_no_origin(user):
    _token, secret = await sync_to_async(account_services.create_api_token)(user=user, name="bot")
    communicator, connected = await connect([(b"authorization", f"Bearer {secret}".encode())])
    assert connected
    assert (await communicator.receive_json_from())["user_id"] == user.id
    await communicator.disconnect()


async def test_revoked_tokens_and_inactive_users_are_refused(user, other_user):
    token, secret = await sync_to_async(account_services.create_api_token)(user=user, name="bot")
    await sync_to_async(account_services.revoke_api_token)(user=user, token_id=token.pk)
    _communicator, connected = await connect([(b"authorization", f"Bearer {secret}".encode())])
    assert not connected
    headers = await sync_to_async(session_headers)(other_user)
    other_user.is_active = False
    await sync_to_async(other_user.save)(update_fields=["is_active"])
    _communicator, connected = await connect(headers)
    assert not connected


async def test_events_reach_members_and_never_outsiders(user, other_user, secret_group):
    member = await connect_as(user)
    outsider = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=secret_group,
                                               description="Plan blanc")
    event = await next_of_type(member, "group.updated")
    assert event["data"]["changed"] == ["description"] and event["id"] > 0
    assert await outsider.receive_nothing(timeout=0.3)
    await member.disconnect()
    await outsider.disconnect()


async def test_guest_hears_only_their_shared_group(user, guest, group, shared_group):
    guest_socket = await connect_as(guest)
    await sync_to_async(services.update_group)(actor=user, group=group, description="public")
    assert await guest_socket.receive_nothing(timeout=0.3)
    await sync_to_async(services.update_group)(actor=user, group=shared_group, description="x")
    assert (await next_of_type(guest_socket, "group.updated"))["data"]["group"]["id"] == \
        shared_group.id
    await guest_socket.disconnect()


async def test_socket_follows_membership_changes(user, other_user, private_group):
    socket = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=private_group, description="1")
    assert await socket.receive_nothing(timeout=0.3)

    await sync_to_async(services.add_member)(actor=user, group=private_group, user=other_user)
    added = await next_of_type(socket, "membership.changed")
    assert added["data"]["action"] == "added"
    await sync_to_async(services.update_group)(actor=user, group=private_group, description="2")
    assert (await next_of_type(socket, "group.updated"))["data"]["changed"] == ["description"]

    await sync_to_async(services.remove_member)(actor=user, group=private_group, user=other_user)
    removed = await next_of_type(socket, "membership.changed")
    assert removed["data"]["action"] == "removed"
    await sync_to_async(services.update_group)(actor=user, group=private_group, description="3")
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_public_group_turned_secret_stops_reaching_non_members(user, other_user, group):
    socket = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=group, visibility="secret")
    await asyncio.sleep(0.2)
    await sync_to_async(services.update_group)(actor=user, group=group, description="hidden")
    frames = []
    while not await socket.receive_nothing(timeout=0.3):
        frames.append(await socket.receive_json_from())
    assert all(frame["data"].get("changed") != ["description"] for frame in frames)
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


async def test_resume_replays_what_was_missed(user, group):
    socket = await connect_as(user)
    await sync_to_async(services.update_group)(actor=user, group=group, description="seen")
    seen = await next_of_type(socket, "group.updated")
    await socket.disconnect()

    await sync_to_async(services.update_group)(actor=user, group=group, description="missed")
    socket = await connect_as(user)
    await socket.send_json_to({"type": "resume", "last_event_id": seen["id"]})
    replayed = []
    while (frame := await socket.receive_json_from())["type"] != "resume.done":
        replayed.append(frame)
    assert [f["data"]["group"]["id"] for f in replayed if f["id"] > seen["id"]] == [group.id]
    assert all(f["stream"] in {f"user.{user.id}", f"group.{group.id}", "org"} for f in replayed)
    await socket.disconnect()


async def test_resume_does_not_replay_other_peoples_events(user, other_user, secret_group):
    socket = await connect_as(other_user)
    await sync_to_async(services.update_group)(actor=user, group=secret_group, description="x")
    await socket.send_json_to({"type": "resume", "last_event_id": 0})
    replayed = []
    while (frame := await socket.receive_json_from())["type"] != "resume.done":
        replayed.append(frame)
    assert all(f["stream"] != f"group.{secret_group.id}" for f in replayed)
    await socket.disconnect()


async def test_resume_from_too_far_back_asks_for_a_resync(user, group, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "event_resume_max": 2}
    for index in range(4):
        await sync_to_async(services.update_group)(actor=user, group=group,
                                                   description=f"v{index}")
    socket = await connect_as(user)
    await socket.send_json_to({"type": "resume", "last_event_id": 0})
    assert (await socket.receive_json_from())["type"] == "resync.required"
    await socket.disconnect()


@pytest.mark.parametrize("frame", ["not json", "[1, 2]", '{"no": "type"}', '{"type": 5}'])
async def test_bad_frames_get_an_error_and_the_socket_stays_open(user, frame):
    socket = await connect_as(user)
    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from()
    assert error["type"] == "error"
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from())["type"] == "pong"
    await socket.disconnect()


@pytest.mark.parametrize("payload", [{"type": "launch"}, {"type": "resume"},
                                     {"type": "resume", "last_event_id": -1},
                                     {"type": "resume", "last_event_id": "12"}])
async def test_unknown_types_and_bad_fields_are_errors(user, payload):
    socket = await connect_as(user)
    await socket.send_json_to(payload)
    assert (await socket.receive_json_from())["type"] == "error"
    await socket.disconnect()


async def test_events_are_stored_with_the_id_the_client_sees(user):
    socket = await connect_as(user)

    def send():
        send_event_on_commit(f"user.{user.id}", {"type": "test.happened", "value": 1})

    await sync_to_async(send)()
    frame = await next_of_type(socket, "test.happened")
    stored = await sync_to_async(Event.objects.get)(pk=frame["id"])
    assert stored.data == {"value": 1} and frame["data"] == {"value": 1}
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
