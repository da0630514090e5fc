"""The live feed in a real browser against a real Daphne, with a working socket.

pytest-django's live server cannot upgrade to websockets, so these tests start Relais the way
`make run` does (migrate, demo data, Daphne and the task worker) in a temporary directory, and drive two people's
browsers at once. The subprocess uses the embedded configuration (SQLite, in-memory channel
layer): one Daphne process is all it needs. Crossing processes through Redis is chat's test.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.live_relais import LiveServer, manage, server_env

PASSWORD = "relais-demo-2026"


@pytest.fixture(scope="module")
def relais_server(tmp_path_factory, browser):
    env = server_env(RELAIS_VAR_DIR=str(tmp_path_factory.mktemp("live-relais")))
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_demo")
    server = LiveServer(env).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def person(browser, relais_server):
    contexts = []

    def sign_in(email):
        context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=relais_server,
                                      locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(re.compile(r"/$"))
        # The socket is open once the page has been told its session is ready.
        expect(page.locator("html[data-socket=open]")).to_have_count(1)
        return page

    yield sign_in
    for context in contexts:
        context.close()


def test_a_new_post_is_announced_and_a_reaction_updates_the_card_live(person):
    nurse = person("nurse@saint-exemple.example")
    admin = person("admin@saint-exemple.example")

    composer = admin.locator("form.composer")
    composer.locator("select[name=group]").select_option(label="Tout le personnel")
    composer.locator("textarea[name=body]").fill("Le parking P2 est fermé demain matin.")
    composer.locator("button.composer-submit").click()
    expect(admin.locator(".flash-success")).to_be_visible()
    newest = admin.locator(".feed-stream .post-card").first
    expect(newest).to_contain_text("Le parking P2 est fermé demain matin.")
    post_id = newest.get_attribute("data-post-id")

    banner = nurse.locator("[data-new-posts]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("1")
    banner.click()
    card = nurse.locator(f"#post-{post_id}")
    expect(card).to_contain_text("Le parking P2 est fermé demain matin.")

    # The admin reacts on their own page: the nurse's card follows without a reload.
    admin.locator(f"#post-{post_id} .reaction-picker > summary").click()
    admin.locator(f"#post-{post_id} .reaction-palette button").first.click()
    expect(card.locator(".reaction")).to_contain_text("1")


def test_the_readers_dashboard_follows_an_acknowledgement_live(person):
    admin = person("admin@saint-exemple.example")
    nurse = person("nurse@saint-exemple.example")

    announcement = nurse.locator(".feed-top .post-card").first
    expect(announcement).to_contain_text("protocole d'hygiène des mains")
    post_id = announcement.get_attribute("data-post-id")

    admin.goto(f"/posts/{post_id}/receipts/")
    acknowledged = admin.locator("[data-receipt-counts] [data-count=acknowledged]")
    before = int(acknowledged.inner_text())

    announcement.locator(".ack-box button").click()
    expect(nurse.locator(f"#post-{post_id} .ack-done")).to_be_visible()
    # Pushed after the receipt commits (by a task, at most once a second, with Redis): a loaded
    # machine may take a few seconds.
    expect(acknowledged).to_have_text(str(before + 1), timeout=20_000)
    # The readers' list and the reminders' card follow too (drawn again within two seconds).
    # Camille leaves the "not confirmed" rows (the list may be filtered to those, or show her
    # with her time of confirmation).
    expect(admin.locator("#receipt-rows tbody tr:not(:has(.ack-yes))",
                         has_text="Camille Martin")).to_have_count(0, timeout=10_000)
    audience = int(admin.locator("[data-receipt-counts] [data-count=audience]").inner_text())
    expect(admin.locator("#receipt-reminders")).to_contain_text(
        str(audience - before - 1), timeout=10_000)
    screenshot(admin, "announcement-dashboard-live")


def test_a_reloaded_page_does_not_count_again_what_it_already_shows(person):
    # The socket's resume repeats the events of the ten seconds before the page's event id
    # (docs/realtime.md); the page already counts them in its badges and must drop them.
    nurse = person("nurse@saint-exemple.example")
    admin = person("admin@saint-exemple.example")
    nurse.goto("/groups/")  # no announcement on screen to be marked seen (and read) meanwhile
    expect(nurse.locator("html[data-resumed]")).to_have_count(1)
    badge = nurse.locator('.sidebar [data-badge="notifications"]')
    before = int(badge.get_attribute("data-count"))

    card = admin.locator(".feed-stream .post-card").first
    card.locator("textarea[id^=comment-]").fill("Merci @Camille Martin pour le relais")
    card.locator("form:has(textarea[id^=comment-]) button").click()
    expect(badge).to_have_attribute("data-count", str(before + 1))
    # Something else happens after it, so that it is not the newest event at the reload (once
    # the card has been drawn again with the comment: a picker opened before would be swapped).
    expect(card).to_contain_text("pour le relais")
    card.locator(".reaction-picker > summary").click()
    palette_button = card.locator(".reaction-palette button").first
    expect(palette_button).to_be_visible()
    with admin.expect_response(lambda response: response.url.endswith("/react/")):
        palette_button.click()

    nurse.reload()
    expect(nurse.locator("html[data-resumed]")).to_have_count(1)
    expect(badge).to_have_attribute("data-count", str(before + 1))
    expect(badge.locator("[aria-hidden]")).to_have_text(str(before + 1))
    # What a screen reader says follows the live figure too.
    admin.goto("/")
    admin.locator(".feed-stream .post-card").first.locator("textarea[id^=comment-]").fill(
        "Et encore merci @Camille Martin")
    admin.locator(".feed-stream .post-card").first.locator(
        "form:has(textarea[id^=comment-]) button").click()
    expect(badge).to_have_attribute("data-count", str(before + 2))
    expect(badge.locator(".visually-hidden")).to_contain_text(str(before + 2))
