"""Chat in two real browsers against a real Daphne, including a server restart mid-conversation.

The server is `manage.py serve` on the demo data (tests/live_relais.py), stopped and started
again on the same port: the pages' sockets reconnect, resume, and catch up from the database.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.live_relais import LiveServer, manage, server_env

PASSWORD = "relais-demo-2026"
# The demo's staff use Relais in French.
NURSE = "nurse@saint-exemple.example"          # Camille Martin, in Cardiologie
MANAGER = "s.dubois@saint-exemple.example"     # Sophie Dubois, who runs Cardiologie


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    env = server_env(RELAIS_VAR_DIR=str(tmp_path_factory.mktemp("live-chat")))
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_demo")
    live = LiveServer(env).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def person(browser, server):
    contexts = []

    def sign_in(email):
        context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=server.url,
                                      locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(re.compile(r"/$"))
        return page

    yield sign_in
    for context in contexts:
        context.close()


def open_channel(page, name="Cardiologie"):
    page.goto("/chat/")
    page.locator(".conversation-row", has_text=name).click()
    page.wait_for_url(re.compile(r"/chat/\d+/"))
    expect(page.locator("html[data-socket=open]")).to_have_count(1)


def say(page, text, composer="#chat-body"):
    page.locator(composer).fill(text)
    page.locator(composer).press("Enter")


def message(page, text):
    return page.locator("#message-list > li.message", has_text=text)


def test_two_people_chat_type_react_reply_in_a_thread_and_see_unread_counts(person):
    nurse, manager = person(NURSE), person(MANAGER)
    open_channel(nurse)
    open_channel(manager)

    # Typing shows on the other side, then the message arrives once, in place of the pending one.
    manager.locator("#chat-body").press_sequentially("Qui prend la ", delay=20)
    expect(nurse.locator("[data-typing-for='']")).to_have_text("Sophie Dubois écrit…")
    manager.locator("#chat-body").press_sequentially("chambre 12 ?", delay=20)
    manager.locator("#chat-body").press("Enter")
    expect(message(nurse, "Qui prend la chambre 12 ?")).to_have_count(1)
    expect(message(manager, "Qui prend la chambre 12 ?")).to_have_count(1)
    expect(manager.locator(".message-pending")).to_have_count(0)
    expect(nurse.locator("[data-typing-for='']")).to_have_text("")

    # A reaction from one shows on the other's copy.
    question = message(nurse, "Qui prend la chambre 12 ?")
    question.hover()
    question.locator(".reaction-picker > summary").click()
    question.locator(".reaction-palette button").first.click()
    expect(message(nurse, "Qui prend la chambre 12 ?").locator(".reaction")).to_contain_text("1")
    expect(message(manager, "Qui prend la chambre 12 ?").locator(".reaction")).to_contain_text("1")

    # A reply in the thread: the parent shows its reply count on both sides.
    question = message(nurse, "Qui prend la chambre 12 ?")
    question.hover()
    question.locator(".message-actions a[data-open-thread]").click()
    expect(nurse.locator("#thread-pane")).to_be_visible()
    say(nurse, "Moi, j'y vais.", composer="#thread-body")
    expect(nurse.locator("#thread-pane .thread-replies")).to_contain_text("Moi, j'y vais.")
    expect(message(manager, "Qui prend la chambre 12 ?").locator(".thread-summary")).to_contain_text("1 réponse")
    screenshot(nurse, "chat-thread")

    # Closing the thread gives the conversation list back (it yields its room on laptops).
    nurse.locator("[data-close-thread]").click()
    expect(nurse.locator("#thread-pane")).to_be_hidden()
    # Away from the channel, a new message there raises its unread count in the sidebar.
    nurse.locator(".conversation-row", has_text="Hugo Bernard").click()
    nurse.wait_for_url(re.compile(r"/chat/\d+/"))
    expect(nurse.locator("html[data-socket=open]")).to_have_count(1)
    row = nurse.locator(".conversation-row", has_text="Cardiologie")
    expect(row.locator("[data-unread-count]")).to_have_count(0)
    say(manager, "Brancardage demandé pour 14h.")
    expect(row.locator("[data-unread-count]")).to_contain_text("1")
    screenshot(nurse, "chat-direct")
    row.click()
    expect(message(nurse, "Brancardage demandé pour 14h.")).to_be_visible()
    expect(nurse.locator(".conversation-row", has_text="Cardiologie").locator("[data-unread-count]")).to_have_count(0)
    screenshot(nurse, "chat-channel")


def test_a_closed_thread_stays_closed_when_a_refresh_started_before_arrives(person):
    """A reply refreshes the open thread; closing it while that refresh is on its way must
    not open it again when the refresh arrives."""
    nurse = person(NURSE)
    open_channel(nurse)
    say(nurse, "Qui garde le box 14 ?")
    question = message(nurse, "Qui garde le box 14 ?")
    question.hover()
    question.locator(".message-actions a[data-open-thread]").click()
    expect(nurse.locator("#thread-pane")).to_be_visible()

    held = []
    nurse.route("**/chat/messages/*/thread/", lambda route: held.append(route))  # released below
    say(nurse, "Je m'en occupe.", composer="#thread-body")
    for _ in range(100):
        if held:
            break
        nurse.wait_for_timeout(100)
    assert held, "the reply did not refresh the thread"
    nurse.locator("[data-close-thread]").click()
    expect(nurse.locator("#thread-pane")).to_be_hidden()
    for route in held:
        route.continue_()
    nurse.wait_for_timeout(1500)
    expect(nurse.locator("#thread-pane")).to_be_hidden()
    nurse.unroute("**/chat/messages/*/thread/")


def test_a_draft_survives_a_reload(person):
    nurse = person(NURSE)
    open_channel(nurse)
    nurse.locator("#chat-body").fill("Brouillon à ne pas perdre")
    nurse.reload()
    expect(nurse.locator("#chat-body")).to_have_value("Brouillon à ne pas perdre")
    nurse.locator("#chat-body").fill("")
    nurse.locator("#chat-body").dispatch_event("input")


def test_a_message_of_spaces_is_refused_with_a_word_not_silently(person):
    nurse = person(NURSE)
    open_channel(nurse)
    before = nurse.locator("#message-list > li").count()
    say(nurse, "   ")
    error = nurse.locator("form:has(#chat-body) [data-form-error]")
    expect(error).not_to_be_empty()
    expect(nurse.locator("#chat-body")).to_be_focused()
    assert nurse.locator("#message-list > li").count() == before
    nurse.locator("#chat-body").press_sequentially("Ok")
    expect(error).to_be_empty()
    nurse.locator("#chat-body").fill("")
    nurse.locator("#chat-body").dispatch_event("input")


def test_nothing_is_lost_when_the_server_restarts_mid_conversation(person, server):
    nurse, manager = person(NURSE), person(MANAGER)
    open_channel(nurse)
    open_channel(manager)
    say(manager, "Avant le redémarrage")
    expect(message(nurse, "Avant le redémarrage")).to_have_count(1)

    server.stop()
    expect(manager.locator("html[data-socket=closed]")).to_have_count(1)
    # Sent while the server is down: kept on screen as not sent, with its text and Retry.
    say(manager, "Pendant la coupure")
    failed = manager.locator("li.message-failed", has_text="Pendant la coupure")
    expect(failed).to_be_visible()
    expect(failed.locator("[data-retry]")).to_be_visible()
    expect(failed.locator("[data-retry]")).to_be_in_viewport()

    server.start()
    expect(manager.locator("html[data-socket=open]")).to_have_count(1, timeout=40_000)
    failed.locator("[data-retry]").click()
    expect(message(manager, "Pendant la coupure")).to_have_count(1)
    expect(manager.locator(".message-pending")).to_have_count(0)
    # Sent by the manager just after the restart: the nurse's page catches up once reconnected.
    say(manager, "Après le redémarrage")
    expect(nurse.locator("html[data-socket=open]")).to_have_count(1, timeout=40_000)
    for text in ("Avant le redémarrage", "Pendant la coupure", "Après le redémarrage"):
        expect(message(nurse, text)).to_have_count(1)
        expect(message(manager, text)).to_have_count(1)
    seqs = [int(s) for s in nurse.locator("#message-list > li.message").evaluate_all(
        "items => items.map(li => li.dataset.seq)")]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))


def test_chat_pages_look_finished(person):
    nurse = person(NURSE)
    nurse.goto("/chat/")
    screenshot(nurse, "chat-index")
    nurse.goto("/chat/new/?q=Hugo")
    screenshot(nurse, "chat-new-message")
    open_channel(nurse)
    expect(nurse.locator(".message-urgent")).to_contain_text("formation défibrillateur")
    screenshot(nurse, "chat-demo-channel")
    nurse.locator(".thread-summary").first.click()
    expect(nurse.locator("#thread-pane")).to_contain_text("Visite à 10h")
    expect(nurse.locator("#thread-pane .thread-replies > li.message")).to_have_count(3)
    screenshot(nurse, "chat-demo-thread")


def test_a_mention_in_chat_raises_the_badge_live_and_the_notification_opens_the_message(
        person):
    nurse, manager = person(NURSE), person(MANAGER)
    nurse.goto("/")
    expect(nurse.locator("html[data-socket=open]")).to_have_count(1)
    badge = nurse.locator(".sidebar [data-badge=notifications]")
    before = int(badge.get_attribute("data-count") or 0)

    open_channel(manager)
    say(manager, "@Camille Martin pouvez-vous vérifier le chariot d'urgence ?")
    expect(message(manager, "vérifier le chariot")).to_have_count(1)

    # No reload: the socket's notification.created raises the count on the page she is on.
    expect(badge).to_have_attribute("data-count", str(before + 1))
    nurse.locator(".sidebar a[href='/notifications/']").click()
    line = nurse.locator(".notification", has_text="Sophie Dubois vous a mentionné")
    expect(line.first).to_be_visible()
    screenshot(nurse, "notification-centre")
    line.first.locator("a").click()
    nurse.wait_for_url(re.compile(r"/chat/\d+/\?message=\d+"))
    expect(nurse.locator(".message-highlight", has_text="vérifier le chariot")).to_be_visible()
    # Opening it read it. (The badge's own number may meanwhile count late notifications of
    # the earlier tests on this server, so the line itself is checked.)
    nurse.goto("/notifications/")
    opened = nurse.locator(".notification", has_text="vérifier le chariot")
    expect(opened.first).to_be_visible()
    expect(opened.first).not_to_have_class(re.compile("notification-unread"))
