"""Web push in Chromium: the card that turns it on for this browser, and the service worker.

Headless Chromium has no push service to subscribe with, so the push itself is delivered to
the worker through the DevTools protocol, as a push service would deliver it."""

import json

import pytest
from playwright.sync_api import expect

from notifications.models import PushSubscription
from tests.e2e.conftest import log_in, screenshot
from tests.notifications.test_api_push import browser_json

pytestmark = pytest.mark.django_db(transaction=True)
CARD = "/test/push-card/"


@pytest.fixture(autouse=True)
def _card_page(settings):
    settings.ROOT_URLCONF = "tests.e2e.push_urls"


def open_card(page, user, query=""):
    log_in(page, user.email)
    page.goto(CARD + query)
    return page.locator("[data-push-optin]")


def test_push_is_off_until_turned_on_and_a_failure_is_said_in_the_live_region(
        page, user, live_server):
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    card = open_card(page, user)
    expect(card.get_by_role("heading", name="Notifications on this browser")).to_be_visible()
    expect(card.locator("[data-push-state]")).to_have_text(
        "Off: this browser does not show your notifications when Relais is closed.")
    button = card.get_by_role("button", name="Turn on for this browser")
    expect(button).to_be_enabled()
    screenshot(page, "push-optin-off")
    button.click()
    # The worker registers at the root under the page's CSP; the subscription itself fails
    # here (no push service), and the card says so without claiming it is on.
    expect(card.get_by_role("status")).to_contain_text("Something went wrong")
    expect(card.locator("[data-push-state]")).to_contain_text("Off:")
    expect(card.get_by_role("button", name="Turn on for this browser")).to_be_enabled()
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == live_server.url + "/"
    screenshot(page, "push-optin-error")


def test_a_refused_permission_shows_how_to_unblock(page, user):
    card = open_card(page, user)
    card.get_by_role("button", name="Turn on for this browser").click()  # headless: denied
    expect(card.locator("[data-push-state]")).to_contain_text(
        "settings. Allow them for this site, then reload this page.")
    expect(card.get_by_role("button")).to_have_count(0)
    page.reload()
    expect(card.locator("[data-push-state]")).to_contain_text("blocked")


def test_without_a_vapid_key_the_card_says_push_is_not_configured(page, user):
    card = open_card(page, user, "?unconfigured=1")
    expect(card.locator("[data-push-state]")).to_have_text(
        "Push notifications are not configured on this server. Ask your administrator.")
    expect(card.get_by_role("button")).to_have_count(0)
    screenshot(page, "push-optin-unconfigured")


def deliver_push(page, live_server, data: dict) -> list[dict]:
    """Register /sw.js, hand it a push message and return the notifications it shows."""
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.evaluate("""async () => {
        await navigator.serviceWorker.register('/sw.js', {scope: '/'});
        await navigator.serviceWorker.ready; }""")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    registration_id = [r["registrationId"] for r in registrations
                       if r["scopeURL"] == live_server.url + "/" and not r["isDeleted"]][-1]
    # A push handed over right after activation is now and then dropped by Chromium itself:
    # hand it over again until the worker shows it (the tag keeps it to one notification).
    for _attempt in range(5):
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": live_server.url, "registrationId": registration_id,
            "data": json.dumps(data)})
        shown = page.evaluate("""async () => {
            const registration = await navigator.serviceWorker.ready;
            for (let i = 0; i < 30; i++) {
                const shown = await registration.getNotifications();
                if (shown.length) return shown.map((n) => ({title: n.title, body: n.body,
                    tag: n.tag, data: n.data, requireInteraction: n.requireInteraction,
                    renotify: n.renotify}));
                await new Promise((done) => setTimeout(done, 100));
            }
            return [];
        }""")
        if shown:
            return shown
    return []


def test_the_service_worker_shows_the_push_payload(page, user, live_server):
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    open_card(page, user)
    shown = deliver_push(page, live_server, {
        "title": "Hugo Bernard mentioned you in Cardiologie", "body": "Open Relais to read it.",
        "tag": "notification-12", "url": "/notifications/12/open/", "urgent": True,
        "timestamp": 1767225600000, "lang": "en"})
    assert shown == [{
        "title": "Hugo Bernard mentioned you in Cardiologie", "body": "Open Relais to read it.",
        "tag": "notification-12", "data": {"url": live_server.url + "/notifications/12/open/"},
        "requireInteraction": True, "renotify": True}]


