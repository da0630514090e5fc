"""Presence: online, away, offline and last seen, across tabs and server processes.

Sockets go through the full ASGI stack (tests/chat/test_consumers.py explains the marker that
proves a socket did *not* receive something). A second server process is a second
``channel_name``: its rows are in the same database.
"""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat import consumers, presence
from chat.models import LastSeen, Presence
from groups import services
from tests.chat.test_consumers import (  # noqa: F401 (an autouse fixture)
    _close_consumer_thread_connections,
    connect_as,
    frames_until_marker,
    next_of_type,
    settle,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


async def open_tab(person):
    socket = await connect_as(person)
    await settle(socket)  # its row is written and its presence announced
    return socket


async def status(person) -> dict:
    return (await sync_to_async(presence.status_of)([person.id]))[person.id]


def presence_of(frames, person) -> list[dict]:
    return [frame for frame in frames
            if frame["type"] == "presence.changed" and frame["data"]["user_id"] == person.id]


async def heard(watcher, watcher_person, person) -> list[str]:
    frames = presence_of(await frames_until_marker(watcher, watcher_person), person)
    return [frame["data"]["status"] for frame in frames]


async def add(user, group, person):
    await sync_to_async(services.add_member)(actor=user, group=group, user=person)


# --- Through the socket ----------------------------------------------------------------------

async def test_a_person_is_online_while_a_tab_is_open_and_offline_after(user):
    assert await status(user) == {"status": "offline", "last_seen": None}
    tab = await open_tab(user)
    online = await status(user)
    assert online["status"] == "online" and online["last_seen"] is not None
    await tab.disconnect()
    offline = await status(user)
    assert offline["status"] == "offline" and offline["last_seen"] >= online["last_seen"]
    assert not await sync_to_async(Presence.objects.exists)()


async def test_presence_stays_online_until_the_last_tab_closes(user, other_user, private_group,
                                                               secret_group):
    # They share two groups: the change reaches the watcher once all the same.
    await add(user, private_group, other_user)
    await add(user, secret_group, other_user)
    watcher = await open_tab(other_user)
    first = await open_tab(user)
    frames = presence_of(await frames_until_marker(watcher, other_user), user)
    assert [f["data"]["status"] for f in frames] == ["online"]
    assert frames[0]["stream"] in {f"group.{private_group.id}", f"group.{secret_group.id}"}
    assert "id" not in frames[0]

    second = await open_tab(user)
    await first.disconnect()
    assert (await status(user))["status"] == "online"
    assert await heard(watcher, other_user, user) == []

    await second.disconnect()
    last = await status(user)
    assert last["status"] == "offline"
    frames = presence_of(await frames_until_marker(watcher, other_user), user)
    assert [f["data"] for f in frames] == [{"user_id": user.id, "status": "offline",
                                            "last_seen": last["last_seen"].isoformat()}]
    await watcher.disconnect()


async def test_a_person_is_away_when_every_tab_says_away(user, other_user, private_group):
    await add(user, private_group, other_user)
    watcher = await open_tab(other_user)
    first = await open_tab(user)
    second = await open_tab(user)
    assert await heard(watcher, other_user, user) == ["online"]

    await first.send_json_to({"type": "presence", "status": "away"})
    await settle(first)
    assert (await status(user))["status"] == "online"
    assert await heard(watcher, other_user, user) == []

    await second.send_json_to({"type": "presence", "status": "away"})
    await settle(second)
    assert (await status(user))["status"] == "away"
    assert await heard(watcher, other_user, user) == ["away"]

    await first.send_json_to({"type": "presence", "status": "online"})
    await settle(first)
    assert (await status(user))["status"] == "online"
    assert await heard(watcher, other_user, user) == ["online"]

    await first.disconnect()
    assert (await status(user))["status"] == "away"  # the tab left says away
    assert await heard(watcher, other_user, user) == ["away"]
    for socket in (second, watcher):
        await socket.disconnect()


async def test_presence_reaches_group_co_members_and_not_outsiders(user, other_user, guest,
                                                                   private_group):
    await add(user, private_group, other_user)
    co_member = await open_tab(other_user)
    outsider = await open_tab(guest)
    tab = await open_tab(user)
    changed = await next_of_type(co_member, "presence.changed")
    assert changed["stream"] == f"group.{private_group.id}"
    assert (changed["data"]["user_id"], changed["data"]["status"]) == (user.id, "online")
    assert await heard(outsider, guest, user) == []
    for socket in (tab, co_member, outsider):
        await socket.disconnect()


async def test_a_guests_presence_reaches_only_the_groups_they_share(user, other_user, guest,
                                                                    group, shared_group):
    await sync_to_async(services.join_group)(user=other_user, group=group)
    partner_member = await open_tab(user)  # owns the shared group
    stranger = await open_tab(other_user)  # shares only a public group with the owner
    tab = await open_tab(guest)
    assert await heard(partner_member, user, guest) == ["online"]
    assert await heard(stranger, other_user, guest) == []
    for socket in (tab, partner_member, stranger):
        await socket.disconnect()


async def test_rows_of_a_dead_process_stop_counting_and_are_swept(user, other_user,
                                                                  private_group, monkeypatch):
    monkeypatch.setattr(presence, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(consumers, "_next_sweep", 0.0)
    await add(user, private_group, other_user)
    # A socket of another server process, which then died without closing it.
    long_ago = timezone.now() - timedelta(seconds=presence.STALE_SECONDS + 30)
    await sync_to_async(presence.opened)(user_id=user.id, channel_name="specific.dead!1",
                                         now=long_ago)
    assert await status(user) == {"status": "offline", "last_seen": long_ago}

    watcher = await open_tab(other_user)  # its heartbeat sweeps the dead row
    changed = await next_of_type(watcher, "presence.changed")
    assert changed["data"] == {"user_id": user.id, "status": "offline",
                               "last_seen": long_ago.isoformat()}
    assert not await sync_to_async(Presence.objects.filter(user=user).exists)()
    assert await status(user) == {"status": "offline", "last_seen": long_ago}
    await watcher.disconnect()


async def test_an_open_tab_keeps_its_row_fresh(user, monkeypatch):
    monkeypatch.setattr(presence, "HEARTBEAT_SECONDS", 0.05)
    tab = await open_tab(user)
    long_ago = timezone.now() - timedelta(seconds=presence.STALE_SECONDS + 30)
    await sync_to_async(Presence.objects.filter(user=user).update)(last_seen=long_ago)
    assert (await status(user))["status"] == "offline"
    await asyncio.sleep(0.3)
    assert (await status(user))["status"] == "online"

    # Swept by another process while this one stalled: the row comes back.
    await sync_to_async(Presence.objects.filter(user=user).delete)()
    await asyncio.sleep(0.3)
    assert (await status(user))["status"] == "online"
    await tab.disconnect()
    assert (await status(user))["status"] == "offline"


# --- The bookkeeping -------------------------------------------------------------------------

@pytest.mark.django_db
def test_status_of_answers_for_many_people_in_two_queries(user, other_user, guest,
                                                           django_assert_num_queries):
    now = timezone.now()
    presence.opened(user_id=user.id, channel_name="a", now=now)
    presence.opened(user_id=user.id, channel_name="b", status="away", now=now)
    presence.opened(user_id=other_user.id, channel_name="c", status="away", now=now)
    presence.opened(user_id=other_user.id, channel_name="d", now=now - timedelta(minutes=5))
    with django_assert_num_queries(2):
        found = presence.status_of([user.id, other_user.id, guest.id], now=now)
    assert found == {user.id: {"status": "online", "last_seen": now},
                     other_user.id: {"status": "away", "last_seen": now},
                     guest.id: {"status": "offline", "last_seen": None}}


@pytest.mark.django_db
def test_each_change_is_announced_once_whatever_the_processes(user):
    now = timezone.now()
    [online] = presence.opened(user_id=user.id, channel_name="process-1!a", now=now)
    assert online.event == {"type": "presence.changed", "user_id": user.id,
                            "status": "online", "last_seen": now.isoformat()}
    assert presence.opened(user_id=user.id, channel_name="process-2!b", now=now) == []
    assert presence.set_status(user_id=user.id, channel_name="process-1!a", status="away",
                               now=now) == []
    [away] = presence.set_status(user_id=user.id, channel_name="process-2!b", status="away",
                                 now=now)
    assert away.event["status"] == "away"
    assert presence.closed(user_id=user.id, channel_name="process-1!a", now=now) == []
    later = now + timedelta(seconds=5)
    [offline] = presence.closed(user_id=user.id, channel_name="process-2!b", now=later)
    assert offline.event["status"] == "offline"
    assert offline.event["last_seen"] == later.isoformat()
    assert LastSeen.objects.get(user=user).at == later


@pytest.mark.django_db
def test_a_sweep_removes_dead_rows_only(user, other_user):
    now = timezone.now()
    long_ago = now - timedelta(seconds=presence.STALE_SECONDS + 1)
    presence.opened(user_id=user.id, channel_name="dead!1", now=long_ago)
    presence.opened(user_id=user.id, channel_name="alive!1", now=now)
    presence.opened(user_id=other_user.id, channel_name="dead!2", now=long_ago)
    announced = presence.sweep(now=now)
    assert [(a.event["user_id"], a.event["status"]) for a in announced] == [
        (other_user.id, "offline")]
    assert set(Presence.objects.values_list("channel_name", flat=True)) == {"alive!1"}
    assert presence.status_of([user.id], now=now)[user.id]["status"] == "online"


@pytest.mark.django_db
def test_presence_is_told_to_the_groups_a_person_belongs_to(user, guest, group, shared_group,
                                                            private_group):
    streams = presence.presence_streams(user.id)
    assert streams[0] == f"user.{user.id}"
    assert set(streams) == {f"user.{user.id}", f"group.{group.id}", f"group.{shared_group.id}",
                            f"group.{private_group.id}"}
    assert presence.presence_streams(guest.id) == [f"user.{guest.id}",
                                                   f"group.{shared_group.id}"]
    services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert presence.presence_streams(guest.id) == [f"user.{guest.id}"]
