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


# --- every page, every kind of visitor -----------------------------------------------------------

def page_urls(group):
    return [reverse("groups:list"), reverse("groups:create"), detail(group),
            reverse("groups:edit", args=[group.slug]), reverse("groups:members", args=[group.slug]),
            reverse("groups:invite", args=[group.slug]),
            reverse("groups:request_join", args=[group.slug])]


def post_only_urls(group, user_id, request_id=1):
    return [reverse("groups:join", args=[group.slug]), reverse("groups:leave", args=[group.slug]),
            reverse("groups:archive", args=[group.slug]),
            reverse("groups:decide_request", args=[group.slug, request_id]),
            reverse("groups:change_role", args=[group.slug, user_id]),
            reverse("groups:remove_member", args=[group.slug, user_id])]


def test_anonymous_visitors_are_sent_to_the_login_page(anonymous_client, user, group):
    for url in page_urls(group) + post_only_urls(group, user.pk):
        response = anonymous_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
        assert anonymous_client.post(url).status_code == 302, url
    assert Group.objects.get().name == "Cardiologie"


def test_post_only_endpoints_refuse_get(member_client, user, group):
    for url in post_only_urls(group, user.pk):
        assert member_client.get(url).status_code == 405, url


def test_every_page_and_action_of_a_secret_group_is_404_from_outside(other_client, guest_client,
                                                                     user, secret_group):
    join_request_id = JoinRequest.objects.create(group=secret_group, user=user).pk
    for client in (other_client, guest_client):
        for url in page_urls(secret_group)[2:]:
            assert client.get(url).status_code == 404, url
        for url in post_only_urls(secret_group, user.pk, join_request_id):
            assert client.post(url, {"role": "member", "decision": "approve"}).status_code == 404
    assert Membership.objects.get(group=secret_group).role == "owner"


def test_actions_on_members_of_a_private_group_are_404_for_outsiders(other_client, user,
                                                                     private_group):
    for name in ("groups:change_role", "groups:remove_member"):
        response = other_client.post(reverse(name, args=[private_group.slug, user.pk]),
                                     {"role": "member"})
        assert response.status_code == 404


def test_staff_manages_any_group(staff_client, secret_group):
    assert staff_client.get(reverse("groups:edit", args=[secret_group.slug])).status_code == 200
    assert staff_client.get(reverse("groups:invite", args=[secret_group.slug])).status_code == 200


def test_guest_sees_the_shared_group_and_its_members(guest_client, shared_group):
    assert guest_client.get(detail(shared_group)).status_code == 200
    response = guest_client.get(reverse("groups:members", args=[shared_group.slug]))
    assert "Camille Martin" in response.content.decode()
    assert guest_client.get(reverse("groups:edit", args=[shared_group.slug])).status_code == 403


# --- list, more --------------------------------------------------------------------------------

def test_empty_my_groups_tab_points_to_discover(other_client, group):
    content = other_client.get(reverse("groups:list")).content.decode()
    assert "You are not in any group yet." in content and "?tab=discover" in content


def test_search_without_match_says_so(member_client, group):
    response = member_client.get(reverse("groups:list"), {"q": "zzz"}, HTTP_HX_REQUEST="true")
    assert "No groups match “zzz”." in response.content.decode()


def test_archived_tab_appears_only_when_there_are_archived_groups(member_client, user, group):
    assert "?tab=archived" not in member_client.get(reverse("groups:list")).content.decode()
    services.set_archived(actor=user, group=group, archived=True)
    response = member_client.get(reverse("groups:list"))
    assert "?tab=archived" in response.content.decode()
    assert list(response.context["groups"]) == []
    archived = member_client.get(reverse("groups:list"), {"tab": "archived"})
    assert [g.name for g in archived.context["groups"]] == ["Cardiologie"]


def test_discover_cards_offer_join_ask_or_show_a_pending_request(other_client, other_user, group,
                                                                 private_group):
    second_private = services.create_group(creator=group.created_by, name="Bloc opératoire",
                                           visibility="private")
    services.request_to_join(user=other_user, group=second_private)
    content = other_client.get(reverse("groups:list"), {"tab": "discover"}).content.decode()
    assert reverse("groups:join", args=[group.slug]) in content
    assert f'{detail(private_group)}#ask-to-join' in content
    assert "Request sent" in content


