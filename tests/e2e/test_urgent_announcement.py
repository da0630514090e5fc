"""An urgent announcement in a real browser: the option appears with the announcement
settings, and the card says "Urgent" in words."""

import pytest
from playwright.sync_api import expect

from feed.models import Post, Receipt
from groups import services as group_services
from notifications.models import Notification
from tests.conftest import make_user
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

URGENT = "Urgent: reach people even outside their working hours"


@pytest.fixture
def ward(db):
    author = make_user("sophie.dubois@hopital.example", "Sophie Dubois", job_title="Cadre",
                       language="en")
    hugo = make_user("hugo.bernard@hopital.example", "Hugo Bernard", job_title="Infirmier",
                     language="en")
    group = group_services.create_group(creator=author, name="Cardiologie")
    group_services.add_member(actor=author, group=group, user=hugo)
    return {"author": author, "hugo": hugo, "group": group}


def test_an_admin_posts_an_urgent_announcement_and_members_see_it_marked(ward, new_page):
    page = new_page()
    log_in(page, "sophie.dubois@hopital.example")
    page.goto("/groups/cardiologie/")
    composer = page.locator("form.composer")
    urgent = composer.get_by_label(URGENT)
    expect(urgent).to_be_hidden()
    composer.get_by_label("Message").fill("**Lift B out of order**: use lift C for transfers.")
    composer.get_by_text("Announcement", exact=True).click()
    expect(urgent).to_be_visible()
    urgent.check()
    screenshot(page, "feed-composer-urgent")
    composer.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text("Posted in Cardiologie")
    post = Post.objects.get()
    assert post.is_announcement and post.urgent
    assert Notification.objects.get(recipient=ward["hugo"], kind="announcement").urgent

    member = new_page()
    log_in(member, "hugo.bernard@hopital.example")
    card = member.locator(f"#post-{post.id}")
    expect(card.locator(".tag-urgent")).to_have_text("Urgent")
    expect(card.get_by_label(URGENT)).to_have_count(0)
    expect(member.locator("form.composer").get_by_label(URGENT)).to_have_count(0)
    screenshot(member, "feed-urgent-announcement")
    # Shown for more than a second, it counts as seen (and no request is left in flight).
    member.wait_for_timeout(3500)
    assert Receipt.objects.filter(post=post, user=ward["hugo"]).exists()
    member.close()

    # Unticked in the edit form, the announcement stays one but is no longer urgent.
    page.goto(f"/posts/{post.id}/edit/")
    box = page.get_by_label(URGENT)
    expect(box).to_be_checked()
    screenshot(page, "feed-edit-urgent")
    box.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Your changes are saved")
    expect(page.locator(f"#post-{post.id} .tag-urgent")).to_have_count(0)
    post.refresh_from_db()
    assert post.is_announcement and not post.urgent
