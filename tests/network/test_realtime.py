from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from network import realtime
from network.models import Event
from network.tasks import prune_events

pytestmark = pytest.mark.django_db


def test_events_are_stored_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        realtime.send_event_on_commit("user.1", {"type": "thing.happened", "n": 1})
        assert not Event.objects.exists()
    event = Event.objects.get()
    assert (event.stream, event.type, event.data) == ("user.1", "thing.happened", {"n": 1})


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError),
          transaction.atomic()):
        realtime.send_event_on_commit("user.1", {"type": "thing.happened"})
        raise ValueError
    assert not Event.objects.exists()


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
    new = Event.objects.create(stream="user.1", type="a.b", data={})
    assert list(realtime.events_since(["user.1"], old.id - 1 if old.id > 1 else 0)
                .values_list("id", flat=True))[-1] == new.id


def test_pruning_deletes_only_events_past_retention(settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "event_retention_days": 7}
    old = Event.objects.create(stream="user.1", type="a.b", data={})
    Event.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=8))
    recent = Event.objects.create(stream="user.1", type="a.b", data={})
    prune_events.enqueue()
    prune_events.enqueue()  # idempotent
    assert list(Event.objects.values_list("id", flat=True)) == [recent.id]


def test_prune_command_reports_what_it_deleted(capsys):
    old = Event.objects.create(stream="user.1", type="a.b", data={})
    Event.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    call_command("prune_events")
    assert "Deleted 1 old events." in capsys.readouterr().out
