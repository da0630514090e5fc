import asyncio
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from network import realtime
from network.middleware import PageEventMiddleware
from network.models import Event
from network.tasks import prune_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    """A channel-layer channel in the stream ``user.1``, as a connected socket would be."""
    # One event loop for every call: channels-redis binds a channel's receive buffer to it.
    loop = asyncio.new_event_loop()
    layer = get_channel_layer()
    channel = loop.run_until_complete(layer.new_channel())
    loop.run_until_complete(layer.group_add("user.1", channel))

    def receive(timeout=2.0):
        try:
            return loop.run_until_complete(asyncio.wait_for(layer.receive(channel), timeout))
        except TimeoutError:
            return None

    yield receive
    loop.run_until_complete(layer.group_discard("user.1", channel))
    loop.close()


def test_events_are_stored_and_pushed_only_after_commit(django_capture_on_commit_callbacks,
                                                         listener):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        realtime.send_event_on_commit("user.1", {"type": "thing.happened", "n": 1})
        assert not Event.objects.exists()
        assert listener(timeout=0.2) is None
    assert len(callbacks) == 1
    event = Event.objects.get()
    assert (event.stream, event.type, event.data) == ("user.1", "thing.happened", {"n": 1})
    assert listener() == {"type": "relais.event", "event": realtime.envelope(event)}


def test_nothing_is_stored_or_pushed_when_the_transaction_rolls_back(
        django_capture_on_commit_callbacks, listener):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValueError), transaction.atomic():
            realtime.send_event_on_commit("user.1", {"type": "thing.happened"})
            raise ValueError
        realtime.send_event_on_commit("user.1", {"type": "after.rollback"})
    assert len(callbacks) == 1
    assert list(Event.objects.values_list("type", flat=True)) == ["after.rollback"]
    assert listener()["event"]["type"] == "after.rollback"


def test_envelope_carries_id_type_stream_time_and_data():
    event = Event.objects.create(stream="group.3", type="group.updated", data={"a": 1})
    assert realtime.envelope(event) == {"id": event.id, "type": "group.updated",
                                        "stream": "group.3", "created": event.created.isoformat(),
                                        "data": {"a": 1}}


def test_events_since_repeats_the_last_seconds_to_cover_commit_races():
    first = Event.objects.create(stream="user.1", type="a.b", data={})
    second = Event.objects.create(stream="user.1", type="a.b", data={})
    Event.objects.create(stream="user.2", type="a.b", data={})
    ids = list(realtime.events_since(["user.1"], second.id).values_list("id", flat=True))
    assert ids == [first.id]  # within the overlap window; the client drops ids it has seen
    Event.objects.filter(pk=first.pk).update(created=timezone.now() - timedelta(minutes=5))
    assert list(realtime.events_since(["user.1"], second.id)) == []


def test_events_since_an_unknown_id_returns_newer_events_only():
    old = Event.objects.create(stream="user.1", type="a.b", data={})
    gone = Event.objects.create(stream="user.1", type="a.b", data={})
    new = Event.objects.create(stream="user.1", type="a.b", data={})
    gone_id = gone.id
    gone.delete()
    # Without the stored time of the last event there is no overlap window: ids after it only.
    assert list(realtime.events_since(["user.1"], gone_id).values_list("id", flat=True)) == [
        new.id]
    assert list(realtime.events_since(["user.1"], 0).values_list("id", flat=True)) == [
        old.id, new.id]


def test_events_since_never_returns_the_last_event_seen_nor_other_streams():
    first = Event.objects.create(stream="user.1", type="a.b", data={})
    middle = Event.objects.create(stream="group.2", type="a.b", data={})
    Event.objects.create(stream="group.3", type="a.b", data={})
    last = Event.objects.create(stream="group.2", type="a.b", data={})
    assert list(realtime.events_since(["user.1", "group.2"], last.id)
                .values_list("id", flat=True)) == [first.id, middle.id]


def test_pruning_deletes_only_events_past_retention(settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "event_retention_days": 7}
    old = Event.objects.create(stream="user.1", type="a.b", data={})
    Event.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=8))
    recent = Event.objects.create(stream="user.1", type="a.b", data={})
    assert prune_events.enqueue().return_value == 1
    assert prune_events.enqueue().return_value == 0  # safe to run twice
    assert list(Event.objects.values_list("id", flat=True)) == [recent.id]


