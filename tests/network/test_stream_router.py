"""network.stream_router: one subscription per stream and process, shared by its sockets.

Driven with the in-memory channel layer (the consumer tests run it over Redis too)."""

import asyncio
import logging

import pytest
from channels.layers import InMemoryChannelLayer

from network.stream_router import StreamRouter, router_for


class Socket:
    def __init__(self, name, raises: BaseException | None = None):
        self.name, self.raises, self.heard = name, raises, []

    async def hear(self, message):
        if self.raises is not None:
            raise self.raises
        self.heard.append(message["event"]["id"])


def message(stream, event_id, kind="relais.event"):
    return {"type": kind, "event": {"id": event_id, "stream": stream, "type": "post.created"}}


async def settle():
    """Let the router's reading task hand over what the layer holds."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
def layer():
    return InMemoryChannelLayer()


@pytest.fixture
async def router(layer):
    router = StreamRouter(layer)
    yield router
    router._stop()


async def test_the_sockets_of_a_stream_share_one_member_of_its_group_and_hear_each_message_once(
        layer, router):
    nurse, doctor = Socket("nurse"), Socket("doctor")
    await router.join("group.1", nurse)
    await router.join("group.1", doctor)
    await router.join("user.7", doctor)
    assert len(layer.groups["group.1"]) == 1
    assert layer.groups["group.1"].keys() == layer.groups["user.7"].keys()

    for event_id, stream in [(1, "group.1"), (2, "user.7"), (3, "group.1")]:
        await layer.group_send(stream, message(stream, event_id))
    await settle()

    assert nurse.heard == [1, 3]
    assert doctor.heard == [1, 2, 3]


async def test_a_socket_that_leaves_a_stream_hears_nothing_more_of_it_at_once(layer, router):
    leaving = Socket("leaving")

    class Closer(Socket):
        async def hear(self, message):
            await super().hear(message)
            # While the stream's message is being handed over, the next socket leaves.
            await router.leave("group.1", leaving)

    closer, staying = Closer("closer"), Socket("staying")
    for socket in (closer, leaving, staying):
        await router.join("group.1", socket)
    await layer.group_send("group.1", message("group.1", 1))
    await settle()
    await layer.group_send("group.1", message("group.1", 2))
    await settle()

    assert leaving.heard == []
    assert closer.heard == staying.heard == [1, 2]


async def test_the_last_socket_leaving_stops_the_process_listening_to_the_stream(layer, router):
    nurse, doctor = Socket("nurse"), Socket("doctor")
    await router.join("group.1", nurse)
    await router.join("group.2", doctor)
    reader = router._reader

    await router.leave("group.1", nurse)
    assert "group.1" not in layer.groups or not layer.groups["group.1"]
    assert router.streams == {"group.2"} and not reader.done()

    await router.leave("group.2", doctor)
    await settle()
    assert router.streams == set() and reader.cancelled()
    assert not any(layer.groups.values())

    # Listening again starts over.
    await router.join("group.1", nurse)
    await layer.group_send("group.1", message("group.1", 5))
    await settle()
    assert nurse.heard == [5]


async def test_a_join_racing_the_last_leave_of_the_stream_keeps_it(layer, router):
    first, second = Socket("first"), Socket("second")
    await router.join("group.1", first)
    await asyncio.gather(router.leave("group.1", first), router.join("group.1", second))
    await layer.group_send("group.1", message("group.1", 1))
    await settle()

    assert second.heard == [1] and first.heard == []


@pytest.mark.parametrize("raised, logged", [
    (RuntimeError("this socket is broken"), "this socket is broken"),
    # Cancelled, while the reader itself is not: the hand-over goes on.
    (asyncio.CancelledError(), "cancelled taking"),
])
async def test_a_socket_that_fails_is_logged_and_the_others_still_hear(layer, router, caplog,
                                                                        raised, logged):
    broken, fine = Socket("broken", raises=raised), Socket("fine")
    await router.join("group.1", broken)
    await router.join("group.1", fine)
    with caplog.at_level(logging.ERROR, logger="network.stream_router"):
        await layer.group_send("group.1", message("group.1", 1))
        await layer.group_send("group.1", message("group.1", 2))
        await settle()

    assert fine.heard == [1, 2]
    assert logged in caplog.text


async def test_a_message_without_a_stream_is_dropped_with_a_log(layer, router, caplog):
    nurse = Socket("nurse")
    await router.join("group.1", nurse)
    with caplog.at_level(logging.ERROR, logger="network.stream_router"):
        await layer.group_send("group.1", {"type": "relais.event", "event": {"id": 1}})
        await layer.group_send("group.1", message("group.1", 2))
        await settle()

    assert nurse.heard == [2]
    assert "without a stream" in caplog.text


async def test_the_router_joins_its_groups_again_before_the_layer_forgets_them():
    # The in-memory layer, like channels-redis's queued one, drops a group's members once
    # group_expiry has passed since they joined.
    layer = InMemoryChannelLayer(group_expiry=0.2)
    router = StreamRouter(layer)
    nurse = Socket("nurse")
    try:
        await router.join("group.1", nurse)
        await asyncio.sleep(0.7)
        await layer.group_send("group.1", message("group.1", 1))
        await settle()
    finally:
        router._stop()

    assert nurse.heard == [1]


async def test_each_loop_and_layer_has_its_own_router(layer):
    first = router_for(layer)
    assert router_for(layer) is first
    assert router_for(InMemoryChannelLayer()) is not first


async def test_reading_starts_again_if_it_ever_stops(layer, router, monkeypatch, caplog):
    class Unexpected(BaseException):
        pass

    hand_over, calls = router._hand_over, []

    async def fails_once(message):
        calls.append(message)
        if len(calls) == 1:
            raise Unexpected("lost")
        await hand_over(message)

    monkeypatch.setattr(router, "_hand_over", fails_once)
    nurse = Socket("nurse")
    await router.join("group.1", nurse)
    with caplog.at_level(logging.ERROR, logger="network.stream_router"):
        await layer.group_send("group.1", message("group.1", 1))
        await settle()
        await layer.group_send("group.1", message("group.1", 2))
        await settle()

    assert nurse.heard == [2]
    assert "Reading the process's streams stopped" in caplog.text


async def test_a_layer_that_does_not_answer_fails_a_join_without_holding_up_the_next(
        layer, router, monkeypatch):
    monkeypatch.setattr("network.stream_router.LAYER_CALL_SECONDS", 0.1)
    group_add = layer.group_add

    async def hangs_for_group_1(group, channel):
        if group == "group.1":
            await asyncio.sleep(60)
        await group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", hangs_for_group_1)
    nurse = Socket("nurse")
    with pytest.raises(TimeoutError):
        await router.join("group.1", nurse)
    await router.join("group.2", nurse)
    await layer.group_send("group.2", message("group.2", 1))
    await settle()

    assert nurse.heard == [1] and router.streams == {"group.2"}


async def test_forget_stops_a_socket_hearing_at_once_and_tells_the_layer_after(layer, router):
    nurse = Socket("nurse")
    await router.join("group.1", nurse)
    await router.join("user.7", nurse)
    router.forget(nurse, ["group.1", "user.7"])
    assert router.listeners("group.1") == [] and router.streams == set()
    await settle()
    assert not any(layer.groups.values())
