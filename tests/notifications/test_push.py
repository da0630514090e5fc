"""Web push through the real path: notify() → delivery → pywebpush → a push service on
127.0.0.1, whose requests are decrypted with the keys a browser would hold."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from py_vapid import Vapid02

from notifications import push, services, vapid
from notifications.models import Notification, NotificationSettings, PushSubscription
from notifications.texts import describe

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
SECRET_TEXT = "Room 4: Mr Dupont's potassium is 6.8, please call"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: object  # email.message.Message: case-insensitive get()
    body: bytes


class PushService:
    """A push service on 127.0.0.1: keeps each request, answers 201 or the status set for a
    path (with the Location set for a path, to test redirects)."""

    def __init__(self):
        self.received: list[Received] = []
        self.statuses: dict[str, int] = {}
        self.locations: dict[str, str] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.received.append(Received(self.path, self.headers, body))
                self.send_response(service.statuses.get(self.path, 201))
                if self.path in service.locations:
                    self.send_header("Location", service.locations[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """What a browser holds for one push subscription: its key pair and auth secret."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.p256dh = b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def subscribe(self, user) -> PushSubscription:
        return services.subscribe_push(user=user, endpoint=self.endpoint, p256dh=self.p256dh,
                                       auth=b64url(self.auth), user_agent="Test browser")

    def read(self, received: Received) -> dict:
        assert received.headers.get("Content-Encoding") == "aes128gcm"
        plain = http_ece.decrypt(received.body, private_key=self.private_key,
                                 auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


@pytest.fixture
def push_service(settings):
    settings.RELAIS_PUSH_ALLOW_HTTP_LOOPBACK = True
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def browser(user, push_service) -> Browser:
    """``user``'s browser, subscribed."""
    browser = Browser(f"{push_service.url}/push/camille")
    browser.subscribe(user)
    return browser


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run what notify() queues after commit: the ImmediateBackend delivers at once."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def mention(recipient, actor, group, *, urgent=False, target_id=7) -> Notification:
    target = services.Target(type="post", id=target_id, url=f"/posts/{target_id}/",
                             title=SECRET_TEXT, group_id=group.id)
    [notification] = services.notify([recipient], Kind.MENTION, target, actor=actor,
                                     urgent=urgent)
    return notification


# --- What the push says ---------------------------------------------------------------------------

def test_a_mention_pushes_who_and_where_but_never_the_text_without_previews(
        user, other_user, group, browser, push_service, deliver):
    with deliver():
        notification = mention(user, other_user, group)
    [received] = push_service.received
    assert received.path == "/push/camille"
    assert SECRET_TEXT.encode() not in received.body
    data = browser.read(received)
    with translation.override("en"):
        title = describe(notification)
    assert title == "Hugo Bernard mentioned you in Cardiologie"
    assert data == {
        "title": title, "body": "Open Relais to read it.",
        "tag": f"notification-{notification.id}",
        "url": reverse("notifications:open", args=[notification.id]), "urgent": False,
        "timestamp": int(notification.created.timestamp() * 1000), "lang": "en"}
    notification.refresh_from_db()
    assert notification.pushed_at is not None
    assert PushSubscription.objects.get(user=user).last_success_at is not None


def test_a_mention_pushes_the_text_when_the_person_allows_previews(
        user, other_user, group, browser, push_service, deliver):
    services.update_settings(user=user, push_previews=True)
    with deliver():
        mention(user, other_user, group)
    [received] = push_service.received
    assert browser.read(received)["body"] == SECRET_TEXT


def test_notifications_held_while_off_duty_go_as_one_digest_push(
        user, other_user, group, browser, push_service, deliver):
    with deliver():
        services.update_settings(user=user, duty=NotificationSettings.Duty.OFF_DUTY)
        mention(user, other_user, group, target_id=1)
        mention(user, other_user, group, target_id=2)
    assert push_service.received == []
    with deliver():
        services.update_settings(user=user, duty=NotificationSettings.Duty.SCHEDULE)
    [received] = push_service.received
    data = browser.read(received)
    assert data["title"] == "2 new notifications"
    assert data["body"] == "Open Relais to see them."
    assert data["tag"] == "notifications-digest"
    assert data["url"] == reverse("notifications:list")
    assert SECRET_TEXT not in json.dumps(data)
    assert not Notification.objects.filter(recipient=user, pushed_at__isnull=True).exists()


def test_the_push_is_signed_with_the_server_vapid_key_and_has_a_ttl(
        settings, user, other_user, group, browser, push_service, deliver):
    settings.RELAIS_PUSH_TTL_SECONDS = 3600
    settings.RELAIS_PUSH_CONTACT = "mailto:it@hopital.example"
    with deliver():
        mention(user, other_user, group)
    [received] = push_service.received
    assert received.headers.get("TTL") == "3600"
    assert received.headers.get("Urgency") == "normal"
    authorization = received.headers.get("Authorization")
    assert authorization.startswith("vapid t=")
    parts = dict(part.split("=", 1) for part in authorization.split(" ", 1)[1].split(","))
    assert parts["k"] == vapid.public_key() == vapid.application_server_key()
    assert Vapid02.verify(authorization)
    claims = json.loads(b64url_decode(parts["t"].split(".")[1]))
    assert claims["aud"] == push_service.url
    assert claims["sub"] == "mailto:it@hopital.example"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600


def test_an_urgent_notification_asks_for_high_urgency_even_off_duty(
        user, other_user, group, browser, push_service, deliver):
    services.update_settings(user=user, duty=NotificationSettings.Duty.OFF_DUTY)
    with deliver():
        mention(user, other_user, group, urgent=True)
    [received] = push_service.received
    assert received.headers.get("Urgency") == "high"
    assert browser.read(received)["urgent"] is True


def test_every_browser_of_the_person_gets_its_own_encrypted_copy(
        user, other_user, group, browser, push_service, deliver):
    phone = Browser(f"{push_service.url}/push/camille-phone")
    phone.subscribe(user)
    with deliver():
        mention(user, other_user, group)
    by_path = {r.path: r for r in push_service.received}
    assert set(by_path) == {"/push/camille", "/push/camille-phone"}
    assert browser.read(by_path["/push/camille"]) == phone.read(by_path["/push/camille-phone"])
    with pytest.raises(http_ece.ECEException):  # one browser cannot read the other's copy
        phone.read(by_path["/push/camille"])


# --- When the push service says no --------------------------------------------------------------

@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_deleted(
        status, user, other_user, group, browser, push_service, deliver):
    push_service.statuses["/push/camille"] = status
    with deliver():
        notification = mention(user, other_user, group)
    assert len(push_service.received) == 1
    assert not PushSubscription.objects.filter(user=user).exists()
    notification.refresh_from_db()
    assert notification.pushed_at is not None


def test_a_push_service_error_keeps_the_subscription_logs_and_still_reaches_other_browsers(
        user, other_user, group, browser, push_service, deliver, caplog):
    phone = Browser(f"{push_service.url}/push/camille-phone")
    phone.subscribe(user)
    push_service.statuses["/push/camille"] = 500
    with caplog.at_level(logging.WARNING, logger="notifications.push"), deliver():
        mention(user, other_user, group)
    assert {r.path for r in push_service.received} == {"/push/camille", "/push/camille-phone"}
    assert PushSubscription.objects.filter(user=user).count() == 2
    assert "failed" in caplog.text and "500" in caplog.text
    assert PushSubscription.objects.get(endpoint=browser.endpoint).last_success_at is None
    assert PushSubscription.objects.get(endpoint=phone.endpoint).last_success_at is not None


def test_a_redirect_from_the_push_service_is_not_followed(
        user, other_user, group, browser, push_service, deliver, caplog):
    push_service.statuses["/push/camille"] = 307
    push_service.locations["/push/camille"] = f"{push_service.url}/internal"
    with caplog.at_level(logging.WARNING, logger="notifications.push"), deliver():
        mention(user, other_user, group)
    assert [r.path for r in push_service.received] == ["/push/camille"]
    assert "failed" in caplog.text


# --- Who gets nothing -----------------------------------------------------------------------------

def test_a_person_without_a_subscription_gets_no_push_and_nothing_breaks(
        user, other_user, group, push_service, deliver):
    with deliver():
        notification = mention(other_user, user, group)
    assert push_service.received == []
    assert notification.push_due is None
    assert push.send(other_user, [notification], previews=False) == 0


def test_a_person_who_turned_push_off_for_the_kind_gets_none(
        user, other_user, group, browser, push_service, deliver):
    services.update_settings(user=user, channels={
        Kind.MENTION: {"in_app": True, "email": True, "push": False}})
    with deliver():
        notification = mention(user, other_user, group)
    assert push_service.received == []
    assert notification.push_due is None and notification.in_app


def test_an_endpoint_off_the_allowed_hosts_is_never_called(
        settings, user, other_user, group, browser, push_service, deliver, caplog):
    settings.RELAIS_PUSH_ALLOW_HTTP_LOOPBACK = False  # a row that got in some other way
    with caplog.at_level(logging.WARNING, logger="notifications.push"), deliver():
        mention(user, other_user, group)
    assert push_service.received == []
    assert "RELAIS_PUSH_SERVICE_HOSTS" in caplog.text


def test_without_a_vapid_key_push_is_skipped_and_logged(
        settings, tmp_path, user, other_user, group, browser, push_service, deliver, caplog):
    settings.RELAIS_VAPID_KEY_FILE = tmp_path / "none.pem"
    with caplog.at_level(logging.ERROR, logger="notifications.push"), deliver():
        notification = mention(user, other_user, group)
    assert push_service.received == []
    assert "vapid_keys" in caplog.text
    notification.refresh_from_db()
    assert notification.pushed_at is not None


# --- Which endpoints and keys are accepted ------------------------------------------------------

@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/abc",
    "https://web.push.apple.com/QGx",
    "https://wns2-par02p.notify.windows.com/w/?token=abc",
])
def test_real_push_services_are_allowed(endpoint):
    assert push.endpoint_allowed(endpoint)


