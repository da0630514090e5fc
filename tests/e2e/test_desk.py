"""Request desks in a real browser against a real Daphne (the demo hospital): a nurse files a
Wi-Fi request through its form, an agent takes it, answers in its thread and resolves it while
a colleague says "me too", the metrics count it, and an agent's emoji forwards another request
to the biomedical desk. Screenshots of the form, the queue, a ticket and the metrics."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.live_relais import LiveServer, manage, server_env

PASSWORD = "relais-demo-2026"
DOMAIN = "saint-exemple.example"


@pytest.fixture(scope="module")
def relais_server(tmp_path_factory, browser):
    env = server_env(RELAIS_VAR_DIR=str(tmp_path_factory.mktemp("live-desk")))
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

    def sign_in(local):
        context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=relais_server,
                                      locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(f"{local}@{DOMAIN}")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(re.compile(r"/$"))
        expect(page.locator("html[data-socket=open]")).to_have_count(1)
        return page

    yield sign_in
    for context in contexts:
        context.close()


def _file(page, slug, title, *, form_name=None, fill=None) -> str:
    page.goto(f"/desks/{slug}/")
    if form_name:
        page.locator("a.desk-form-choice", has_text=form_name).click()
    else:
        page.goto(f"/desks/{slug}/new/")
    form = page.locator("form.desk-request-form")
    form.locator("input[name=title]").fill(title)
    if fill:
        fill(form)
    form.locator("button:not([type=button])").first.click()
    page.wait_for_url(re.compile(rf"/desks/{slug}/tickets/\d+/$"))
    return page.locator(".desk-ticket-ref").inner_text().strip()


def _act(page, action):
    page.locator(f"form:has(input[name=action][value={action}]) button").click()


def test_a_wifi_request_is_taken_answered_resolved_counted_and_another_is_forwarded(person):
    nurse = person("nurse")

    def wifi_answers(form):
        form.get_by_label("Bâtiment B").check()
        form.get_by_label("2e étage").check()
        form.get_by_label("Chariot de soins").check()
        form.locator("textarea").first.fill("Plus de réseau dans les chambres 10 à 14.")
        screenshot(form.page, "desk-request-form")

    reference = _file(nurse, "informatique", "Plus de Wi-Fi en cardiologie, aile B",
                      form_name="Problème de Wi-Fi", fill=wifi_answers)
    assert reference.startswith("IT-")
    ticket_path = re.sub(r"^https?://[^/]+", "", nurse.url)
    expect(nurse.locator(".desk-answers")).to_contain_text("Bâtiment B")

    agent = person("h.bernard")
    agent.goto("/desks/informatique/")
    link = agent.locator(".desk-ticket-link", has_text=reference)
    expect(link).to_be_visible()
    screenshot(agent, "desk-queue")
    link.click()
    _act(agent, "take")
    expect(agent.locator(".desk-status-in_progress").first).to_be_visible()
    agent.locator("form.desk-reply textarea").fill("J'arrive avec une borne de test.")
    agent.locator("form.desk-reply button").click()
    expect(agent.locator(".desk-ticket-main")).to_contain_text("J'arrive avec une borne")

    colleague = person("t.simon")
    colleague.goto(ticket_path)
    colleague.locator("form:has(input[name=add][value='1']) button").click()
    expect(colleague.locator("form:has(input[name=add][value='0']) button")).to_be_visible()

    nurse.goto(ticket_path)
    expect(nurse.locator(".desk-ticket-main")).to_contain_text("J'arrive avec une borne")
    agent.goto(ticket_path)
    _act(agent, "resolve")
    expect(agent.locator(".desk-status-resolved").first).to_be_visible()
    # The requester's open page follows without a reload, offering to reopen it.
    expect(nurse.locator(".desk-status-resolved").first).to_be_visible()
    expect(nurse.locator('[data-ticket-part="reopen"] button')).to_be_visible()
    screenshot(agent, "desk-ticket")

    agent.goto("/desks/informatique/metrics/")
    expect(agent.locator("svg[role=img]").first).to_be_visible()
    screenshot(agent, "desk-metrics")
    exported = agent.request.get("/desks/informatique/metrics.csv")
    assert exported.ok and reference in exported.text()

    # Another request, forwarded to the biomedical desk by the agent's 🩺.
    pump = _file(nurse, "informatique", "Le pousse-seringue de la chambre 4 affiche E-12")
    agent.goto("/desks/informatique/")
    agent.locator(".desk-ticket-link", has_text=pump).click()
    agent.locator(".desk-ticket a[href*='/chat/']").first.click()
    message = agent.locator("[role=log] li.message.message-highlight")
    expect(message).to_be_visible()
    message = agent.locator(f"[role=log] #{message.get_attribute('id')}")
    message.hover()
    message.locator(".message-actions .reaction-picker > summary").click()
    message.locator(".reaction-palette button", has_text="🩺").click()
    expect(message.locator(".reactions")).to_contain_text("🩺")

    biomed = person("o.faure")
    biomed.goto("/desks/biomedical/")
    forwarded = biomed.locator(".desk-ticket-link", has_text="Hugo Bernard")
    expect(forwarded).to_be_visible()
    forwarded.click()
    expect(biomed.locator(".desk-ticket")).to_contain_text("pousse-seringue")


def test_a_refused_request_opens_on_its_errors_and_an_other_request_is_described(person):
    nurse = person("nurse")
    nurse.goto("/desks/informatique/new/")
    nurse.locator("textarea[name=description]").fill("L'imprimante du poste 3 bourre.")
    nurse.locator("form.desk-request-form button.button").first.click()  # no summary: refused
    summary = nurse.locator("#desk-form-errors")
    expect(summary).to_be_focused()
    expect(nurse.locator("textarea[name=description]")).to_have_value(
        "L'imprimante du poste 3 bourre.")
    nurse.locator("input[name=title]").fill("Imprimante bloquée")
    nurse.locator("form.desk-request-form button.button").first.click()
    expect(nurse.locator(".desk-answers")).to_contain_text("L'imprimante du poste 3 bourre.")
