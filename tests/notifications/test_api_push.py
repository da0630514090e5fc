"""/api/v1/me/push-subscriptions and the service worker at /sw.js."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from notifications import services
from notifications.models import PushSubscription

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/push-subscriptions"
FCM = "https://fcm.googleapis.com/fcm/send/dGVzdC1lbmRwb2ludA:APA91bH"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_json(endpoint: str = FCM) -> dict:
    """What ``PushSubscription.toJSON()`` gives in a browser."""
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint, "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}}


def post(client, data):
    return client.post(URL, data, content_type="application/json")


def delete(client, endpoint):
    return client.delete(URL, {"endpoint": endpoint}, content_type="application/json")


# --- Subscribing ----------------------------------------------------------------------------------

def test_subscribing_stores_the_browser_and_answers_201(user, member_client):
    data = browser_json()
    response = member_client.post(URL, data, content_type="application/json",
                                  headers={"User-Agent": "Firefox on the ward PC"})
    assert response.status_code == 201
    body = response.json()
    assert body["endpoint"] == FCM and body["last_success_at"] is None
    row = PushSubscription.objects.get(id=body["id"])
    assert (row.user, row.endpoint, row.p256dh, row.auth, row.user_agent) == (
        user, FCM, data["keys"]["p256dh"], data["keys"]["auth"], "Firefox on the ward PC")


def test_subscribing_with_an_api_token_works_too(user, api_client_for):
    response = api_client_for(user).post_json(URL, browser_json())
    assert response.status_code == 201
    assert PushSubscription.objects.get().user == user


def test_subscribing_again_updates_the_keys_of_the_same_row(user, member_client):
    first = post(member_client, browser_json()).json()
    again = browser_json()
    second = post(member_client, again)
    assert second.status_code == 201 and second.json()["id"] == first["id"]
    assert PushSubscription.objects.get().p256dh == again["keys"]["p256dh"]


def test_resubscribing_an_endpoint_moves_it_to_the_new_person(user, other_user, member_client,
                                                               other_client):
    post(member_client, browser_json())
    response = post(other_client, browser_json())
    assert response.status_code == 201
    assert PushSubscription.objects.get(endpoint=FCM).user == other_user


def test_i_list_only_my_own_subscriptions(user, other_user, member_client, other_client):
    post(member_client, browser_json())
    post(other_client, browser_json("https://updates.push.services.mozilla.com/wpush/v2/gAAA"))
    assert [s["endpoint"] for s in member_client.get(URL).json()] == [FCM]


def test_anonymous_gets_401():
    client = Client()
    assert client.get(URL).status_code == 401
    assert post(client, browser_json()).status_code == 401
    assert delete(client, FCM).status_code == 401
    assert not PushSubscription.objects.exists()


def test_an_inactive_person_gets_401(inactive_user):
    client = Client()
    client.force_login(inactive_user)
    assert post(client, browser_json()).status_code == 401


def test_session_writes_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert post(client, browser_json()).status_code == 403
    assert not PushSubscription.objects.exists()


# --- Refused subscriptions ------------------------------------------------------------------------

def with_keys(**keys) -> dict:
    data = browser_json()
    data["keys"].update(keys)
    return data


@pytest.mark.parametrize(("data", "field", "words"), [
    (with_keys(p256dh=b64url(os.urandom(33))), "keys.p256dh", "65 bytes"),
    (with_keys(p256dh=b64url(b"\x03" + os.urandom(64))), "keys.p256dh", "uncompressed"),
    (with_keys(p256dh="not base64!"), "keys.p256dh", "base64url"),
    (with_keys(p256dh=""), "keys.p256dh", "65 bytes"),
    (with_keys(auth=b64url(os.urandom(8))), "keys.auth", "16 bytes"),
    (with_keys(auth="a+b/c" * 4), "keys.auth", "16 bytes"),
    ({**browser_json(), "endpoint": "http://fcm.googleapis.com/fcm/send/x"}, "endpoint",
     "https address of a known push service"),
    ({**browser_json(), "endpoint": "https://169.254.169.254/latest/meta-data"}, "endpoint",
     "known push service"),
    ({**browser_json(), "endpoint": "https://intranet.hopital.local/admin"}, "endpoint",
     "fcm.googleapis.com"),
    ({**browser_json(), "endpoint": "http://127.0.0.1:8000/x"}, "endpoint", "known push"),
    ({**browser_json(), "endpoint": FCM + "x" * 1000}, "endpoint", "at most 1000"),
])
def test_bad_keys_and_endpoints_are_a_422_naming_the_problem(member_client, data, field, words):
    response = post(member_client, data)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert list(detail) == [field]
    assert words in detail[field][0]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("data", [{}, {"endpoint": FCM}, {"endpoint": FCM, "keys": {}},
                                  {"endpoint": 3, "keys": {"p256dh": 1, "auth": 2}}])
def test_a_body_that_is_not_a_subscription_is_a_422(member_client, data):
    assert post(member_client, data).status_code == 422


def test_loopback_endpoints_are_accepted_only_when_the_setting_allows(settings, member_client):
    settings.RELAIS_PUSH_ALLOW_HTTP_LOOPBACK = True
    assert post(member_client, browser_json("http://127.0.0.1:8123/push/1")).status_code == 201


# --- Unsubscribing --------------------------------------------------------------------------------

def test_unsubscribing_my_browser_answers_204(user, member_client):
    post(member_client, browser_json())
    response = delete(member_client, FCM)
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()


def test_someone_elses_endpoint_is_a_404_and_stays(user, other_user, member_client):
    data = browser_json()
    services.subscribe_push(user=other_user, endpoint=FCM, p256dh=data["keys"]["p256dh"],
                            auth=data["keys"]["auth"])
    response = delete(member_client, FCM)
    assert response.status_code == 404
    assert PushSubscription.objects.get().user == other_user


def test_an_unknown_endpoint_is_a_404(member_client):
    assert delete(member_client, FCM).status_code == 404


def test_anonymous_cannot_unsubscribe_anyone(user, member_client):
    post(member_client, browser_json())
    assert delete(Client(), FCM).status_code == 401
    assert PushSubscription.objects.exists()


# --- The service worker ---------------------------------------------------------------------------

@pytest.mark.parametrize("client_fixture", ["anonymous_client", "member_client"])
def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client_fixture, request):
    client = request.getfixturevalue(client_fixture)
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    script = response.content.decode()
    assert 'addEventListener("push"' in script
    assert 'addEventListener("notificationclick"' in script
    assert "showNotification" in script


def test_the_csp_lets_the_page_register_the_worker(member_client):
    policy = member_client.get("/sw.js")["Content-Security-Policy"]
    assert "worker-src 'self'" in policy


def test_the_service_worker_only_answers_get(member_client):
    assert member_client.post("/sw.js").status_code == 405
