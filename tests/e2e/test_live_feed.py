"""The live feed in a real browser against a real Daphne, with a working socket.

pytest-django's live server cannot upgrade to websockets, so these tests start Relais the way
`make run` does (migrate, demo data, Daphne and the task worker) in a temporary directory, and drive two people's
browsers at once. The subprocess uses the embedded configuration (SQLite, in-memory channel
layer): one Daphne process is all it needs. Crossing processes through Redis is chat's test.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "relais-demo-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Relais exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Relais did not answer at {url}")


@pytest.fixture(scope="module")
def relais_server(tmp_path_factory, browser):
    var_dir = tmp_path_factory.mktemp("live-relais")
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE")}
    # As `make run` does: the embedded configuration, static files served by Django.
    env.update({"RELAIS_VAR_DIR": str(var_dir), "HTTPS": "false", "DEBUG": "true",
                "DJANGO_SETTINGS_MODULE": "network.settings", "PYTHONPATH": str(ROOT)})
    for command in (["migrate", "--no-input", "-v", "0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    port = _free_port()
    # Daphne and the task worker, exactly as `make run` starts them.
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/healthz", process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


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
    expect(acknowledged).to_have_text(str(before + 1))
    screenshot(admin, "announcement-dashboard-live")
