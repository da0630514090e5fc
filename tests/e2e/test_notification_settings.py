"""Notification settings in a real browser: working hours and channels, kept after a reload."""

from datetime import time

import pytest
from playwright.sync_api import expect

from groups import services as group_services
from notifications import preferences, services
from notifications.email import unsubscribe_token
from notifications.models import NotificationSettings, WorkingPeriod
from tests.conftest import make_user
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nurse(db):
    person = make_user("lea.leroy@hopital.example", "Léa Leroy", job_title="Infirmière",
                       department="Cardiologie", language="en")
    group_services.create_group(creator=person, name="Cardiologie")
    group_services.create_group(creator=person, name="Équipe de nuit")
    # She once asked to be pushed about reactions; now it is too much.
    services.update_settings(user=person, channels={
        "reaction": {"in_app": True, "email": False, "push": True}})
    services.set_muted(user=person, scope="conversation:1", muted=True,
                       label="Pause café", url="/chat/1/")
    return person


def test_set_working_hours_and_turn_off_push_for_reactions(page, nurse):
    log_in(page, nurse.email)
    page.goto("/notifications/")
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Notification settings")).to_be_visible()
    expect(page.get_by_text("You are reachable now")).to_be_visible()

    for day in ("Monday", "Tuesday", "Wednesday"):
        page.get_by_label(f"{day}, period 1, start").fill("07:00")
        page.get_by_label(f"{day}, period 1, end").fill("15:00")
    page.get_by_label("Friday, period 1, start").fill("21:00")
    page.get_by_label("Friday, period 1, end").fill("07:00")
    reactions_push = page.get_by_label("Reactions to what I wrote: Push")
    expect(reactions_push).to_be_checked()
    reactions_push.uncheck()
    page.get_by_label("How often to send email").select_option(label="At most every hour")
    page.locator(".save-bar").get_by_role("button", name="Save settings").click()

    expect(page.locator(".flash-success")).to_have_text(
        "Your notification settings have been saved.")
    page.reload()
    expect(page.get_by_label("Monday, period 1, start")).to_have_value("07:00")
    expect(page.get_by_label("Friday, period 1, end")).to_have_value("07:00")
    expect(page.get_by_label("Reactions to what I wrote: Push")).not_to_be_checked()
    expect(page.get_by_label("Mentions: Push")).to_be_checked()
    expect(page.get_by_label("How often to send email")).to_have_value("60")

    row = NotificationSettings.objects.get(user=nurse)
    assert preferences.channels_for(row.channels, "reaction")["push"] is False
    assert row.email_interval_minutes == 60
    assert sorted(WorkingPeriod.objects.filter(user=nurse)
                  .values_list("weekday", "start", "end")) == [
        (0, time(7), time(15)), (1, time(7), time(15)), (2, time(7), time(15)),
        (4, time(21), time(7))]
    screenshot(page, "notification-settings")


def test_a_mistake_is_shown_beside_the_day_and_nothing_is_lost(page, nurse):
    log_in(page, nurse.email)
    page.goto("/notifications/settings/")
    page.get_by_label("Thursday, period 1, start").fill("08:00")
    page.get_by_label("Thursday, period 1, end").fill("08:00")
    page.get_by_label("Saturday, period 2, start").fill("13:00")
    # The button under the working hours saves the same form.
    page.locator("#when").get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("A period must end at a different time than it starts.")
           ).to_be_visible()
    expect(page.get_by_text("Give both a start and an end, or leave both empty.")).to_be_visible()
    expect(page.get_by_label("Saturday, period 2, start")).to_have_value("13:00")
    assert not WorkingPeriod.objects.filter(user=nurse).exists()
    screenshot(page, "notification-settings-errors")


def test_group_level_and_unmute(page, nurse):
    log_in(page, nurse.email)
    page.goto("/notifications/settings/")
    page.get_by_label("Équipe de nuit").select_option(label="Mentions and announcements only")
    page.get_by_role("button", name="Save group settings").click()
    expect(page.locator(".flash-success")).to_have_text("Your group settings have been saved.")
    expect(page.get_by_label("Équipe de nuit")).to_have_value("important")
    page.get_by_role("button", name="Unmute Pause café").click()
    expect(page.locator(".flash-success")).to_have_text("“Pause café” is no longer muted.")
    expect(page.get_by_text("You have not muted any conversation.")).to_be_visible()


def test_unsubscribe_from_an_email_link_signed_out(page, nurse):
    page.goto(f"/notifications/unsubscribe/{unsubscribe_token(nurse.id, 'mention')}/")
    expect(page.get_by_role("heading", name="Stop emails about “Mentions”?")).to_be_visible()
    screenshot(page, "notification-unsubscribe")
    page.get_by_role("button", name="Stop these emails").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    row = NotificationSettings.objects.get(user=nurse)
    assert preferences.channels_for(row.channels, "mention")["email"] is False
    screenshot(page, "notification-unsubscribed")
