"""The feed in a real browser: a required announcement from posting to reminding."""

import re

import pytest
from playwright.sync_api import expect

from feed import services as feed_services
from feed.models import Post, Receipt
from groups import services as group_services
from notifications.models import Notification
from tests.conftest import make_user
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ward(db):
    author = make_user("sophie.dubois@hopital.example", "Sophie Dubois", job_title="Cadre",
                       department="Cardiologie", language="en")
    hugo = make_user("hugo.bernard@hopital.example", "Hugo Bernard", job_title="Infirmier",
                     department="Cardiologie", language="en")
    lea = make_user("lea.leroy@hopital.example", "Léa Leroy", job_title="Infirmière",
                    department="Urgences", language="en")
    group = group_services.create_group(creator=author, name="Cardiologie")
    for person in (hugo, lea):
        group_services.add_member(actor=author, group=group, user=person)
    return {"author": author, "hugo": hugo, "lea": lea, "group": group}


def test_a_required_announcement_is_acknowledged_followed_and_reminded(ward, new_page):
    author_page = new_page()
    log_in(author_page, "sophie.dubois@hopital.example")
    author_page.goto("/groups/cardiologie/")
    composer = author_page.locator("form.composer")
    composer.get_by_label("Message").fill(
        "**New hand hygiene protocol** from Monday: rub for 30 seconds before and after "
        "every patient contact.")
    composer.get_by_text("Announcement", exact=True).click()
    composer.get_by_label("Ask readers to confirm they have read and understood it").check()
    composer.get_by_role("button", name="Publish").click()
    expect(author_page.locator(".flash-success")).to_contain_text("Posted in Cardiologie")
    post = Post.objects.get(kind="announcement")
    assert post.requires_ack and post.author == ward["author"]

    # Both members find it on top of their feed, waiting for their confirmation.
    hugo_page, lea_page = new_page(), new_page()
    for page, email in ((hugo_page, "hugo.bernard@hopital.example"),
                        (lea_page, "lea.leroy@hopital.example")):
        log_in(page, email)
        top = page.locator(".feed-top .post-card").first
        expect(top).to_contain_text("New hand hygiene protocol")
        expect(top.get_by_role("button", name="I have read and understood")).to_be_visible()
        expect(page.locator(".sidebar [data-badge=ack]")).to_contain_text("1")
    screenshot(lea_page, "feed-announcement-to-acknowledge")

    hugo_page.locator(".feed-top").get_by_role("button", name="I have read and understood").click()
    expect(hugo_page.locator(f"#post-{post.id} .ack-done")).to_contain_text("You confirmed")
    hugo_page.reload()
    expect(hugo_page.locator(".sidebar [data-badge=ack]")).to_be_hidden()

    # Léa's screen showed the announcement for more than a second: it counts as seen.
    lea_page.wait_for_timeout(3500)
    assert Receipt.objects.filter(post=post, user=ward["lea"], seen_at__isnull=False).exists()

    author_page.goto(f"/posts/{post.id}/receipts/")
    counts = author_page.locator("[data-receipt-counts]")
    expect(counts.locator("[data-count=audience]")).to_have_text("2")
    expect(counts.locator("[data-count=seen]")).to_have_text("2")
    expect(counts.locator("[data-count=acknowledged]")).to_have_text("1")
    expect(counts.locator("[data-count=acknowledged_percent]")).to_have_text("50")
    waiting = author_page.locator("#receipt-rows")
    expect(waiting).to_contain_text("Léa Leroy")
    expect(waiting).not_to_contain_text("Hugo Bernard")
    screenshot(author_page, "announcement-dashboard")

    author_page.get_by_role("button", name="Remind those who haven't").click()
    expect(author_page.locator(".flash-success")).to_contain_text("Reminder sent to 1")
    expect(author_page.get_by_role("button", name="Remind those who haven't")).to_be_disabled()
    expect(author_page.locator(".flash-info")).to_contain_text(re.compile("next one is possible"))

    reminder = Notification.objects.get(kind="announcement_reminder")
    assert reminder.recipient == ward["lea"]
    lea_page.goto("/notifications/")
    item = lea_page.locator(".notification").first
    expect(item).to_contain_text("Sophie Dubois")
    item.get_by_role("link").click()
    expect(lea_page).to_have_url(re.compile(rf"/posts/{post.id}/$"))
    lea_page.get_by_role("button", name="I have read and understood").click()
    expect(lea_page.locator(f"#post-{post.id} .ack-done")).to_be_visible()
    assert Receipt.objects.filter(post=post, acknowledged_at__isnull=False).count() == 2


def test_a_member_votes_in_a_poll_and_sees_the_results(ward, new_page):
    feed_services.create_post(
        author=ward["author"], group=ward["group"], kind="poll",
        body="Planning the team evening.",
        poll=feed_services.PollSpec(question="Which evening suits you?",
                                    options=["Tuesday", "Thursday", "Friday"]))
    page = new_page()
    log_in(page, "hugo.bernard@hopital.example")
    poll = page.locator(".poll").first
    expect(poll).to_contain_text("Results are shown once you have voted.")
    poll.get_by_label("Thursday").check()
    poll.get_by_role("button", name="Vote").click()
    poll = page.locator(".poll").first
    expect(poll.locator(".poll-result-mine")).to_contain_text("Thursday")
    expect(poll).to_contain_text("100 %")
    screenshot(page, "feed-poll")


def test_a_comment_that_fails_keeps_its_text(ward, new_page, settings):
    post = feed_services.create_post(author=ward["author"], group=ward["group"],
                                     body="Who can swap the Sunday night shift?")
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "comment_chars": 20}
    page = new_page()
    log_in(page, "hugo.bernard@hopital.example")
    card = page.locator(f"#post-{post.id}")
    card.get_by_label("Write a comment").fill("I can take it, and also the Monday one after.")
    card.get_by_role("button", name="Send").click()
    expect(card.locator("[data-form-error]")).to_contain_text("too long")
    expect(card.get_by_label("Write a comment")).to_have_value(
        "I can take it, and also the Monday one after.")
    assert post.comments.count() == 0