def test_the_service_worker_never_points_a_notification_at_another_site(
        page, user, live_server):
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    open_card(page, user)
    shown = deliver_push(page, live_server, {"title": "x", "tag": "t",
                                             "url": "https://evil.example/phish"})
    assert shown[0]["data"]["url"] == live_server.url + "/notifications/"
    assert shown[0]["requireInteraction"] is False


# Headless Chromium cannot subscribe: a stand-in PushManager gives the browser's JSON (real
# keys, an endpoint on 127.0.0.1), remembered across reloads, so the card's round trips with
# the API run for real.
FAKE_PUSH_MANAGER = """(() => {
  const json = %s;
  const load = () => JSON.parse(localStorage.getItem("fake-push") || "null");
  const make = (key) => ({
    endpoint: json.endpoint, options: { applicationServerKey: new Uint8Array(key).buffer },
    toJSON: () => json,
    unsubscribe: async () => { localStorage.removeItem("fake-push"); return true; },
  });
  PushManager.prototype.getSubscription = async function () {
    const key = load();
    return key ? make(key) : null;
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = [...options.applicationServerKey];
    localStorage.setItem("fake-push", JSON.stringify(key));
    return make(key);
  };
})();"""


@pytest.fixture
def fake_browser_push(page, live_server):
    data = browser_json("http://127.0.0.1:9/push/this-browser")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(data))
    return data


def test_turning_push_on_then_off_subscribes_and_unsubscribes_this_browser(
        settings, page, user, fake_browser_push):
    settings.RELAIS_PUSH_ALLOW_HTTP_LOOPBACK = True
    card = open_card(page, user)
    state = card.locator("[data-push-state]")
    expect(state).to_contain_text("Off:")
    card.get_by_role("button", name="Turn on for this browser").click()
    expect(card.get_by_role("status")).to_have_text("Notifications are now on for this browser.")
    expect(state).to_have_text(
        "On: this browser shows your notifications, even when Relais is closed.")
    row = PushSubscription.objects.get(user=user)
    assert (row.endpoint, row.p256dh, row.auth) == (
        fake_browser_push["endpoint"], fake_browser_push["keys"]["p256dh"],
        fake_browser_push["keys"]["auth"])
    screenshot(page, "push-optin-on")

    page.reload()
    expect(state).to_contain_text("On:")
    card.get_by_role("button", name="Turn off for this browser").click()
    expect(card.get_by_role("status")).to_have_text(
        "Notifications are now off for this browser.")
    expect(state).to_contain_text("Off:")
    assert not PushSubscription.objects.exists()
    assert page.evaluate("localStorage.getItem('fake-push')") is None


def test_a_browser_subscribed_for_someone_else_shows_off_and_turning_on_takes_it_over(
        settings, page, user, other_user, fake_browser_push):
    settings.RELAIS_PUSH_ALLOW_HTTP_LOOPBACK = True
    card = open_card(page, user)
    card.get_by_role("button", name="Turn on for this browser").click()
    expect(card.locator("[data-push-state]")).to_contain_text("On:")
    assert PushSubscription.objects.get().user == user
    # The next person on this ward computer signs in: the browser is subscribed, not for them.
    page.context.clear_cookies()
    card = open_card(page, other_user)
    expect(card.locator("[data-push-state]")).to_contain_text("Off:")
    card.get_by_role("button", name="Turn on for this browser").click()
    expect(card.locator("[data-push-state]")).to_contain_text("On:")
    assert PushSubscription.objects.get().user == other_user


def test_a_subscription_the_server_refuses_is_undone_and_the_reason_shown(
        page, user, fake_browser_push):
    card = open_card(page, user)  # loopback endpoints are not allowed: the API answers 422
    card.get_by_role("button", name="Turn on for this browser").click()
    expect(card.get_by_role("status")).to_contain_text(
        "The endpoint must be an https address of a known push service")
    expect(card.locator("[data-push-state]")).to_contain_text("Off:")
    assert not PushSubscription.objects.exists()
    assert page.evaluate("localStorage.getItem('fake-push')") is None
