import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_me_with_a_bearer_token(user, api_client_for):
    body = api_client_for(user).get("/api/v1/me").json()
    assert (body["email"], body["display_name"], body["kind"]) == (
        user.email, "Camille Martin", "member")


def test_me_with_the_session(member_client, user):
    assert member_client.get("/api/v1/me").json()["id"] == user.id


def test_me_with_a_wrong_token_is_401(db):
    response = Client(HTTP_AUTHORIZATION="Bearer rls_nope_nope").get("/api/v1/me")
    assert response.status_code == 401


def test_patch_me_updates_the_profile(user, api_client_for):
    response = api_client_for(user).patch_json("/api/v1/me", {"job_title": "IDE de nuit"})
    assert response.status_code == 200 and response.json()["job_title"] == "IDE de nuit"


def test_patch_me_rejects_a_bad_time_zone_with_422(user, api_client_for):
    response = api_client_for(user).patch_json("/api/v1/me", {"time_zone": "Nowhere"})
    assert response.status_code == 422
    assert "time_zone" in response.json()["detail"]


def test_openapi_document_lists_the_endpoints(member_client):
    paths = member_client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/me", "/api/v1/groups", "/api/v1/groups/{slug}/members",
            "/api/v1/groups/{slug}/join"} <= set(paths)


def test_interactive_docs_load_their_scripts_from_this_server(member_client):
    response = member_client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"cdn." not in response.content
