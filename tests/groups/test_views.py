import pytest
from django.core import mail
from django.urls import reverse

from groups import services
from groups.models import Group, GroupInvitation, JoinRequest, Membership
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def detail(group):
    return reverse("groups:detail", args=[group.slug])


# --- list --------------------------------------------------------------------------------------

def test_my_groups_tab_lists_my_groups_only(member_client, other_user, group):
    services.create_group(creator=other_user, name="Radiologie")
    names = [g.name for g in member_client.get(reverse("groups:list")).context["groups"]]
    assert names == ["Cardiologie"]


def test_discover_tab_lists_public_and_private_but_not_secret(other_client, group, private_group,
                                                              secret_group):
    response = other_client.get(reverse("groups:list"), {"tab": "discover"})
    assert {g.name for g in response.context["groups"]} == {"Cardiologie", "Cadres de santé"}
    assert b"Cellule de crise" not in response.content


def test_group_search_answers_htmx_with_cards_only(member_client, group, private_group):
    response = member_client.get(reverse("groups:list"), {"q": "cardio"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert [g.name for g in response.context["groups"]] == ["Cardiologie"]


def test_group_list_costs_the_same_queries_for_many_groups(member_client, user,
                                                           django_assert_max_num_queries):
    for index in range(3):
        services.create_group(creator=user, name=f"Équipe {index}")
    with django_assert_max_num_queries(12) as few:
        member_client.get(reverse("groups:list"))
    for index in range(3, 25):
        services.create_group(creator=user, name=f"Équipe {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        member_client.get(reverse("groups:list"))


def test_guest_does_not_see_the_new_group_button(guest_client, shared_group):
    response = guest_client.get(reverse("groups:list"))
    assert reverse("groups:create").encode() not in response.content


# --- detail ------------------------------------------------------------------------------------

def test_member_sees_group_page_with_members(member_client, group):
    response = member_client.get(detail(group))
    assert response.status_code == 200
    assert response.context["member_count"] == 1


def test_non_member_sees_public_group_and_can_join(other_client, other_user, group):
    response = other_client.get(detail(group))
    assert response.context["can_join"]
    other_client.post(reverse("groups:join", args=[group.slug]))
    assert Membership.objects.filter(group=group, user=other_user).exists()


def test_non_member_sees_private_group_header_without_members(other_client, private_group):
    response = other_client.get(detail(private_group))
    assert response.status_code == 200
    assert response.context["can_request"]
    assert not response.context["can_see_content"]
    assert b"Camille Martin" not in response.content.split(b'<main')[1]


def test_secret_group_is_404_for_non_members_guests_and_anonymous_login(
        other_client, guest_client, anonymous_client, secret_group):
    assert other_client.get(detail(secret_group)).status_code == 404
    assert guest_client.get(detail(secret_group)).status_code == 404
    assert anonymous_client.get(detail(secret_group)).status_code == 302


def test_missing_and_hidden_groups_give_the_same_404(other_client, secret_group):
    hidden = other_client.get(detail(secret_group))
    missing = other_client.get(reverse("groups:detail", args=["no-such-group"]))
    assert hidden.status_code == missing.status_code == 404
    def main_part(response):
        return response.content.split(b"<main")[1]

    assert main_part(hidden) == main_part(missing)


def test_guest_gets_404_for_a_public_group(guest_client, group):
    assert guest_client.get(detail(group)).status_code == 404


def test_staff_sees_a_secret_group(staff_client, secret_group):
    assert staff_client.get(detail(secret_group)).status_code == 200


def test_members_page_of_private_group_is_404_for_non_members(other_client, private_group):
    assert other_client.get(reverse("groups:members", args=[private_group.slug])).status_code == 404


# --- create and edit ---------------------------------------------------------------------------

def test_create_group_makes_the_creator_owner(other_client, other_user):
    response = other_client.post(reverse("groups:create"), {
        "name": "Comité qualité", "description": "", "visibility": "private", "colour": "blue"})
    group = Group.objects.get(name="Comité qualité")
    assert response["Location"] == detail(group)
    assert Membership.objects.get(group=group, user=other_user).role == "owner"


def test_create_group_shows_errors_for_bad_input(other_client):
    response = other_client.post(reverse("groups:create"), {"name": "", "visibility": "hidden",
                                                           "colour": "blue"})
    assert response.status_code == 200
    assert {"name", "visibility"} <= set(response.context["form"].errors)
    assert not Group.objects.exists()


def test_guest_cannot_open_the_create_page(guest_client):
    assert guest_client.get(reverse("groups:create")).status_code == 403


def test_owner_edits_the_group(member_client, group):
    response = member_client.post(reverse("groups:edit", args=[group.slug]), {
        "name": "Cardiologie adulte", "description": "x", "visibility": "private",
        "colour": "red"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.visibility, group.colour) == ("Cardiologie adulte", "private", "red")


def test_plain_member_gets_403_on_edit(other_client, other_user, user, group):
    services.join_group(user=other_user, group=group)
    assert other_client.get(reverse("groups:edit", args=[group.slug])).status_code == 403


def test_outsider_gets_404_on_edit_of_secret_group(other_client, secret_group):
    assert other_client.get(reverse("groups:edit", args=[secret_group.slug])).status_code == 404


def test_archive_and_unarchive(member_client, group):
    member_client.post(reverse("groups:archive", args=[group.slug]), {"archived": "1"})
    group.refresh_from_db()
    assert group.is_archived
    member_client.post(reverse("groups:archive", args=[group.slug]), {"archived": "0"})
    group.refresh_from_db()
    assert not group.is_archived


# --- membership --------------------------------------------------------------------------------

def test_ask_to_join_then_owner_approves(other_client, member_client, other_user, private_group):
    other_client.post(reverse("groups:request_join", args=[private_group.slug]),
                      {"message": "Je remplace Mme Durand."})
    join_request = JoinRequest.objects.get(user=other_user, group=private_group)
    assert member_client.get(detail(private_group)).context["join_requests"][0] == join_request
    member_client.post(reverse("groups:decide_request", args=[private_group.slug, join_request.pk]),
                       {"decision": "approve"})
    assert Membership.objects.filter(group=private_group, user=other_user).exists()


def test_requester_can_withdraw(other_client, other_user, private_group):
    other_client.post(reverse("groups:request_join", args=[private_group.slug]), {"message": ""})
    other_client.post(reverse("groups:request_join", args=[private_group.slug]), {"cancel": "1"})
    assert JoinRequest.objects.get(user=other_user).status == JoinRequest.Status.CANCELLED


def test_member_cannot_decide_join_requests(other_client, other_user, user, private_group):
    requester = make_user("third@hopital.example", "Third Person")
    join_request = services.request_to_join(user=requester, group=private_group)
    services.add_member(actor=user, group=private_group, user=other_user)
    response = other_client.post(reverse("groups:decide_request",
                                         args=[private_group.slug, join_request.pk]),
                                 {"decision": "approve"})
    assert response.status_code == 403
    assert not Membership.objects.filter(group=private_group, user=requester).exists()


def test_last_owner_cannot_leave_and_is_told_why(member_client, user, group):
    response = member_client.post(reverse("groups:leave", args=[group.slug]), follow=True)
    assert "only owner" in response.content.decode()
    assert Membership.objects.filter(group=group, user=user).exists()


def test_member_leaves(other_client, other_user, group):
    services.join_group(user=other_user, group=group)
    other_client.post(reverse("groups:leave", args=[group.slug]))
    assert not Membership.objects.filter(group=group, user=other_user).exists()


def test_join_refuses_get(other_client, group):
    assert other_client.get(reverse("groups:join", args=[group.slug])).status_code == 405


def test_owner_promotes_and_removes_a_member(member_client, other_user, user, group):
    services.join_group(user=other_user, group=group)
    member_client.post(reverse("groups:change_role", args=[group.slug, other_user.pk]),
                       {"role": "admin"})
    assert Membership.objects.get(group=group, user=other_user).role == "admin"
    member_client.post(reverse("groups:remove_member", args=[group.slug, other_user.pk]))
    assert not Membership.objects.filter(group=group, user=other_user).exists()


def test_change_role_rejects_an_unknown_role(member_client, other_user, group):
    services.join_group(user=other_user, group=group)
    response = member_client.post(reverse("groups:change_role", args=[group.slug, other_user.pk]),
                                  {"role": "emperor"}, follow=True)
    assert "valid role" in response.content.decode()
    assert Membership.objects.get(group=group, user=other_user).role == "member"


def test_member_cannot_remove_others(other_client, other_user, user, group):
    services.join_group(user=other_user, group=group)
    response = other_client.post(reverse("groups:remove_member", args=[group.slug, user.pk]))
    assert response.status_code == 403


# --- invitations -------------------------------------------------------------------------------

def test_invite_page_finds_colleagues_who_are_not_members(member_client, other_user, group):
    response = member_client.get(reverse("groups:invite", args=[group.slug]), {"q": "hugo"},
                                 HTTP_HX_REQUEST="true")
    assert [p.display_name for p in response.context["candidates"]] == ["Hugo Bernard"]


def test_invite_adds_an_existing_colleague(member_client, other_user, group):
    member_client.post(reverse("groups:invite", args=[group.slug]), {"user_id": other_user.pk})
    assert Membership.objects.filter(group=group, user=other_user).exists()


def test_invite_by_email_sends_an_invitation(staff_client, group, staff_user, user,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("groups:invite", args=[group.slug]),
                                     {"email": "new.nurse@hopital.example", "role": "member"})
    assert response.status_code == 302
    assert GroupInvitation.objects.filter(group=group, email="new.nurse@hopital.example").exists()
    assert mail.outbox[0].to == ["new.nurse@hopital.example"]


def test_invite_by_email_shows_a_form_error_for_a_bad_address(member_client, group):
    response = member_client.post(reverse("groups:invite", args=[group.slug]),
                                  {"email": "not-an-email", "role": "member"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors


def test_invite_page_is_403_for_plain_members_and_404_for_outsiders_of_secret_groups(
        other_client, other_user, group, secret_group):
    services.join_group(user=other_user, group=group)
    assert other_client.get(reverse("groups:invite", args=[group.slug])).status_code == 403
    assert other_client.get(reverse("groups:invite", args=[secret_group.slug])).status_code == 404


def test_guest_option_is_offered_only_in_groups_open_to_guests(member_client, group, shared_group):
    assert "as_guest" not in member_client.get(
        reverse("groups:invite", args=[group.slug])).context["form"].fields
    assert "as_guest" in member_client.get(
        reverse("groups:invite", args=[shared_group.slug])).context["form"].fields


def test_guests_are_not_offered_for_groups_closed_to_guests(member_client, guest, shared_group,
                                                          group):
    closed = member_client.get(reverse("groups:invite", args=[group.slug]), {"q": "victor"})
    assert list(closed.context["candidates"]) == []
    open_group = services.create_group(creator=group.created_by, name="Ouvert",
                                       allow_guests=True)
    offered = member_client.get(reverse("groups:invite", args=[open_group.slug]), {"q": "victor"})
    assert [p.display_name for p in offered.context["candidates"]] == ["Victor Vendor"]


def test_changing_a_role_says_the_new_role(member_client, other_user, group):
    services.join_group(user=other_user, group=group)
    response = member_client.post(reverse("groups:change_role", args=[group.slug, other_user.pk]),
                                  {"role": "admin"}, follow=True)
    assert "Hugo Bernard is now admin." in response.content.decode()