def test_group_cards_show_member_count_visibility_and_my_role(member_client, other_user, group):
    services.join_group(user=other_user, group=group)
    content = member_client.get(reverse("groups:list")).content.decode()
    assert "2 members" in content and "Public" in content and "Owner" in content


# --- detail, more ------------------------------------------------------------------------------

def test_group_page_loads_its_posts_with_an_empty_state(member_client, group):
    content = member_client.get(detail(group)).content.decode()
    posts_url = reverse("feed:group_posts", args=[group.slug])
    assert f'hx-get="{posts_url}"' in content
    fragment = member_client.get(posts_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Nothing has been posted in this group yet." in fragment


def test_private_group_page_offers_ask_to_join_and_hides_the_members_link(other_client,
                                                                          private_group):
    content = other_client.get(detail(private_group)).content.decode()
    assert reverse("groups:request_join", args=[private_group.slug]) in content
    assert reverse("groups:members", args=[private_group.slug]) not in content
    assert "Nothing has been posted" not in content


def test_manager_sees_pending_requests_with_approve_and_deny(member_client, other_user,
                                                             private_group):
    services.request_to_join(user=other_user, group=private_group, message="Nouvelle cadre")
    content = member_client.get(detail(private_group)).content.decode()
    assert "Hugo Bernard" in content and "Nouvelle cadre" in content
    assert 'value="approve"' in content and 'value="deny"' in content


def test_plain_member_sees_leave_but_no_management_buttons(other_client, other_user, group):
    services.join_group(user=other_user, group=group)
    content = other_client.get(detail(group)).content.decode()
    assert reverse("groups:leave", args=[group.slug]) in content
    assert reverse("groups:edit", args=[group.slug]) not in content
    assert reverse("groups:invite", args=[group.slug]) not in content


def test_ask_to_join_page_shows_the_message_form(other_client, private_group):
    response = other_client.get(reverse("groups:request_join", args=[private_group.slug]))
    assert response.status_code == 200
    assert "message" in response.context["join_form"].fields


def test_too_long_join_message_is_a_form_error(other_client, other_user, private_group):
    response = other_client.post(reverse("groups:request_join", args=[private_group.slug]),
                                 {"message": "x" * 1001})
    assert response.status_code == 200
    assert "message" in response.context["join_form"].errors
    assert not JoinRequest.objects.filter(user=other_user).exists()


def test_asking_to_join_a_public_group_is_explained_not_a_crash(other_client, group):
    response = other_client.post(reverse("groups:request_join", args=[group.slug]),
                                 {"message": ""}, follow=True)
    assert "join it directly" in response.content.decode()


def test_joining_a_private_group_is_refused_with_a_message(other_client, other_user,
                                                           private_group):
    response = other_client.post(reverse("groups:join", args=[private_group.slug]), follow=True)
    assert response.status_code == 200
    assert "ask to join instead" in response.content.decode()
    assert not Membership.objects.filter(group=private_group, user=other_user).exists()


def test_guest_cannot_join_a_public_group_they_cannot_see(guest_client, guest, group):
    assert guest_client.post(reverse("groups:join", args=[group.slug])).status_code == 404


def test_joining_welcomes_the_new_member(other_client, group):
    response = other_client.post(reverse("groups:join", args=[group.slug]), follow=True)
    assert "Welcome to Cardiologie!" in response.content.decode()


def test_deny_a_request_and_tell_the_manager(member_client, other_user, private_group):
    join_request = services.request_to_join(user=other_user, group=private_group)
    response = member_client.post(
        reverse("groups:decide_request", args=[private_group.slug, join_request.pk]),
        {"decision": "deny"}, follow=True)
    assert "declined" in response.content.decode()
    assert not Membership.objects.filter(group=private_group, user=other_user).exists()


def test_decision_must_be_approve_or_deny(member_client, other_user, private_group):
    join_request = services.request_to_join(user=other_user, group=private_group)
    member_client.post(reverse("groups:decide_request", args=[private_group.slug, join_request.pk]),
                       {"decision": "maybe"})
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_answering_a_request_twice_is_a_message_not_a_crash(member_client, other_user,
                                                            private_group):
    join_request = services.request_to_join(user=other_user, group=private_group)
    url = reverse("groups:decide_request", args=[private_group.slug, join_request.pk])
    member_client.post(url, {"decision": "approve"})
    response = member_client.post(url, {"decision": "deny"}, follow=True)
    assert "already been answered" in response.content.decode()


def test_request_of_another_group_is_404(member_client, user, other_user, private_group):
    elsewhere = services.create_group(creator=user, name="Autre", visibility="private")
    join_request = services.request_to_join(user=other_user, group=elsewhere)
    response = member_client.post(
        reverse("groups:decide_request", args=[private_group.slug, join_request.pk]),
        {"decision": "approve"})
    assert response.status_code == 404


# --- create, edit, archive, more ---------------------------------------------------------------

def test_create_page_offers_visibility_cards_and_labelled_colours(member_client):
    content = member_client.get(reverse("groups:create")).content.decode()
    assert content.count('class="choice"') == 3
    assert "only members see the content" in content
    assert content.count('class="swatch"') == len(Group.Colour.choices) and "Indigo" in content


def test_create_group_rejects_an_unknown_colour(member_client):
    response = member_client.post(reverse("groups:create"), {
        "name": "Labo", "visibility": "public", "colour": "gold"})
    assert "colour" in response.context["form"].errors
    assert "Labo" not in set(Group.objects.values_list("name", flat=True))


def test_service_errors_land_on_the_right_field(staff_client, staff_user):
    all_staff = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    response = staff_client.post(reverse("groups:edit", args=[all_staff.slug]), {
        "name": "Tous", "visibility": "secret", "colour": "teal"})
    assert response.status_code == 200
    assert "cannot be secret" in response.context["form"].errors["visibility"][0]


def test_edit_form_starts_with_the_current_settings(member_client, group):
    form = member_client.get(reverse("groups:edit", args=[group.slug])).context["form"]
    assert form["name"].value() == "Cardiologie" and form["visibility"].value() == "public"


def test_plain_member_gets_403_on_edit_post_and_nothing_changes(other_client, other_user, group):
    services.join_group(user=other_user, group=group)
    response = other_client.post(reverse("groups:edit", args=[group.slug]), {
        "name": "Pris", "visibility": "public", "colour": "teal"})
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.name == "Cardiologie"


def test_plain_member_gets_403_on_archive(other_client, other_user, group):
    services.join_group(user=other_user, group=group)
    assert other_client.post(reverse("groups:archive", args=[group.slug])).status_code == 403
    group.refresh_from_db()
    assert not group.is_archived


def test_archiving_the_all_staff_group_is_explained(staff_client, staff_user):
    all_staff = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    response = staff_client.post(reverse("groups:archive", args=[all_staff.slug]), follow=True)
    assert "cannot be archived" in response.content.decode()


def test_archived_group_page_shows_a_banner(member_client, user, group):
    services.set_archived(actor=user, group=group, archived=True)
    assert "This group is archived" in member_client.get(detail(group)).content.decode()


# --- members, more -----------------------------------------------------------------------------

def test_members_search_answers_htmx_with_rows_only(member_client, other_user, group):
    services.join_group(user=other_user, group=group)
    response = member_client.get(reverse("groups:members", args=[group.slug]), {"q": "hugo"},
                                 HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert [m.user.display_name for m in response.context["members"]] == ["Hugo Bernard"]


def test_members_table_marks_guests(member_client, shared_group):
    content = member_client.get(reverse("groups:members", args=[shared_group.slug])).content
    assert "Victor Vendor" in content.decode() and 'tag-guest">Guest' in content.decode()


def test_plain_member_sees_the_table_without_controls(other_client, other_user, group):
    services.join_group(user=other_user, group=group)
    content = other_client.get(reverse("groups:members", args=[group.slug])).content.decode()
    assert "<select" not in content
    assert reverse("groups:remove_member", args=[group.slug, other_user.pk]) not in content


def test_group_admin_making_an_owner_is_told_why_not(other_client, other_user, user, group):
    services.add_member(actor=user, group=group, user=other_user, role="admin")
    third = make_user("third@hopital.example", "Third Person")
    services.join_group(user=third, group=group)
    response = other_client.post(reverse("groups:change_role", args=[group.slug, third.pk]),
                                 {"role": "owner"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("groups:members", args=[group.slug])
    assert "Only owners" in response.content.decode()
    assert Membership.objects.get(group=group, user=third).role == "member"


def test_group_admin_removing_an_owner_is_told_why_not(other_client, other_user, user, group):
    services.add_member(actor=user, group=group, user=other_user, role="admin")
    response = other_client.post(reverse("groups:remove_member", args=[group.slug, user.pk]),
                                 follow=True)
    assert "Only owners can remove an owner." in response.content.decode()
    assert Membership.objects.filter(group=group, user=user).exists()


def test_plain_member_gets_403_on_change_role(other_client, other_user, user, group):
    services.join_group(user=other_user, group=group)
    response = other_client.post(reverse("groups:change_role", args=[group.slug, user.pk]),
                                 {"role": "member"})
    assert response.status_code == 403


def test_member_can_remove_themselves(other_client, other_user, group):
    services.join_group(user=other_user, group=group)
    other_client.post(reverse("groups:remove_member", args=[group.slug, other_user.pk]))
    assert not Membership.objects.filter(group=group, user=other_user).exists()


# --- invite, more ------------------------------------------------------------------------------

def test_adding_a_colleague_says_who_was_added(member_client, other_user, group):
    response = member_client.post(reverse("groups:invite", args=[group.slug]),
                                  {"user_id": other_user.pk}, follow=True)
    assert "Hugo Bernard was added" in response.content.decode()


def test_adding_a_nonsense_person_is_404_not_a_crash(member_client, group):
    for user_id in ("abc", "999999", ""):
        response = member_client.post(reverse("groups:invite", args=[group.slug]),
                                      {"user_id": user_id})
        assert response.status_code == 404


def test_invite_by_email_says_an_invitation_was_sent(staff_client, group):
    response = staff_client.post(reverse("groups:invite", args=[group.slug]),
                                 {"email": "x@hopital.example", "role": "member"}, follow=True)
    assert "An invitation was sent to x@hopital.example" in response.content.decode()
    assert "x@hopital.example" in response.content.decode().split("Waiting for an account")[1]


def test_inviting_staff_from_outside_the_domains_is_a_form_error(member_client, group):
    response = member_client.post(reverse("groups:invite", args=[group.slug]),
                                  {"email": "someone@gmail.example", "role": "member"})
    assert response.status_code == 400
    assert "Invite this person as a guest" in " ".join(response.context["form"].non_field_errors())
    assert not GroupInvitation.objects.exists()


def test_inviting_into_an_archived_group_is_explained(member_client, user, other_user, group):
    services.set_archived(actor=user, group=group, archived=True)
    response = member_client.post(reverse("groups:invite", args=[group.slug]),
                                  {"user_id": other_user.pk}, follow=True)
    assert "archived" in response.content.decode()
    assert not Membership.objects.filter(group=group, user=other_user).exists()


def test_inviting_a_guest_by_email_into_a_shared_group(member_client, shared_group):
    response = member_client.post(reverse("groups:invite", args=[shared_group.slug]),
                                  {"email": "new@vendor.example", "role": "member",
                                   "as_guest": "on"})
    assert response.status_code == 302
    assert GroupInvitation.objects.filter(group=shared_group, email="new@vendor.example").exists()


def test_invite_search_leaves_out_current_members(member_client, user, other_user, group):
    services.join_group(user=other_user, group=group)
    response = member_client.get(reverse("groups:invite", args=[group.slug]), {"q": "hopital"},
                                 HTTP_HX_REQUEST="true")
    assert list(response.context["candidates"]) == []
    assert "Nobody outside the group matches" in response.content.decode()
