"""Notifications seen from chat and profiles: muting a conversation from its header, and
knowing that the person you write to is off duty before you send."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from chat import services as chat_services
from groups import services as group_services
from notifications import services as notification_services
from tests.e2e.conftest import log_in, screenshot


def test_mute_a_direct_conversation_whose_person_is_off_duty(page, user, other_user, group):
    group_services.join_group(user=other_user, group=group)
    notification_services.update_settings(user=other_user, duty="off_duty",
                                          duty_until=timezone.now() + timedelta(days=2))
    direct, _created = chat_services.start_direct(user=other_user, user_ids=[user.id])
    chat_services.send_message(author=other_user, conversation=direct,
                               body="Je suis en repos jusqu'à jeudi, Léa me remplace.")
    log_in(page, user.email)
    page.goto(reverse("chat:conversation", args=[direct.id]))

    notice = page.locator(".off-duty-notice")
    expect(notice).to_contain_text("Hugo Bernard is off duty until")
    expect(notice).to_contain_text("non-urgent notifications reach them then")
    screenshot(page, "chat-off-duty")

    page.get_by_label("Conversation settings").click()
    screenshot(page, "chat-conversation-menu")
    page.get_by_role("menuitem", name="Mute notifications").click()
    expect(page.get_by_text("Notifications of this conversation are muted.")).to_be_visible()
    expect(page.locator("[data-chat-muted]")).to_contain_text("Notifications muted")
    row = page.locator(f"[data-conversation-row='{direct.id}']")
    expect(row.get_by_role("img", name="Notifications muted")).to_be_visible()
    page.reload()  # without the confirmation over the header
    screenshot(page, "chat-muted")

    page.get_by_label("Conversation settings").click()
    page.get_by_role("menuitem", name="Unmute notifications").click()
    expect(page.get_by_text("You will be notified of this conversation again.")).to_be_visible()
    expect(page.locator("[data-chat-muted]")).to_have_count(0)


def test_a_profile_says_when_its_person_is_back(page, user, other_user):
    notification_services.update_settings(user=other_user, duty="off_duty")
    log_in(page, user.email)
    page.goto(reverse("accounts:profile", args=[other_user.id]))
    expect(page.locator(".off-duty-notice")).to_contain_text(
        "Hugo Bernard is off duty until further notice")
    screenshot(page, "profile-off-duty")
