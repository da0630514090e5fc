import pytest
from django.test import Client

from groups import services
from groups.models import Group, JoinRequest, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user, api_client_for):
    return api_client_for(user)


@pytest.fixture
def other_api(other_user, api_client_for):
    return api_client_for(other_user)


@pytest.fixture
def guest_api(guest, api_client_for):
    return api_client_for(guest)


def test_list_groups_returns_what_the_user_can_see(other_api, group, private_group, secret_group):
    body = other_api.get("/api/v1/groups").json()
    assert {g["name"] for g in body["items"]} == {"Cardiologie", "Cadres de santé"}
    assert body["next_cursor"] is None


def test_list_groups_member_filter(api, other_api, other_user, group, private_group):
    services.join_group(user=other_user, group=group)
    mine = other_api.get("/api/v1/groups?member=true").json()["items"]
    assert [(g["name"], g["my_role"]) for g in mine] == [("Cardiologie", "member")]
    discover = other_api.get("/api/v1/groups?member=false").json()["items"]
    assert [g["name"] for g in discover] == ["Cadres de santé"]


def test_list_groups_pages_with_a_cursor(api, user):
    for index in range(5):
        services.create_group(creator=user, name=f"Équipe {index}")
    first = api.get("/api/v1/groups?limit=2").json()
    second = api.get(f"/api/v1/groups?limit=2&cursor={first['next_cursor']}").json()
    third = api.get(f"/api/v1/groups?limit=2&cursor={second['next_cursor']}").json()
    names = [g["name"] for page in (first, second, third) for g in page["items"]]
    assert names == [f"Équipe {i}" for i in range(5)]
    assert third["next_cursor"] is None


def test_bad_cursor_is_a_400(api):
    response = api.get("/api/v1/groups?cursor=abc")
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


def test_guest_lists_only_the_shared_group(guest_api, group, shared_group):
    assert [g["name"] for g in guest_api.get("/api/v1/groups").json()["items"]] == [
        "Projet MedTech"]


def test_anonymous_gets_401(db):
    response = Client().get("/api/v1/groups")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required."}


def test_create_group_returns_201_and_the_group(api, user):
    response = api.post_json("/api/v1/groups", {"name": "Bloc opératoire",
                                                "visibility": "private"})
    assert response.status_code == 201
    assert response.json()["my_role"] == "owner"
    assert Group.objects.get(slug="bloc-operatoire").visibility == "private"


def test_create_group_validation_errors_are_422(api):
    response = api.post_json("/api/v1/groups", {"name": "  "})
    assert response.status_code == 422
    assert "name" in response.json()["detail"]
    assert api.post_json("/api/v1/groups", {"name": "X", "visibility": "hidden"}
                         ).status_code == 422


def test_malformed_json_is_rejected_cleanly(api):
    response = api.post("/api/v1/groups", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_guest_cannot_create_groups(guest_api):
    assert guest_api.post_json("/api/v1/groups", {"name": "Nope"}).status_code == 403


def test_get_group_404_is_the_same_for_hidden_and_missing(other_api, secret_group):
    hidden = other_api.get(f"/api/v1/groups/{secret_group.slug}")
    missing = other_api.get("/api/v1/groups/nope")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_patch_group_for_managers_only(api, other_api, other_user, group):
    services.join_group(user=other_user, group=group)
    assert other_api.patch_json(f"/api/v1/groups/{group.slug}",
                                {"name": "Hijack"}).status_code == 403
    response = api.patch_json(f"/api/v1/groups/{group.slug}", {"description": "Nouveau"})
    assert response.status_code == 200 and response.json()["description"] == "Nouveau"


def test_members_of_a_private_group_are_403_for_non_members(api, other_api, private_group):
    assert api.get(f"/api/v1/groups/{private_group.slug}/members").status_code == 200
    assert other_api.get(f"/api/v1/groups/{private_group.slug}/members").status_code == 403


def test_members_list(api, group):
    items = api.get(f"/api/v1/groups/{group.slug}/members").json()["items"]
    assert items == [{"user_id": group.created_by_id, "display_name": "Camille Martin",
                      "job_title": "Infirmière", "kind": "member", "role": "owner"}]


def test_add_member_by_id_and_by_email(api, staff_user, api_client_for, other_user, group,
                                       settings):
    response = api.post_json(f"/api/v1/groups/{group.slug}/members", {"user_id": other_user.id})
    assert response.status_code == 201 and response.json()["role"] == "member"
    settings.RELAIS_SIGNUP_DOMAINS = ["hopital.example"]
    response = api.post_json(f"/api/v1/groups/{group.slug}/members",
                             {"email": "new@hopital.example"})
    assert response.status_code == 202 and response.json() == {"invited": "new@hopital.example"}


def test_add_member_needs_exactly_one_of_id_and_email(api, group):
    assert api.post_json(f"/api/v1/groups/{group.slug}/members", {}).status_code == 422


def test_add_member_by_plain_member_is_403(other_api, other_user, group, guest):
    services.join_group(user=other_user, group=group)
    response = other_api.post_json(f"/api/v1/groups/{group.slug}/members",
                                   {"user_id": group.created_by_id})
    assert response.status_code == 403


def test_remove_member_and_leave(api, other_api, other_user, group):
    services.join_group(user=other_user, group=group)
    assert other_api.delete(f"/api/v1/groups/{group.slug}/members/{other_user.id}"
                            ).status_code == 204
    assert not Membership.objects.filter(group=group, user=other_user).exists()


def test_last_owner_leaving_is_a_422(api, user, group):
    response = api.delete(f"/api/v1/groups/{group.slug}/members/{user.id}")
    assert response.status_code == 422
    assert "owner" in response.json()["detail"]


def test_join_public_group_and_request_private_one(other_api, other_user, group, private_group):
    assert other_api.post_json(f"/api/v1/groups/{group.slug}/join").status_code == 201
    response = other_api.post_json(f"/api/v1/groups/{private_group.slug}/join")
    assert response.status_code == 202 and response.json() == {"status": "requested"}
    assert JoinRequest.objects.filter(user=other_user, group=private_group).exists()
    assert other_api.post_json(f"/api/v1/groups/{group.slug}/join").status_code == 422


def test_guest_cannot_join(guest_api, shared_group):
    assert guest_api.post_json(f"/api/v1/groups/{shared_group.slug}/join").status_code == 403


def test_secret_group_join_is_404_for_outsiders(other_api, secret_group):
    assert other_api.post_json(f"/api/v1/groups/{secret_group.slug}/join").status_code == 404


def test_session_writes_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/groups").status_code == 200
    response = client.post("/api/v1/groups", {"name": "X"}, content_type="application/json")
    assert response.status_code == 403
