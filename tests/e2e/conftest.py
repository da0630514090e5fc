"""Browser tests: Playwright driving the system Chromium against a live Relais.

Without Chromium the tests are skipped loudly on a developer machine and fail in CI; so do
services that the environment names (DATABASE_URL, REDIS_URL) but that do not answer.

pytest-django's live server speaks plain HTTP, not websockets: every page's socket is answered
by a silent in-browser stand-in, so pages do not retry /ws/ against a server that cannot
upgrade. The real-time protocol is tested through the full ASGI stack in tests/network.
"""

import os
from pathlib import Path

import pytest

from tests.test_configuration_services import unreachable_services

CHROMIUM = os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


# Package scope: the browser (and its event loop) is gone before other tests run in this process.
@pytest.fixture(scope="package")
def browser():
    if down := unreachable_services():
        pytest.fail(f"configured services do not answer: {', '.join(down)}")
    if not chromium_available():
        message = f"Chromium not found at {CHROMIUM}: browser tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while the browser is
    # open; the ORM calls the tests make between browser steps are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context: one per person signed in at the same time."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=live_server.url,
                                      locale="en-GB")
        context.route_web_socket("**/ws/", lambda socket: None)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, email, password="correct-horse-42"):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def unlabelled_fields(page) -> list[str]:
    """Form fields without an accessible name (label, aria-label or aria-labelledby)."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]):not([type=submit]), select, textarea')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                      && !el.getAttribute('aria-labelledby'))
        .map(el => el.name || el.id || el.outerHTML.slice(0, 60))""")


def screenshot(page, name: str) -> None:
    """Save the page at desktop and phone size, and check its fields are labelled."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert unlabelled_fields(page) == [], f"unlabelled fields on {name}"
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(VIEWPORTS["desktop"])


def pytest_terminal_summary(terminalreporter):
    if not chromium_available() and not os.environ.get("CI"):
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED: Chromium is not installed "
                                        "(apt-get install chromium)", red=True, bold=True)
