"""Browser tests: Playwright driving the system Chromium against a live Relais.

Without Chromium the tests are skipped loudly on a developer machine and fail in CI.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        message = f"Chromium not found at {CHROMIUM}: browser tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=live_server.url,
                                  locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


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
