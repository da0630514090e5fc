"""The sender sees that the recipient is off duty before sending: above the composer of a
direct conversation, on the person's profile, and in the conversation's API JSON."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from chat import services
from notifications import services as notification_services
from notifications.selectors import availability_of
from notifications.templatetags.availability import back_at_text
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# A Saturday morning in Paris; Hugo works Monday to Friday, 07:00 to 19:00 (Paris).
SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=PARIS)
MONDAY_7_PARIS = datetime(2026, 3, 9, 7, 0, tzinfo=PARIS)
WEEKDAYS = [(day, time(7), time(19)) for day in range(5)]


@pytest.fixture
def weekday_hours(other_user):
    with time_machine.travel(SATURDAY - timedelta(days=3), tick=False):
        notification_services.update_settings(user=other_user, working_periods=WEEKDAYS)
    return other_user


def conversation_page(client, conversation) -> str:
    return client.get(reverse("chat:conversation", args=[conversation.id])).content.decode()


# --- The selector ---------------------------------------------------------------------------------

def test_availability_of_reads_everyone_in_two_queries(user, other_user, staff_user,
                                                       weekday_hours,
                                                       django_assert_num_queries):
    notification_services.update_settings(user=staff_user, duty="off_duty")
    with time_machine.travel(SATURDAY, tick=False), django_assert_num_queries(2):
        states = availability_of([user, other_user, staff_user])
    assert states[user.id].available and states[user.id].reason == "always"
    assert (states[other_user.id].available, states[other_user.id].until) == (
        False, MONDAY_7_PARIS.astimezone(UTC))
    assert (states[staff_user.id].available, states[staff_user.id].until,
            states[staff_user.id].reason) == (False, None, "off_duty")


def test_availability_of_nobody_costs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert availability_of([]) == {}


def test_times_are_short_and_in_the_active_time_zone():
    now = datetime(2026, 3, 7, 10, 0, tzinfo=PARIS)
    with timezone.override(PARIS):
        assert back_at_text(datetime(2026, 3, 7, 17, 0, tzinfo=PARIS), now=now) == "17:00"
        assert back_at_text(MONDAY_7_PARIS, now=now) == "Mon 07:00"
        assert back_at_text(datetime(2026, 3, 20, 7, 0, tzinfo=PARIS), now=now) == \
            "Fri 20 Mar 07:00"
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        assert back_at_text(MONDAY_7_PARIS, now=now) == "Mon 15:00"


# --- Above the composer ---------------------------------------------------------------------------

def test_a_direct_conversation_says_when_the_other_person_is_back(member_client, weekday_hours,
                                                                  direct):
    with time_machine.travel(SATURDAY, tick=False):
        page = conversation_page(member_client, direct)
    assert ("Hugo Bernard is off duty until Mon 07:00 — non-urgent notifications reach them "
            "then.") in page
    # Shown before the composer, where the sender looks before writing.
    assert page.index('class="off-duty-notice"') < page.index("data-chat-composer")


def test_the_time_is_shown_in_the_viewers_time_zone(user, member_client, weekday_hours,
                                                    direct):
    user.time_zone = "Asia/Tokyo"
    user.save(update_fields=["time_zone"])
    with time_machine.travel(SATURDAY, tick=False):
        page = conversation_page(member_client, direct)
    assert "Hugo Bernard is off duty until Mon 15:00" in page


def test_off_duty_until_further_notice(member_client, other_user, direct):
    notification_services.update_settings(user=other_user, duty="off_duty")
    page = conversation_page(member_client, direct)
    assert ("Hugo Bernard is off duty until further notice — non-urgent notifications reach "
            "them when they are back.") in page


def test_no_notice_while_the_person_is_working_or_on_call(member_client, other_user,
                                                          weekday_hours, direct):
    with time_machine.travel(SATURDAY + timedelta(days=2, hours=1), tick=False):
        assert "off-duty-notice" not in conversation_page(member_client, direct)
    notification_services.update_settings(user=other_user, duty="on_call")
    with time_machine.travel(SATURDAY, tick=False):
        assert "off-duty-notice" not in conversation_page(member_client, direct)


def test_the_other_person_is_told_about_me_not_myself(user, other_client, weekday_hours,
                                                      direct):
    with time_machine.travel(SATURDAY, tick=False):
        page = conversation_page(other_client, direct)
    assert "off-duty-notice" not in page  # Camille has no hours: always reachable


def test_each_unreachable_person_of_a_small_group_is_named(user, member_client, other_user,
                                                           weekday_hours):
    third = make_user("lea.petit@hopital.example", "Léa Petit", language="en")
    notification_services.update_settings(user=third, duty="off_duty")
    conversation, _created = services.start_direct(user=user, user_ids=[other_user.id,
                                                                        third.id])
    with time_machine.travel(SATURDAY, tick=False):
        page = conversation_page(member_client, conversation)
    assert page.count('class="off-duty-notice"') == 2
    assert page.index("Hugo Bernard is off duty") < page.index("Léa Petit is off duty")


def test_a_channel_shows_no_notice(member_client, other_user, group, weekday_hours):
    from groups import services as group_services

    group_services.join_group(user=other_user, group=group)
    with time_machine.travel(SATURDAY, tick=False):
        page = conversation_page(member_client, group.channel)
    assert "off-duty-notice" not in page


# --- On the profile -------------------------------------------------------------------------------

def test_the_profile_says_when_the_person_is_back(member_client, other_user, weekday_hours):
    with time_machine.travel(SATURDAY, tick=False):
        page = member_client.get(reverse("accounts:profile", args=[other_user.id]))
    assert "Hugo Bernard is off duty until Mon 07:00" in page.content.decode()


def test_my_own_profile_tells_me_and_links_to_my_settings(other_client, other_user,
                                                          weekday_hours):
    with time_machine.travel(SATURDAY, tick=False):
        page = other_client.get(reverse("accounts:profile", args=[other_user.id])).content
    page = page.decode()
    assert "You are off duty until Mon 07:00 — non-urgent notifications reach you then." in page
    assert reverse("notifications:settings") in page


def test_a_reachable_persons_profile_has_no_notice(member_client, other_user):
    page = member_client.get(reverse("accounts:profile", args=[other_user.id])).content
    assert b"off-duty-notice" not in page


def test_a_guest_does_not_see_the_profile_of_someone_outside_their_groups(guest_client,
                                                                         other_user,
                                                                         weekday_hours):
    assert guest_client.get(reverse("accounts:profile", args=[other_user.id])).status_code == 404


# --- In the API -----------------------------------------------------------------------------------

def test_api_participants_say_whether_they_can_be_reached(user, other_user, weekday_hours,
                                                          direct, api_client_for):
    with time_machine.travel(SATURDAY, tick=False):
        body = api_client_for(user).get(f"/api/v1/conversations/{direct.id}").json()
    people = {p["id"]: p for p in body["participants"]}
    assert people[other_user.id]["available"] is False
    back_at = datetime.fromisoformat(people[other_user.id]["back_at"])
    assert back_at == MONDAY_7_PARIS
    assert (people[user.id]["available"], people[user.id]["back_at"]) == (True, None)


def test_api_back_at_is_null_when_off_duty_until_further_notice(user, other_user, direct,
                                                                api_client_for):
    notification_services.update_settings(user=other_user, duty="off_duty")
    body = api_client_for(user).get(f"/api/v1/conversations/{direct.id}").json()
    hugo = next(p for p in body["participants"] if p["id"] == other_user.id)
    assert (hugo["available"], hugo["back_at"]) == (False, None)


def test_api_conversation_of_someone_else_is_not_found(direct, api_client_for):
    outsider = make_user("lea.petit@hopital.example", "Léa Petit")
    assert api_client_for(outsider).get(f"/api/v1/conversations/{direct.id}").status_code == 404
