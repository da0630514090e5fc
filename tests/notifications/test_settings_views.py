"""The notification settings page and the unsubscribe links of emails."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from groups import services as group_services
from groups.models import Group
from notifications import preferences, services
from notifications.email import UNSUBSCRIBE_SALT, unsubscribe_token
from notifications.models import GroupLevel, Mute, Notification, NotificationSettings, WorkingPeriod

pytestmark = pytest.mark.django_db

URL = "/notifications/settings/"
Kind = Notification.Kind


def preferences_post(*, duty="schedule", until="", interval="15", previews=False, hours=None,
                     channels=None) -> dict:
    """What the page's main form sends: the defaults unless told otherwise. ``hours`` maps
    (weekday, slot) to ("08:00", "16:00"); ``channels`` holds overrides {kind: {channel: on}}."""
    data = {"section": "preferences", "duty": duty, "duty_until": until,
            "email_interval_minutes": interval}
    if previews:
        data["push_previews"] = "on"
    for kind, channels_of_kind in preferences.all_channels(channels or {}).items():
        for channel, on in channels_of_kind.items():
            if on:
                data[f"{kind}__{channel}"] = "on"
    for (weekday, slot), (start, end) in (hours or {}).items():
        data[f"day{weekday}_{slot}_start"], data[f"day{weekday}_{slot}_end"] = start, end
    return data


def snapshot(person):
    row = NotificationSettings.objects.filter(user=person).values(
        "channels", "email_interval_minutes", "push_previews", "duty", "duty_until").first()
    return (row,
            list(WorkingPeriod.objects.filter(user=person).order_by("weekday", "start")
                 .values_list("weekday", "start", "end")),
            sorted(GroupLevel.objects.filter(user=person).values_list("group_id", "level")),
            sorted(Mute.objects.filter(user=person).values_list("scope", flat=True)))


def local_input(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def text_of(response) -> str:
    return response.content.decode()


# --- Who may open the page -----------------------------------------------------------------------

def test_anonymous_is_sent_to_sign_in(anonymous_client, user):
    response = anonymous_client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    response = anonymous_client.post(URL, preferences_post(interval="60"))
    assert response.status_code == 302
    assert not NotificationSettings.objects.exists()


def test_the_page_shows_my_settings_not_another_persons(member_client, user, other_user):
    services.update_settings(user=other_user, email_interval_minutes=240, duty="off_duty",
                             working_periods=[(2, time(6, 30), time(14, 30))])
    response = member_client.get(URL)
    assert response.status_code == 200
    form = response.context["preferences_form"]
    assert form["email_interval_minutes"].value() == 15
    assert form["duty"].value() == "schedule"
    assert form["day2_0_start"].value() is None
    assert "06:30" not in text_of(response)


def test_saving_changes_only_my_settings(member_client, user, other_user):
    services.update_settings(user=other_user, email_interval_minutes=240)
    theirs = snapshot(other_user)
    response = member_client.post(URL, preferences_post(interval="60"))
    assert response.status_code == 302
    assert snapshot(other_user) == theirs
    assert NotificationSettings.objects.get(user=user).email_interval_minutes == 60


# --- What the page shows -------------------------------------------------------------------------

def test_page_shows_every_section(member_client, user, group):
    response = member_client.get(URL)
    page = text_of(response)
    for heading in ("When to reach me", "What reaches me", "Email and lock screen", "Groups",
                    "Muted conversations", "Notifications on this browser"):
        assert heading in page
    for label in Kind.labels:
        assert str(label) in page
    assert "In the app" in page and "Push" in page
    assert "You are reachable now" in page
    assert "Europe/Paris" in page and reverse("accounts:edit_profile") in page
    assert "lock screen" in page and "seen by patients" in page
    assert "At most one email per interval, with a digest" in page
    assert group.name in page
    assert "You have not muted any conversation." in page


def test_channel_table_starts_from_the_defaults(member_client):
    form = member_client.get(URL).context["preferences_form"]
    assert form["reaction__push"].value() is False
    assert form["mention__push"].value() is True
    assert form["reply__email"].value() is False


def test_the_notification_list_and_the_account_menu_link_here(member_client):
    page = text_of(member_client.get("/notifications/"))
    link = f'href="{reverse("notifications:settings")}"'
    assert page.count(link) == 2  # the list's header and the account menu
    assert "Notification settings" in page


def test_round_trip_with_a_night_shift(member_client, user):
    data = preferences_post(
        interval="60", previews=True, channels={"reaction": {"push": True},
                                                "mention": {"email": False}},
        hours={(0, 0): ("08:00", "12:00"), (0, 1): ("13:00", "17:00"),
               (4, 0): ("21:00", "07:00")})
    response = member_client.post(URL, data, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Your notification settings have been saved." in text_of(response)
    row = NotificationSettings.objects.get(user=user)
    assert (row.email_interval_minutes, row.push_previews) == (60, True)
    assert row.channels == {"reaction": {"push": True}, "mention": {"email": False}}
    assert list(WorkingPeriod.objects.filter(user=user).values_list("weekday", "start", "end")
                ) == [(0, time(8), time(12)), (0, time(13), time(17)), (4, time(21), time(7))]
    form = response.context["preferences_form"]
    assert (form["day4_0_start"].value(), form["day4_0_end"].value()) == (time(21), time(7))
    assert form["reaction__push"].value() is True and form["mention__email"].value() is False
    page = text_of(response)
    assert 'name="day4_0_start" value="21:00"' in page
    assert 'name="day4_0_end" value="07:00"' in page
    assert 'name="day0_1_end" value="17:00"' in page
    assert "night shift" in page


def test_saving_unchanged_keeps_everything(member_client, user, group):
    # 45 minutes is not offered on the page (the API can set it): it is shown and kept.
    services.update_settings(user=user, email_interval_minutes=45, duty="on_call",
                             duty_until=timezone.now() + timedelta(hours=5, seconds=17),
                             working_periods=[(1, time(21), time(7))],
                             channels={"reaction": {"in_app": True, "email": False,
                                                    "push": True}})
    before = snapshot(user)
    response = member_client.get(URL)
    assert '<option value="45" selected>At most every 45 minutes</option>' in text_of(response)
    form = response.context["preferences_form"]
    data = {"section": "preferences"}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.widget.input_type == "checkbox":
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = field.widget.format_value(value)
    assert member_client.post(URL, data).status_code == 302
    # The status was not touched, so its end keeps its seconds.
    assert snapshot(user) == before


def test_until_is_read_in_my_time_zone(member_client, user):
    user.time_zone = "America/New_York"
    user.save(update_fields=["time_zone"])
    year = timezone.now().year + 1
    response = member_client.post(URL, preferences_post(duty="off_duty",
                                                        until=f"{year}-01-15T08:00"))
    assert response.status_code == 302
    row = NotificationSettings.objects.get(user=user)
    assert (row.duty, row.duty_until) == ("off_duty", datetime(year, 1, 15, 13, tzinfo=UTC))
    form = member_client.get(URL).context["preferences_form"]
    assert form["duty_until"].value() == datetime(year, 1, 15, 8, 0)


def test_following_working_hours_drops_the_end(member_client, user):
    past = local_input(timezone.now() - timedelta(days=1), user.time_zone)
    response = member_client.post(URL, preferences_post(duty="schedule", until=past))
    assert response.status_code == 302
    row = NotificationSettings.objects.get(user=user)
    assert (row.duty, row.duty_until) == ("schedule", None)


def test_a_status_whose_end_has_passed_shows_as_working_hours(member_client, user):
    services.update_settings(user=user, duty="on_call",
                             duty_until=timezone.now() + timedelta(hours=1))
    NotificationSettings.objects.filter(user=user).update(
        duty_until=timezone.now() - timedelta(minutes=5))
    form = member_client.get(URL).context["preferences_form"]
    assert (form["duty"].value(), form["duty_until"].value()) == ("schedule", None)
    assert member_client.post(URL, preferences_post()).status_code == 302


def test_state_in_words_when_held_until_my_next_shift(member_client, user):
    zone = ZoneInfo(user.time_zone)
    shift_day = (timezone.now().astimezone(zone) + timedelta(days=3)).date()
    services.update_settings(user=user, working_periods=[(shift_day.weekday(), time(7),
                                                          time(8))])
    page = text_of(member_client.get(URL))
    weekday = dateformat.format(datetime.combine(shift_day, time(7), tzinfo=zone), "l")
    assert f"Held until {weekday} 07:00" in page
    assert "Outside your working hours" in page


def test_state_in_words_off_duty_and_on_call(member_client, user):
    services.update_settings(user=user, duty="off_duty")
    page = text_of(member_client.get(URL))
    assert "Held until you change your status" in page and "You are off duty" in page
    services.update_settings(user=user, duty="on_call")
    page = text_of(member_client.get(URL))
    assert "You are reachable now" in page
    assert "You are on call until you change your status." in page


# --- Refusals: a form error beside the field, a 422, nothing saved --------------------------------

@pytest.fixture
def settled(user):
    services.update_settings(user=user, email_interval_minutes=30,
                             working_periods=[(0, time(8), time(16))])
    return snapshot(user)


def past_until(user):
    return local_input(timezone.now() - timedelta(hours=2), user.time_zone)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"interval": "5"}, "email_interval_minutes", "Select a valid choice"),
    ({"interval": "99999"}, "email_interval_minutes", "Select a valid choice"),
    ({"duty": "asleep"}, "duty", "Select a valid choice"),
    ({"duty": "on_call", "until": "next week"}, "duty_until", "valid date/time"),
    ({"hours": {(2, 0): ("08:00", "08:00")}}, "day2_0_end", "different time"),
    ({"hours": {(3, 1): ("08:00", "")}}, "day3_1_end", "both a start and an end"),
    ({"hours": {(3, 0): ("", "16:00")}}, "day3_0_start", "both a start and an end"),
    ({"hours": {(5, 0): ("25:00", "07:00")}}, "day5_0_start", "valid time"),
])
def test_invalid_values_are_shown_beside_the_field(member_client, user, settled, changes, field,
                                                   words):
    data = preferences_post(**{"interval": "60", **changes})
    response = member_client.post(URL, data)
    assert response.status_code == 422
    errors = response.context["preferences_form"].errors
    assert words in " ".join(errors[field])
    assert words in text_of(response)
    assert snapshot(user) == settled


def test_an_end_in_the_past_is_refused(member_client, user, settled):
    response = member_client.post(URL, preferences_post(duty="off_duty",
                                                        until=past_until(user)))
    assert response.status_code == 422
    assert "must be in the future" in " ".join(
        response.context["preferences_form"].errors["duty_until"])
    assert snapshot(user) == settled


def test_an_end_that_does_not_exist_in_my_time_zone_is_refused(member_client, user, settled):
    # Europe/Paris skips 02:00-03:00 on the last Sunday of March.
    year = timezone.now().year + 1
    last_sunday = max(day for day in range(25, 32)
                      if datetime(year, 3, day).weekday() == 6)
    response = member_client.post(URL, preferences_post(
        duty="off_duty", until=f"{year}-03-{last_sunday}T02:30"))
    assert response.status_code == 422
    assert "interpreted in time zone Europe/Paris" in " ".join(
        response.context["preferences_form"].errors["duty_until"])
    assert snapshot(user) == settled


def test_what_was_typed_is_kept_on_error(member_client, settled):
    response = member_client.post(URL, preferences_post(
        interval="5", hours={(6, 0): ("21:00", "07:00")}))
    page = text_of(response)
    assert 'name="day6_0_start" value="21:00"' in page
    assert "Nothing was saved" in page


# --- Groups --------------------------------------------------------------------------------------

def test_group_levels_are_offered_for_my_groups_only(member_client, user, other_user, group):
    theirs = group_services.create_group(creator=other_user, name="Radiologie")
    form = member_client.get(URL).context["groups_form"]
    assert [g for g, _field in form.rows()] == [group]
    assert theirs.name not in text_of(member_client.get(URL))


def test_saving_a_group_level(member_client, user, group, private_group):
    response = member_client.post(URL, {"section": "groups", f"group_{group.id}": "important",
                                        f"group_{private_group.id}": "all"}, follow=True)
    assert response.redirect_chain == [(URL + "#groups", 302)]
    assert "Your group settings have been saved." in text_of(response)
    assert list(GroupLevel.objects.filter(user=user).values_list("group_id", "level")) == [
        (group.id, "important")]
    assert response.context["groups_form"][f"group_{group.id}"].value() == "important"


def test_a_bad_level_is_refused(member_client, user, group):
    services.set_group_level(user=user, group=group, level="nothing")
    response = member_client.post(URL, {"section": "groups", f"group_{group.id}": "loud"})
    assert response.status_code == 422
    assert "Select a valid choice" in " ".join(
        response.context["groups_form"].errors[f"group_{group.id}"])
    assert GroupLevel.objects.get(user=user, group=group).level == "nothing"


def test_a_group_that_is_not_mine_is_ignored(member_client, user, other_user, group):
    hidden = group_services.create_group(creator=other_user, name="Cellule de crise",
                                         visibility=Group.Visibility.SECRET)
    response = member_client.post(URL, {"section": "groups", f"group_{group.id}": "all",
                                        f"group_{hidden.id}": "nothing"})
    assert response.status_code == 302
    assert not GroupLevel.objects.filter(group=hidden).exists()


# --- Muted conversations -------------------------------------------------------------------------

def test_muted_conversations_are_listed_and_unmuted(member_client, user, other_user):
    services.set_muted(user=user, scope="conversation:4", muted=True, label="Night team",
                       url="/chat/4/")
    services.set_muted(user=other_user, scope="conversation:4", muted=True, label="Night team")
    page = text_of(member_client.get(URL))
    assert 'href="/chat/4/">Night team</a>' in page and "Unmute" in page
    response = member_client.post(URL, {"section": "unmute", "scope": "conversation:4"},
                                  follow=True)
    assert response.redirect_chain == [(URL + "#muted", 302)]
    assert "“Night team” is no longer muted." in text_of(response)
    assert not Mute.objects.filter(user=user).exists()
    assert Mute.objects.filter(user=other_user, scope="conversation:4").exists()


def test_unmuting_what_only_someone_else_muted_changes_nothing(member_client, other_user):
    services.set_muted(user=other_user, scope="conversation:9", muted=True, label="Theirs")
    response = member_client.post(URL, {"section": "unmute", "scope": "conversation:9"})
    assert response.status_code == 302
    assert Mute.objects.filter(user=other_user, scope="conversation:9").exists()


# --- Unsubscribe links ---------------------------------------------------------------------------

def unsubscribe_url(person, kind):
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(person.id, kind)])


@pytest.fixture
def mail_client():
    """A mail gateway or a mail client: no session, and CSRF checked as in production."""
    return Client(enforce_csrf_checks=True)


def test_opening_the_link_only_asks(mail_client, user):
    url = unsubscribe_url(user, Kind.MENTION)
    before = snapshot(user)
    response = mail_client.get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert "Stop emails about “Mentions”?" in page
    assert "Stop these emails" in page and "still see them in Relais" in page
    assert mail_client.head(url).status_code == 200
    assert snapshot(user) == before
    assert not NotificationSettings.objects.filter(user=user).exists()


def test_pressing_the_button_stops_that_kind_of_email_only(mail_client, user):
    services.update_settings(user=user, channels={"reaction": {"in_app": True, "email": False,
                                                               "push": True}})
    expected = preferences.all_channels(NotificationSettings.objects.get(user=user).channels)
    expected[Kind.MENTION]["email"] = False
    response = mail_client.post(unsubscribe_url(user, Kind.MENTION))
    assert response.status_code == 200
    page = text_of(response)
    assert "You will get no more emails about “Mentions”." in page
    assert reverse("notifications:settings") in page
    row = NotificationSettings.objects.get(user=user)
    assert preferences.all_channels(row.channels) == expected


def test_one_click_post_from_a_mail_client(mail_client, user):
    response = mail_client.post(unsubscribe_url(user, Kind.DIRECT_MESSAGE),
                                "List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    table = preferences.all_channels(NotificationSettings.objects.get(user=user).channels)
    assert table[Kind.DIRECT_MESSAGE] == {"in_app": True, "email": False, "push": True}
    assert table[Kind.MENTION]["email"] is True


def test_star_stops_every_email_and_nothing_else(mail_client, user):
    get = mail_client.get(unsubscribe_url(user, "*"))
    assert "Stop all notification emails?" in text_of(get)
    response = mail_client.post(unsubscribe_url(user, "*"))
    assert "You will get no more notification emails from Relais." in text_of(response)
    table = preferences.all_channels(NotificationSettings.objects.get(user=user).channels)
    defaults = preferences.all_channels({})
    for kind in Kind.values:
        assert table[kind] == {**defaults[kind], "email": False}


def test_the_link_acts_for_its_owner_whoever_is_signed_in(other_client, user, other_user):
    other_client.post(unsubscribe_url(user, Kind.TICKET))
    assert preferences.all_channels(
        NotificationSettings.objects.get(user=user).channels)[Kind.TICKET]["email"] is False
    assert not NotificationSettings.objects.filter(user=other_user).exists()


@pytest.mark.parametrize("forgery", ["made up", "another salt", "unknown kind", "no user"])
def test_a_forged_link_is_not_found(mail_client, user, forgery):
    token = {
        "made up": "forged",
        "another salt": signing.dumps({"u": user.id, "k": "mention"}, salt="another.salt"),
        "unknown kind": signing.dumps({"u": user.id, "k": "lunch"}, salt=UNSUBSCRIBE_SALT),
        "no user": unsubscribe_token(user.id + 1000, Kind.MENTION),
    }[forgery]
    url = reverse("notifications:unsubscribe", args=[token])
    for response in (mail_client.get(url), mail_client.post(url)):
        assert response.status_code == 404
        assert "This link is not valid" in text_of(response)
    assert not NotificationSettings.objects.exists()


def test_a_damaged_link_is_not_found(mail_client, user):
    token = unsubscribe_token(user.id, Kind.MENTION)
    url = reverse("notifications:unsubscribe", args=[token[:-3]])
    assert mail_client.post(url).status_code == 404
    assert not NotificationSettings.objects.filter(user=user).exists()


def test_the_link_of_a_deactivated_account_is_not_found(mail_client, inactive_user):
    assert mail_client.post(unsubscribe_url(inactive_user, Kind.MENTION)).status_code == 404


def test_other_methods_are_refused(mail_client, user):
    assert mail_client.put(unsubscribe_url(user, Kind.MENTION)).status_code == 405
    assert not NotificationSettings.objects.filter(user=user).exists()
