import pytest
from django.test import Client

from accounts import services as account_services
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


def test_list_groups_searches_names_and_descriptions(api, group, private_group):
    names = [g["name"] for g in api.get("/api/v1/groups?q=cardio").json()["items"]]
    assert names == ["Cardiologie"]
    assert api.get("/api/v1/groups?q=nothing-like-this").json()["items"] == []


def test_list_groups_items_carry_counts_role_and_url(other_api, group):
    item = other_api.get("/api/v1/groups").json()["items"][0]
    assert item == {"id": group.id, "slug": "cardiologie", "name": "Cardiologie",
                    "description": "Service de cardiologie", "visibility": "public",
                    "colour": group.colour, "is_all_staff": False, "allow_guests": False,
                    "archived": False, "member_count": 1, "my_role": None,
                    "channel_id": group.channel.id,
                    "url": "/groups/cardiologie/"}


def test_page_size_is_capped_by_the_setting(api, user, settings):
    settings.RELAIS_LIMITS = {**settings.RELAIS_LIMITS, "api_page_size": 3}
    for index in range(5):
        services.create_group(creator=user, name=f"Équipe {index}")
    body = api.get("/api/v1/groups?limit=500").json()
    assert len(body["items"]) == 3 and body["next_cursor"] is not None


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


def test_malformed_json_is_a_400(api):
    response = api.post("/api/v1/groups", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Group.objects.exists()


def test_wrongly_typed_query_parameters_are_422(api):
    assert api.get("/api/v1/groups?limit=many").status_code == 422
    assert api.get("/api/v1/groups?member=perhaps").status_code == 422


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


def test_members_of_hidden_or_missing_groups_are_404(other_api, guest_api, group, secret_group):
    assert other_api.get(f"/api/v1/groups/{secret_group.slug}/members").status_code == 404
    assert other_api.get("/api/v1/groups/nope/members").status_code == 404
    assert guest_api.get(f"/api/v1/groups/{group.slug}/members").status_code == 404


def test_members_list_pages_with_a_cursor(api, user, group, other_user, staff_user):
    services.add_member(actor=user, group=group, user=other_user)
    services.add_member(actor=user, group=group, user=staff_user)
    first = api.get(f"/api/v1/groups/{group.slug}/members?limit=2").json()
    second = api.get(f"/api/v1/groups/{group.slug}/members?limit=2&cursor="
                     f"{first['next_cursor']}").json()
    ids = [m["user_id"] for page in (first, second) for m in page["items"]]
    assert sorted(ids) == sorted([user.id, other_user.id, staff_user.id])
    assert len(first["items"]) == 2 and second["next_cursor"] is None


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


def test_add_member_needs_exactly_one_of_id_and_email(api, group, other_user):
    assert api.post_json(f"/api/v1/groups/{group.slug}/members", {}).status_code == 422
    both = {"user_id": other_user.id, "email": "x@hopital.example"}
    assert api.post_json(f"/api/v1/groups/{group.slug}/members", both).status_code == 422


def test_add_member_refuses_a_malformed_email_with_422(api, group):
    response = api.post_json(f"/api/v1/groups/{group.slug}/members", {"email": "not-an-email"})
    assert response.status_code == 422
    assert not group.invitations.exists()


def test_add_member_refuses_a_person_the_actor_cannot_see_with_422(api, user, group, guest):
    response = api.post_json(f"/api/v1/groups/{group.slug}/members", {"user_id": guest.id})
    assert response.status_code == 422
    assert not Membership.objects.filter(group=group, user=guest).exists()


def test_invite_a_guest_into_a_group_open_to_guests(api, user, group):
    services.update_group(actor=user, group=group, allow_guests=True)
    response = api.post_json(f"/api/v1/groups/{group.slug}/members",
                             {"email": "partner@vendor.example", "as_guest": True})
    assert response.status_code == 202
    assert group.invitations.get().email == "partner@vendor.example"


def test_adding_to_a_secret_group_is_404_for_outsiders(other_api, user, secret_group):
    response = other_api.post_json(f"/api/v1/groups/{secret_group.slug}/members",
                                   {"user_id": user.id})
    assert response.status_code == 404


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


def test_remove_member_by_a_plain_member_is_403(api, other_api, user, other_user, staff_user,
                                              group):
    services.join_group(user=other_user, group=group)
    services.join_group(user=staff_user, group=group)
    response = other_api.delete(f"/api/v1/groups/{group.slug}/members/{staff_user.id}")
    assert response.status_code == 403
    assert Membership.objects.filter(group=group, user=staff_user).exists()


def test_remove_member_of_a_private_group_is_404_for_outsiders(other_api, user, private_group):
    response = other_api.delete(f"/api/v1/groups/{private_group.slug}/members/{user.id}")
    assert response.status_code == 404
    assert Membership.objects.filter(group=private_group, user=user).exists()


def test_remove_someone_who_is_not_a_member_is_404(api, group, other_user):
    response = api.delete(f"/api/v1/groups/{group.slug}/members/{other_user.id}")
    assert response.status_code == 404


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
    assert not Group.objects.exists()


def test_session_writes_with_the_csrf_token_succeed(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/api/v1/docs")  # sets the CSRF cookie, as any page does
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/groups", {"name": "Urgences"},
                           content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_token_writes_need_no_csrf_token(user):
    _token, secret = account_services.create_api_token(user=user, name="bot")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    response = client.post("/api/v1/groups", {"name": "Urgences"},
                           content_type="application/json")
    assert response.status_code == 201


def test_join_an_archived_group_is_403(other_api, other_user, user, group):
    services.set_archived(actor=user, group=group, archived=True)
    response = other_api.post_json(f"/api/v1/groups/{group.slug}/join")
    assert response.status_code == 403 and "archived" in response.json()["detail"]
    assert not Membership.objects.filter(group=group, user=other_user).exists()