@pytest.mark.parametrize("endpoint", [
    "http://fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com.evil.example/x",
    "https://evilfcm.googleapis.com.example/x",
    "https://notfcm.googleapis.com@10.0.0.1/x",
    "https://10.0.0.1/x",
    "https://localhost/x",
    "http://127.0.0.1:8000/x",
    "https://fcm.googleapis.com:abc/x",
    "javascript:alert(1)",
    "",
])
def test_other_endpoints_are_refused(endpoint):
    assert not push.endpoint_allowed(endpoint)


def test_loopback_http_is_allowed_only_when_the_setting_says_so(settings):
    assert not push.endpoint_allowed("http://127.0.0.1:8123/x")
    settings.RELAIS_PUSH_ALLOW_HTTP_LOOPBACK = True
    assert push.endpoint_allowed("http://127.0.0.1:8123/x")
    assert not push.endpoint_allowed("http://10.0.0.1:8123/x")
    assert not push.endpoint_allowed("http://localhost.evil.example:8123/x")


# --- The VAPID key --------------------------------------------------------------------------------

def raw_private(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_of(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


@pytest.mark.parametrize("form", ["pem", "pem-one-line", "der", "raw"])
def test_the_key_can_come_from_the_environment_in_any_usual_form(settings, form):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    settings.RELAIS_VAPID_PRIVATE_KEY = {
        "pem": pem, "pem-one-line": pem.replace("\n", "\\n"), "der": b64url(der),
        "raw": raw_private(key)}[form]
    assert vapid.application_server_key() == public_of(key)


def test_a_key_that_cannot_be_read_turns_push_off_and_says_why(settings, caplog):
    settings.RELAIS_VAPID_PRIVATE_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured, match="RELAIS_VAPID_PRIVATE_KEY"):
        vapid.private_key()
    with caplog.at_level(logging.ERROR, logger="notifications.vapid"):
        assert vapid.application_server_key() is None
    assert "Web push is off" in caplog.text


def test_a_key_on_another_curve_is_refused(settings):
    key = ec.generate_private_key(ec.SECP384R1())
    settings.RELAIS_VAPID_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with pytest.raises(ImproperlyConfigured, match="P-256"):
        vapid.private_key()


def test_vapid_keys_creates_the_key_once_and_prints_the_public_key(settings, tmp_path, capsys):
    path = tmp_path / "keys" / "vapid.pem"
    settings.RELAIS_VAPID_KEY_FILE = path
    assert vapid.application_server_key() is None
    call_command("vapid_keys")
    first = capsys.readouterr().out
    assert "Created" in first and path.exists()
    assert path.stat().st_mode & 0o777 == 0o600
    public = vapid.application_server_key()
    assert f"Public key: {public}" in first
    assert len(b64url_decode(public)) == 65
    key_text = path.read_text()
    call_command("vapid_keys")
    second = capsys.readouterr().out
    assert "Kept" in second and f"Public key: {public}" in second
    assert path.read_text() == key_text


def test_vapid_keys_uses_the_key_from_the_environment_without_writing_a_file(
        settings, tmp_path, capsys):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.RELAIS_VAPID_PRIVATE_KEY = raw_private(key)
    settings.RELAIS_VAPID_KEY_FILE = tmp_path / "vapid.pem"
    call_command("vapid_keys")
    assert f"Public key: {public_of(key)}" in capsys.readouterr().out
    assert not (tmp_path / "vapid.pem").exists()


def test_vapid_keys_fails_clearly_on_an_unreadable_key(settings, tmp_path):
    path = tmp_path / "vapid.pem"
    path.write_text("garbage")
    settings.RELAIS_VAPID_KEY_FILE = path
    with pytest.raises(CommandError, match="is not a P-256 private key"):
        call_command("vapid_keys")
