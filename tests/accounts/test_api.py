import re

import pytest
from django.test import Client

from accounts import services

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


def test_me_with_a_revoked_token_is_401(user):
    token, secret = services.create_api_token(user=user, name="bot")
    services.revoke_api_token(user=user, token_id=token.pk)
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required."}


def test_tokens_and_sessions_of_inactive_users_are_401(user):
    _token, secret = services.create_api_token(user=user, name="bot")
    session = Client()
    session.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me"
                                                                    ).status_code == 401
    assert session.get("/api/v1/me").status_code == 401


def test_anonymous_me_is_401(anonymous_client):
    assert anonymous_client.get("/api/v1/me").status_code == 401


def test_patch_me_updates_the_profile(user, api_client_for):
    response = api_client_for(user).patch_json("/api/v1/me", {"job_title": "IDE de nuit",
                                                              "phone": "+33 1 23 45 67 89"})
    assert response.status_code == 200
    assert (response.json()["job_title"], response.json()["phone"]) == (
        "IDE de nuit", "+33 1 23 45 67 89")
    user.refresh_from_db()
    assert user.job_title == "IDE de nuit"


def test_patch_me_ignores_fields_that_are_not_profile_fields(user, api_client_for):
    response = api_client_for(user).patch_json("/api/v1/me", {"is_staff": True, "kind": "guest"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.is_staff and user.kind == "member"


def test_patch_me_rejects_a_blank_name_and_an_unknown_language_with_422(user, api_client_for):
    api = api_client_for(user)
    assert "display_name" in api.patch_json("/api/v1/me", {"display_name": ""}).json()["detail"]
    response = api.patch_json("/api/v1/me", {"language": "xx"})
    assert response.status_code == 422 and "language" in response.json()["detail"]


def test_patch_me_rejects_a_bad_time_zone_with_422(user, api_client_for):
    response = api_client_for(user).patch_json("/api/v1/me", {"time_zone": "Nowhere"})
    assert response.status_code == 422
    assert "time_zone" in response.json()["detail"]


def test_unknown_api_paths_are_json_404s(api_client_for, user, anonymous_client):
    for client in (api_client_for(user), anonymous_client):
        response = client.get("/api/v1/no/such/thing")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_openapi_document_lists_the_endpoints(member_client):
    paths = member_client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/me", "/api/v1/groups", "/api/v1/groups/{slug}",
            "/api/v1/groups/{slug}/members", "/api/v1/groups/{slug}/members/{user_id}",
            "/api/v1/groups/{slug}/join"} <= set(paths)
    assert not any("{rest}" in path for path in paths)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_is_well_formed(member_client):
    document = member_client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"title", "version"} <= set(document["info"])
    operation_ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}, path
            assert operation["responses"], f"{method} {path} documents no response"
            assert operation.get("security"), f"{method} {path} is not authenticated"
            operation_ids.append(operation["operationId"])
    assert len(operation_ids) == len(set(operation_ids))
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
    assert {"BearerTokenAuth", "ActiveSessionAuth"} <= set(
        document["components"]["securitySchemes"])


def test_interactive_docs_run_under_the_content_security_policy(member_client):
    response = member_client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1)
                  for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"].split()[0] == "'self'"
    assert "unsafe-inline" not in policy["script-src"] + policy["style-src"]
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, body in scripts:
        # Executable code only from files served by this server; the settings block is data.
        if 'type="application/json"' in attributes:
            continue
        assert re.search(r'src="/static/', attributes) and not body.strip(), attributes
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert " style=" not in html
