"""The streams a socket joins, and what a resume replays (chat.selectors)."""

import pytest

from chat import selectors
from groups import services
from network.models import Event

pytestmark = pytest.mark.django_db


def test_staff_join_their_own_stream_org_and_every_visible_group(user, other_user, group,
                                                                  private_group, secret_group):
    assert selectors.streams_for(other_user) == {f"user.{other_user.id}", "org",
                                                 f"group.{group.id}"}
    assert selectors.streams_for(user) == {f"user.{user.id}", "org", f"group.{group.id}",
                                           f"group.{private_group.id}",
                                           f"group.{secret_group.id}"}


def test_members_of_a_secret_group_join_its_stream(user, other_user, secret_group):
    services.add_member(actor=user, group=secret_group, user=other_user)
    assert f"group.{secret_group.id}" in selectors.streams_for(other_user)


def test_organisation_admins_join_every_group(staff_user, secret_group, private_group):
    streams = selectors.streams_for(staff_user)
    assert {f"group.{secret_group.id}", f"group.{private_group.id}"} <= streams


def test_guests_join_only_their_shared_groups_and_not_org(guest, group, private_group,
                                                          shared_group):
    assert selectors.streams_for(guest) == {f"user.{guest.id}", f"group.{shared_group.id}"}


def test_inactive_and_anonymous_users_join_nothing(inactive_user):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.streams_for(inactive_user) == set()
    assert selectors.streams_for(AnonymousUser()) == set()


def test_can_see_group_reads_the_current_state(user, other_user, private_group):
    assert not selectors.can_see_group(other_user, private_group.id)
    services.add_member(actor=user, group=private_group, user=other_user)
    assert selectors.can_see_group(other_user, private_group.id)
    type(other_user).objects.filter(pk=other_user.pk).update(is_active=False)
    assert not selectors.can_see_group(other_user, private_group.id)


def test_missed_events_come_from_the_given_streams_only(settings):
    first = Event.objects.create(stream="user.1", type="a.b", data={})
    Event.objects.create(stream="user.2", type="a.b", data={})
    third = Event.objects.create(stream="group.4", type="a.b", data={})
    events, too_far = selectors.missed_events({"user.1", "group.4"}, 0)
    assert not too_far and [e["id"] for e in events] == [first.id, third.id]


def test_missed_events_ask_for_a_resync_past_the_limit(settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "event_resume_max": 2}
    for _ in range(3):
        Event.objects.create(stream="user.1", type="a.b", data={})
    assert selectors.missed_events({"user.1"}, 0) == ([], True)
    assert selectors.missed_events({"user.2"}, 0) == ([], False)


def test_missed_events_ask_for_a_resync_for_pruned_or_unknown_ids():
    pruned = Event.objects.create(stream="user.1", type="a.b", data={})
    kept = Event.objects.create(stream="user.1", type="a.b", data={})
    pruned_id = pruned.id
    pruned.delete()
    assert selectors.missed_events({"user.1"}, pruned_id) == ([], True)
    assert selectors.missed_events({"user.1"}, kept.id + 50) == ([], True)
    assert selectors.missed_events({"user.1"}, 0)[1] is False
    assert selectors.latest_event_id() == kept.id