def test_the_event_log_prunes_itself_every_so_many_events(monkeypatch,
                                                         django_capture_on_commit_callbacks):
    old = Event.objects.create(stream="user.1", type="a.b", data={})
    Event.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    monkeypatch.setattr(realtime, "PRUNE_EVERY", 10**9)
    with django_capture_on_commit_callbacks(execute=True):
        realtime.send_event_on_commit("user.1", {"type": "thing.happened"})
    assert Event.objects.filter(pk=old.pk).exists()
    monkeypatch.setattr(realtime, "PRUNE_EVERY", 1)
    with django_capture_on_commit_callbacks(execute=True):
        realtime.send_event_on_commit("user.1", {"type": "thing.happened"})
    assert not Event.objects.filter(pk=old.pk).exists()
    assert Event.objects.count() == 2


def test_events_stored_last_commit_with_the_transaction_and_are_pushed_after_it(
        django_capture_on_commit_callbacks, listener):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        realtime.EventsLast().store([("user.1", {"type": "thing.happened", "n": 1}),
                                     ("user.1", {"type": "thing.happened", "n": 2})])
        # Stored inside the transaction, told to no one yet.
        assert [e.data for e in Event.objects.order_by("id")] == [{"n": 1}, {"n": 2}]
        assert listener(timeout=0.2) is None
    assert len(callbacks) == 1
    stored = list(Event.objects.order_by("id"))
    assert [listener()["event"] for _ in range(2)] == [realtime.envelope(e) for e in stored]


def test_events_stored_last_are_pushed_in_the_place_taken_before_later_writes(
        django_capture_on_commit_callbacks, listener):
    """What the write does after taking its place (a receiver's events) is pushed after its
    own events, whose ids are the smaller."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events_last = realtime.EventsLast()
        realtime.send_event_on_commit("user.1", {"type": "thing.happened", "n": "later"})
        events_last.store([("user.1", {"type": "thing.happened", "n": "first"})])
    pushed = [listener()["event"] for _ in range(2)]
    assert [e["data"]["n"] for e in pushed] == ["first", "later"]
    assert pushed[0]["id"] < pushed[1]["id"]


def test_events_stored_last_wait_for_commit_inside_a_callers_bigger_transaction(
        django_capture_on_commit_callbacks, listener):
    """A caller's transaction may go on writing after them: stored after commit, then."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with transaction.atomic():
            realtime.EventsLast().store([("user.1", {"type": "thing.happened"})])
        assert not Event.objects.exists()
        assert listener(timeout=0.2) is None
    assert listener()["event"] == realtime.envelope(Event.objects.get())


def test_events_stored_last_roll_back_with_their_transaction(
        django_capture_on_commit_callbacks, listener):
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError),
          transaction.atomic()):
        realtime.EventsLast().store([("user.1", {"type": "thing.happened"})])
        raise ValueError
    assert not Event.objects.exists()
    assert listener(timeout=0.2) is None


def test_events_are_stored_last_only_in_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="open one first"):
        realtime.EventsLast()


redis_layer = pytest.mark.skipif(
    not realtime._publishes_from_any_loop(get_channel_layer()),
    reason="the publishing loop serves the Redis channel layers (REDIS_URL)")


@redis_layer
def test_synchronous_code_publishes_through_one_loop_of_its_own_in_order(
        django_capture_on_commit_callbacks, listener):
    """A database thread hands its events to the process's publishing loop: not to the loop
    that writes the sockets' frames (behind their deliveries), nor to a new loop each time."""
    with django_capture_on_commit_callbacks(execute=True):
        realtime.send_events_on_commit([("user.1", {"type": "thing.happened", "n": n})
                                        for n in range(3)])
    loop = realtime.publisher._loop
    with django_capture_on_commit_callbacks(execute=True):
        realtime.send_event_on_commit("user.1", {"type": "thing.happened", "n": 3})
    assert realtime.publisher._loop is loop and loop.is_running()
    assert [listener()["event"]["data"]["n"] for _ in range(4)] == [0, 1, 2, 3]


@redis_layer
def test_code_running_an_event_loop_publishes_without_blocking_it(listener):
    """A service called on a thread that runs an event loop (a browser test's) still gets its
    events out, the loop left free meanwhile."""
    event = Event.objects.create(stream="user.1", type="thing.happened", data={"n": 7})

    async def push_from_a_loop():
        realtime._push([("user.1", realtime.envelope(event))])

    asyncio.run(push_from_a_loop())
    assert listener()["event"]["data"] == {"n": 7}


