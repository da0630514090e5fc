"""/api/v1/me/notification-settings: read and change one's own notification choices."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from groups import services as group_services
from groups.models import Group
from notifications import preferences, services
from notifications.models import GroupLevel, Mute, NotificationSettings, WorkingPeriod

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notification-settings"


@pytest.fixture
def api(user, api_client_for):
    return api_client_for(user)


def put(api, body):
    return api.client.put(URL, body, content_type="application/json")


def snapshot(person):
    """Everything the endpoint can change for ``person``."""
    row = NotificationSettings.objects.filter(user=person).values(
        "channels", "email_interval_minutes", "push_previews", "duty", "duty_until").first()
    return (row,
            list(WorkingPeriod.objects.filter(user=person).order_by("weekday", "start")
                 .values_list("weekday", "start", "end")),
            sorted(GroupLevel.objects.filter(user=person).values_list("group_id", "level")))


def soon(hours=3):
    return (timezone.now() + timedelta(hours=hours)).replace(microsecond=0)


# --- Who may read and write ----------------------------------------------------------------------

def test_anonymous_is_refused_with_401():
    client = Client()
    assert client.get(URL).status_code == 401
    response = client.put(URL, {"email_interval_minutes": 60}, content_type="application/json")
    assert response.status_code == 401
    assert not NotificationSettings.objects.exists()


def test_each_person_reads_and_changes_only_their_own(api, user, other_user, api_client_for):
    services.update_settings(user=other_user, email_interval_minutes=240, duty="on_call",
                             working_periods=[(2, time(7), time(15))])
    theirs = snapshot(other_user)
    mine = api.get(URL).json()
    assert (mine["email_interval_minutes"], mine["duty"], mine["working_hours"]) == (15,
                                                                                    "schedule", [])
    assert put(api, {"email_interval_minutes": 30, "working_hours": []}).status_code == 200
    assert snapshot(other_user) == theirs
    assert api_client_for(other_user).get(URL).json()["email_interval_minutes"] == 240


# --- Reading -------------------------------------------------------------------------------------

def test_get_shows_the_defaults_and_the_state_now(api, user, group, private_group):
    body = api.get(URL).json()
    assert body["channels"] == preferences.all_channels({})
    assert body["channels"]["reaction"] == {"in_app": True, "email": False, "push": False}
    assert body["email_interval_minutes"] == 15 and body["push_previews"] is False
    assert (body["duty"], body["duty_until"], body["working_hours"]) == ("schedule", None, [])
    assert body["time_zone"] == user.time_zone
    assert body["available_now"] == {"available": True, "until": None, "reason": "always"}
    assert body["group_levels"] == [
        {"group": private_group.slug, "name": private_group.name, "level": "all"},
        {"group": group.slug, "name": group.name, "level": "all"}]
    assert body["muted"] == []
    # Reading creates nothing.
    assert not NotificationSettings.objects.filter(user=user).exists()


def test_group_levels_list_only_groups_i_am_a_member_of(api, other_user, guest, shared_group):
    theirs = group_services.create_group(creator=other_user, name="Radiologie")
    levels = api.get(URL).json()["group_levels"]
    assert [g["group"] for g in levels] == [shared_group.slug]
    assert theirs.slug not in str(levels)


def test_guest_does_not_see_a_group_closed_to_guests(guest, shared_group, api_client_for):
    shared_group.allow_guests = False
    shared_group.save(update_fields=["allow_guests"])
    assert api_client_for(guest).get(URL).json()["group_levels"] == []


def test_muted_conversations_are_listed(api, user, other_user):
    services.set_muted(user=user, scope="conversation:4", muted=True, label="Night team",
                       url="/chat/4/")
    services.set_muted(user=other_user, scope="conversation:5", muted=True, label="Theirs")
    assert api.get(URL).json()["muted"] == [
        {"scope": "conversation:4", "label": "Night team", "url": "/chat/4/"}]


def test_a_status_whose_end_has_passed_reads_as_working_hours(api, user):
    services.update_settings(user=user, duty="off_duty", duty_until=soon())
    NotificationSettings.objects.filter(user=user).update(
        duty_until=timezone.now() - timedelta(minutes=1))
    body = api.get(URL).json()
    assert (body["duty"], body["duty_until"]) == ("schedule", None)
    assert body["available_now"]["available"] is True


# --- Writing -------------------------------------------------------------------------------------

def test_put_then_get_round_trip(api, user, group):
    until = soon(5)
    body = {
        "channels": {"reaction": {"push": True}, "mention": {"email": False}},
        "email_interval_minutes": 60, "push_previews": True,
        "duty": "on_call", "duty_until": until.isoformat(),
        "working_hours": [{"weekday": 0, "start": "08:00", "end": "16:00"},
                          {"weekday": 4, "start": "21:00", "end": "07:00"}],
        "group_levels": [{"group": group.slug, "level": "important"}],
    }
    response = put(api, body)
    assert response.status_code == 200, response.content
    assert response.json() == api.get(URL).json()
    saved = response.json()
    assert saved["channels"]["reaction"] == {"in_app": True, "email": False, "push": True}
    assert saved["channels"]["mention"] == {"in_app": True, "email": False, "push": True}
    assert saved["email_interval_minutes"] == 60 and saved["push_previews"] is True
    assert saved["duty"] == "on_call"
    assert datetime.fromisoformat(saved["duty_until"]) == until
    assert saved["working_hours"] == [{"weekday": 0, "start": "08:00", "end": "16:00"},
                                      {"weekday": 4, "start": "21:00", "end": "07:00"}]
    assert saved["available_now"] == {"available": True, "until": saved["duty_until"],
                                      "reason": "on_call"}
    assert saved["group_levels"] == [{"group": group.slug, "name": group.name,
                                      "level": "important"}]
    assert GroupLevel.objects.get(user=user, group=group).level == "important"


def test_a_field_left_out_stays_as_it_is(api, user, group):
    services.update_settings(
        user=user, channels={"reaction": {"in_app": True, "email": False, "push": True}},
        email_interval_minutes=240, push_previews=True, duty="off_duty", duty_until=soon(),
        working_periods=[(1, time(8), time(12))])
    services.set_group_level(user=user, group=group, level="nothing")
    before = snapshot(user)
    assert put(api, {}).status_code == 200
    assert snapshot(user) == before
    assert put(api, {"email_interval_minutes": 30}).status_code == 200
    row, periods, levels = snapshot(user)
    assert row == {**before[0], "email_interval_minutes": 30}
    assert (periods, levels) == before[1:]


def test_channels_change_only_the_switches_sent(api, user):
    put(api, {"channels": {"reaction": {"push": True}}})
    put(api, {"channels": {"mention": {"email": False}}})
    table = api.get(URL).json()["channels"]
    assert table["reaction"]["push"] is True and table["mention"]["email"] is False
    assert table["mention"]["push"] is True


def test_duty_until_alone_moves_the_end_of_the_current_status(api, user):
    services.update_settings(user=user, duty="off_duty", duty_until=soon(2))
    later = soon(30)
    response = put(api, {"duty_until": later.isoformat()})
    assert response.status_code == 200
    row = NotificationSettings.objects.get(user=user)
    assert (row.duty, row.duty_until) == ("off_duty", later)


def test_an_end_without_offset_is_read_in_my_time_zone(api, user):
    user.time_zone = "America/New_York"
    user.save(update_fields=["time_zone"])
    year = timezone.now().year + 1
    response = put(api, {"duty": "off_duty", "duty_until": f"{year}-01-15T08:00:00"})
    assert response.status_code == 200, response.content
    assert NotificationSettings.objects.get(user=user).duty_until == datetime(
        year, 1, 15, 13, 0, tzinfo=UTC)


def test_back_to_working_hours_clears_the_end(api, user):
    services.update_settings(user=user, duty="on_call", duty_until=soon())
    assert put(api, {"duty": "schedule"}).json()["duty_until"] is None
    assert NotificationSettings.objects.get(user=user).duty_until is None


def test_night_shift_is_kept_and_counts_as_working_into_the_next_morning(api, user):
    every_night = [{"weekday": day, "start": "21:00", "end": "07:00"} for day in range(7)]
    saved = put(api, {"working_hours": every_night}).json()
    assert saved["working_hours"] == every_night
    local = timezone.now().astimezone(ZoneInfo(user.time_zone))
    state = saved["available_now"]
    if local.hour >= 21 or local.hour < 7:
        assert (state["available"], state["reason"]) == (True, "working")
    else:
        assert (state["available"], state["reason"]) == (False, "outside_hours")
        back = datetime.fromisoformat(state["until"]).astimezone(local.tzinfo)
        assert (back.date(), back.hour, back.minute) == (local.date(), 21, 0)


def test_empty_working_hours_mean_always_reachable(api, user):
    services.update_settings(user=user, working_periods=[(0, time(8), time(16))])
    saved = put(api, {"working_hours": []}).json()
    assert saved["working_hours"] == []
    assert saved["available_now"]["reason"] == "always"


def test_group_level_can_be_set_for_a_visible_group(api, user, other_user):
    public = group_services.create_group(creator=other_user, name="Pharmacie")
    response = put(api, {"group_levels": [{"group": public.slug, "level": "nothing"}]})
    assert response.status_code == 200
    assert GroupLevel.objects.get(user=user, group=public).level == "nothing"


def test_level_everything_removes_the_stored_choice(api, user, group):
    services.set_group_level(user=user, group=group, level="nothing")
    put(api, {"group_levels": [{"group": group.slug, "level": "all"}]})
    assert not GroupLevel.objects.filter(user=user).exists()


# --- Refusals: a 422 per field, and nothing changed -----------------------------------------------

@pytest.fixture
def settled(user, group):
    """``user`` with choices already made, to check that a refusal changes none of them."""
    services.update_settings(user=user, email_interval_minutes=30, duty="on_call",
                             duty_until=soon(), working_periods=[(0, time(8), time(16))])
    services.set_group_level(user=user, group=group, level="important")
    return snapshot(user)


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"email_interval_minutes": 1441}, "email_interval_minutes", "between 0 and 1440"),
    ({"email_interval_minutes": -5}, "email_interval_minutes", "between 0 and 1440"),
    ({"duty": "asleep"}, "duty", "on call, off duty"),
    ({"duty": "off_duty", "duty_until": "2001-01-01T08:00:00Z"}, "duty_until", "future"),
    ({"working_hours": [{"weekday": 7, "start": "08:00", "end": "16:00"}]}, "working_hours",
     "0 (Monday) to 6 (Sunday)"),
    ({"working_hours": [{"weekday": 2, "start": "08:00", "end": "08:00"}]}, "working_hours",
     "different times"),
    ({"channels": {"lunch": {"email": True}}}, "channels", "Unknown kind of notification: lunch"),
    ({"group_levels": [{"group": "no-such-group", "level": "nothing"}]}, "group_levels",
     "No such group: no-such-group"),
])
def test_invalid_values_are_refused_per_field(api, user, settled, body, field, words):
    # A valid change sent alongside is not applied either.
    response = put(api, {"push_previews": True, **body})
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert words in " ".join(detail[field])
    assert snapshot(user) == settled


def test_a_level_that_does_not_exist_is_refused(api, user, group, settled):
    response = put(api, {"group_levels": [{"group": group.slug, "level": "loud"}],
                         "email_interval_minutes": 60})
    assert response.status_code == 422
    assert "Unknown level loud" in response.json()["detail"]["group_levels"][0]
    assert snapshot(user) == settled


def test_a_group_i_cannot_see_is_refused_as_if_it_did_not_exist(api, user, other_user, group,
                                                                settled):
    hidden = group_services.create_group(creator=other_user, name="Cellule de crise",
                                         visibility=Group.Visibility.SECRET)
    response = put(api, {"group_levels": [{"group": group.slug, "level": "nothing"},
                                          {"group": hidden.slug, "level": "nothing"}],
                         "working_hours": []})
    assert response.status_code == 422
    assert response.json()["detail"]["group_levels"] == [f"No such group: {hidden.slug}."]
    assert snapshot(user) == settled
    assert not GroupLevel.objects.filter(group=hidden).exists()


def test_a_later_refusal_undoes_the_earlier_writes(api, user, group, settled, monkeypatch):
    """Settings are written before group levels: a level refused by the service rolls the
    settings back too."""
    real = services.set_group_level

    def refuse(**kwargs):
        real(**{**kwargs, "level": "loud"})

    monkeypatch.setattr(services, "set_group_level", refuse)
    response = put(api, {"email_interval_minutes": 240,
                         "group_levels": [{"group": group.slug, "level": "nothing"}]})
    assert response.status_code == 422
    assert snapshot(user) == settled


def test_wrongly_typed_values_are_a_422(api, user, settled):
    for body in ({"push_previews": "perhaps"}, {"working_hours": [{"weekday": 1,
                                                                  "start": "25:00",
                                                                  "end": "08:00"}]},
                 {"duty_until": "tomorrow"}, {"channels": {"mention": {"email": "yes please"}}}):
        assert put(api, body).status_code == 422, body
    assert snapshot(user) == settled


def test_time_zone_is_read_only(api, user):
    put(api, {"time_zone": "Asia/Tokyo"})
    user.refresh_from_db()
    assert user.time_zone != "Asia/Tokyo"
    assert api.get(URL).json()["time_zone"] == user.time_zone


def test_muting_is_not_changed_by_put(api, user):
    services.set_muted(user=user, scope="conversation:4", muted=True, label="Night team")
    put(api, {"muted": []})
    assert Mute.objects.filter(user=user).count() == 1