@redis_layer
def test_the_caller_does_not_wait_and_pushes_keep_the_order_they_were_handed_over(
        monkeypatch, listener):
    """The first push is slow to reach Redis: the caller is not held up, and the second push,
    handed over next, is still published after it."""
    layer = get_channel_layer()
    publish = layer.group_send

    async def slow_for_the_first(stream, message):
        if message["event"]["data"]["n"] == 0:
            await asyncio.sleep(0.3)
        await publish(stream, message)

    monkeypatch.setattr(layer, "group_send", slow_for_the_first, raising=False)
    events = [Event.objects.create(stream="user.1", type="thing.happened", data={"n": n})
              for n in range(2)]
    started = time.monotonic()
    for event in events:
        realtime._push([("user.1", realtime.envelope(event))])
    assert time.monotonic() - started < 0.2
    assert [listener()["event"]["data"]["n"] for _ in range(2)] == [0, 1]


@redis_layer
def test_publications_beyond_the_bound_are_dropped_with_a_word(monkeypatch, caplog, listener):
    monkeypatch.setattr(realtime.publisher, "MAX_PENDING", 0)
    event = Event.objects.create(stream="user.1", type="thing.happened", data={})
    realtime._push([("user.1", realtime.envelope(event))])
    assert f"Events [{event.id}] are stored but were not published" in caplog.text
    assert listener(timeout=0.3) is None


def test_a_failed_publication_is_logged_and_the_write_stands(
        monkeypatch, django_capture_on_commit_callbacks, caplog):
    """Redis down after the commit: the event is stored (a reconnecting client gets it), and
    the caller is not told that its committed write failed."""
    async def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(get_channel_layer(), "group_send", unreachable, raising=False)
    with django_capture_on_commit_callbacks(execute=True):
        realtime.send_event_on_commit("user.1", {"type": "thing.happened"})
    realtime.publisher.flush()
    event = Event.objects.get(type="thing.happened")
    assert f"Events [{event.id}] are stored but could not be published" in caplog.text


def test_prune_command_reports_what_it_deleted(capsys):
    old = Event.objects.create(stream="user.1", type="a.b", data={})
    Event.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    call_command("prune_events")
    assert "Deleted 1 old events." in capsys.readouterr().out


def test_every_event_type_is_documented():
    root = Path(__file__).resolve().parents[2]
    documented = set(re.findall(r"^### `([a-z_]+\.[a-z_]+)`", (root / "docs" / "realtime.md")
                                .read_text(), re.M))
    built = {event_type for module in root.glob("*/events.py")
             for event_type in re.findall(r'"type": "([a-z_]+\.[a-z_]+)"', module.read_text())}
    assert built and built <= documented, built - documented


# --- A page's event id: read before the page's data ------------------------------------------

PAGE_EVENT_ID = re.compile(r'data-last-event-id="(\d+)"')


def _page_event_id(response) -> int:
    return int(PAGE_EVENT_ID.search(response.content.decode()).group(1))


def test_a_page_takes_the_newest_event_id_before_reading_its_data(member_client, monkeypatch):
    # The socket drops the events up to the page's id as already shown, so an event stored
    # while the page is being drawn must not be counted in: its write may not be on the page.
    from feed import selectors as feed_selectors

    before = realtime.latest_event_id()
    real_feed_for = feed_selectors.feed_for

    def feed_for_during_a_write(*args, **kwargs):
        Event.objects.create(stream="org", type="post.created", data={})
        return real_feed_for(*args, **kwargs)

    monkeypatch.setattr(feed_selectors, "feed_for", feed_for_during_a_write)
    response = member_client.get("/")
    assert response.status_code == 200
    assert realtime.latest_event_id() > before
    assert _page_event_id(response) == before


def test_fragments_and_the_api_do_not_read_the_page_event_id(user):
    seen = []

    def view(request):
        seen.append(getattr(request, "page_event_id", None))
        return HttpResponse()

    middleware = PageEventMiddleware(view)
    factory = RequestFactory()
    for path, headers in (("/", {}), ("/", {"HX-Request": "true"}), ("/api/v1/feed", {}),
                          ("/static/relais/relais.css", {}), ("/chat/unread/", {"Accept": "*/*"}),
                          ("/people/1/avatar/", {"Accept": "image/avif,image/webp,*/*"})):
        request = factory.get(path, headers=headers)
        request.user = user
        middleware(request)
    Event.objects.create(stream="org", type="post.created", data={})
    anonymous = factory.get("/")
    anonymous.user = AnonymousUser()
    middleware(anonymous)
    assert seen == [0, None, None, None, None, None, None]
