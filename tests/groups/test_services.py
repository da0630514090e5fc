import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Invitation, User
from groups import services
from groups.models import Group, GroupInvitation, JoinRequest, Membership
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def role_of(person, group):
    membership = Membership.objects.filter(group=group, user=person).first()
    return membership.role if membership else None


# --- create, update, archive ---------------------------------------------------------------------

def test_create_group_makes_the_creator_owner_and_announces_it(user, sent_events):
    with sent_events.after_commit():
        group = services.create_group(creator=user, name="Urgences")
    assert role_of(user, group) == "owner"
    assert sent_events.streams("membership.changed") == {f"user.{user.id}", f"group.{group.id}"}
    assert sent_events.streams("group.updated") == {"org"}


def test_creating_a_secret_group_tells_nobody_outside(user, sent_events):
    with sent_events.after_commit():
        services.create_group(creator=user, name="Enquête RH", visibility="secret")
    assert sent_events.of_type("group.updated") == []


def test_create_group_fails_if_user_is_a_guest(guest):
    with pytest.raises(PermissionDenied):
        services.create_group(creator=guest, name="Vendor club")


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_create_group_rejects_bad_names(user, name):
    with pytest.raises(ValidationError) as error:
        services.create_group(creator=user, name=name)
    assert "name" in error.value.message_dict


def test_create_group_rejects_unknown_visibility_and_colour(user):
    with pytest.raises(ValidationError) as error:
        services.create_group(creator=user, name="X", visibility="hidden", colour="gold")
    assert {"visibility", "colour"} <= set(error.value.message_dict)


def test_slugs_stay_unique(user):
    first = services.create_group(creator=user, name="Pharmacie")
    second = services.create_group(creator=user, name="Pharmacie")
    assert (first.slug, second.slug) == ("pharmacie", "pharmacie-2")


def test_only_organisation_admins_create_the_all_staff_group(user, staff_user, other_user, guest):
    with pytest.raises(PermissionDenied):
        services.create_group(creator=user, name="Tous", is_all_staff=True)
    group = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    assert role_of(other_user, group) == "member"
    assert role_of(user, group) == "member"
    assert role_of(guest, group) is None


def test_update_group_requires_a_manager(user, other_user, group):
    services.join_group(user=other_user, group=group)
    with pytest.raises(PermissionDenied):
        services.update_group(actor=other_user, group=group, name="Mine now")


def test_visibility_change_is_announced_to_the_organisation_unless_secret(user, group,
                                                                          sent_events):
    with sent_events.after_commit():
        services.update_group(actor=user, group=group, visibility="private")
    assert sent_events.streams("group.updated") == {f"group.{group.id}", "org"}
    sent_events.events.clear()
    with sent_events.after_commit():
        services.update_group(actor=user, group=group, visibility="secret")
    assert sent_events.streams("group.updated") == {f"group.{group.id}"}


def test_closing_a_group_to_guests_tells_its_guests_directly(user, guest, shared_group,
                                                            sent_events):
    with sent_events.after_commit():
        services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert f"user.{guest.id}" in sent_events.streams("group.updated")


def test_update_group_without_changes_sends_nothing(user, group, sent_events):
    with sent_events.after_commit():
        services.update_group(actor=user, group=group, name="Cardiologie")
    assert len(sent_events) == 0


def test_all_staff_group_cannot_become_secret_or_be_archived(staff_user):
    group = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    with pytest.raises(ValidationError):
        services.update_group(actor=staff_user, group=group, visibility="secret")
    with pytest.raises(PermissionDenied):
        services.set_archived(actor=staff_user, group=group, archived=True)


def test_archived_group_refuses_new_members(user, other_user, group):
    services.set_archived(actor=user, group=group, archived=True)
    with pytest.raises(PermissionDenied):
        services.add_member(actor=user, group=group, user=other_user)
    with pytest.raises(PermissionDenied):
        services.join_group(user=other_user, group=group)


# --- membership ----------------------------------------------------------------------------------

def test_join_group_only_for_public_groups(other_user, group, private_group):
    services.join_group(user=other_user, group=group)
    assert role_of(other_user, group) == "member"
    with pytest.raises(PermissionDenied):
        services.join_group(user=other_user, group=private_group)


def test_joining_twice_is_a_clear_error(other_user, group):
    services.join_group(user=other_user, group=group)
    with pytest.raises(ValidationError, match="already a member"):
        services.join_group(user=other_user, group=group)


def test_guest_cannot_join_a_public_group(guest, group):
    with pytest.raises(PermissionDenied):
        services.join_group(user=guest, group=group)


def test_guest_can_only_be_added_to_groups_open_to_guests(user, guest, group):
    with pytest.raises(ValidationError, match="not open to guests"):
        services.add_member(actor=user, group=group, user=guest)


def test_plain_member_cannot_add_people(user, other_user, guest, group):
    services.join_group(user=other_user, group=group)
    third = make_user("third@hopital.example", "Third")
    with pytest.raises(PermissionDenied):
        services.add_member(actor=other_user, group=group, user=third)


def test_only_owners_make_owners(user, other_user, group):
    admin = make_user("admin2@hopital.example", "Second Admin")
    services.add_member(actor=user, group=group, user=admin, role="admin")
    with pytest.raises(PermissionDenied):
        services.add_member(actor=admin, group=group, user=other_user, role="owner")
    services.add_member(actor=user, group=group, user=other_user, role="owner")
    assert role_of(other_user, group) == "owner"


def test_admin_cannot_remove_an_owner(user, group):
    admin = make_user("admin2@hopital.example", "Second Admin")
    services.add_member(actor=user, group=group, user=admin, role="admin")
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=admin, group=group, user=user)


def test_the_last_owner_cannot_leave_or_be_demoted(user, group, staff_user):
    with pytest.raises(ValidationError, match="only owner"):
        services.leave_group(user=user, group=group)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.change_role(actor=staff_user, group=group, user=user, role="member")


def test_owner_can_leave_once_there_is_another_owner(user, other_user, group):
    services.add_member(actor=user, group=group, user=other_user, role="owner")
    services.leave_group(user=user, group=group)
    assert role_of(user, group) is None


def test_staff_cannot_leave_or_be_removed_from_the_all_staff_group(staff_user, user):
    group = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    with pytest.raises(PermissionDenied):
        services.leave_group(user=user, group=group)
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=staff_user, group=group, user=user)


def test_removing_a_member_announces_it_to_them_and_the_group(user, other_user, group,
                                                              sent_events):
    services.join_group(user=other_user, group=group)
    with sent_events.after_commit():
        services.remove_member(actor=user, group=group, user=other_user)
    event = sent_events.of_type("membership.changed")[0]
    assert event["data"]["action"] == "removed" and event["data"]["user_id"] == other_user.id
    assert sent_events.streams("membership.changed") == {f"user.{other_user.id}",
                                                         f"group.{group.id}"}


def test_guests_can_only_be_members(user, guest, shared_group):
    with pytest.raises(ValidationError):
        services.change_role(actor=user, group=shared_group, user=guest, role="admin")


def test_change_role_rejects_unknown_roles(user, other_user, group):
    services.join_group(user=other_user, group=group)
    with pytest.raises(ValidationError):
        services.change_role(actor=user, group=group, user=other_user, role="emperor")


def test_no_event_leaves_when_the_transaction_rolls_back(user, other_user, group, sent_events):
    with sent_events.after_commit(), pytest.raises(RuntimeError), transaction.atomic():
        services.join_group(user=other_user, group=group)
        raise RuntimeError("boom")
    assert len(sent_events) == 0
    assert role_of(other_user, group) is None


# --- join requests -----------------------------------------------------------------------------

def test_join_request_reaches_the_managers_and_can_be_approved(user, other_user, private_group,
                                                               sent_events):
    with sent_events.after_commit():
        join_request = services.request_to_join(user=other_user, group=private_group,
                                                message="Nouvelle cadre")
    assert sent_events.streams("group.join_requested") == {f"user.{user.id}"}
    services.decide_join_request(actor=user, join_request=join_request, approve=True)
    assert role_of(other_user, private_group) == "member"
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    with pytest.raises(ValidationError, match="already been answered"):
        services.decide_join_request(actor=user, join_request=join_request, approve=False)


def test_denied_request_adds_nobody(user, other_user, private_group):
    join_request = services.request_to_join(user=other_user, group=private_group)
    services.decide_join_request(actor=user, join_request=join_request, approve=False)
    assert role_of(other_user, private_group) is None


def test_only_one_pending_request_and_none_for_public_groups(other_user, private_group, group):
    services.request_to_join(user=other_user, group=private_group)
    with pytest.raises(ValidationError, match="already asked"):
        services.request_to_join(user=other_user, group=private_group)
    with pytest.raises(ValidationError, match="public"):
        services.request_to_join(user=other_user, group=group)


def test_members_cannot_decide_requests(user, other_user, private_group):
    third = make_user("third@hopital.example", "Third")
    services.add_member(actor=user, group=private_group, user=other_user)
    join_request = services.request_to_join(user=third, group=private_group)
    with pytest.raises(PermissionDenied):
        services.decide_join_request(actor=other_user, join_request=join_request, approve=True)


# --- invitations -------------------------------------------------------------------------------

def test_inviting_an_existing_account_adds_it(user, other_user, group):
    services.invite(actor=user, group=group, email="HUGO.bernard@hopital.example")
    assert role_of(other_user, group) == "member"


def test_inviting_a_new_address_sends_an_email_and_keeps_a_seat(
        staff_user, group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seat = services.invite(actor=staff_user, group=group, email="new@hopital.example",
                               role="admin")
    assert isinstance(seat, GroupInvitation) and seat.role == "admin"
    assert Invitation.objects.get(email="new@hopital.example").kind == User.Kind.MEMBER
    assert "/invitation/" in mail.outbox[0].body


def test_group_owner_can_invite_staff_only_within_the_organisation_domains(user, group, settings):
    with pytest.raises(PermissionDenied):
        services.invite(actor=user, group=group, email="someone@gmail.example")
    settings.RELAIS_SIGNUP_DOMAINS = ["hopital.example"]
    services.invite(actor=user, group=group, email="someone@hopital.example")


def test_guest_invitations_need_a_group_open_to_guests(user, group, shared_group):
    with pytest.raises(ValidationError):
        services.invite(actor=user, group=group, email="v@vendor.example", as_guest=True)
    services.invite(actor=user, group=shared_group, email="v@vendor.example", as_guest=True)
    assert Invitation.objects.get(email="v@vendor.example").kind == User.Kind.GUEST


def test_the_same_address_is_not_invited_twice(staff_user, group):
    services.invite(actor=staff_user, group=group, email="twice@hopital.example")
    with pytest.raises(ValidationError, match="already been invited"):
        services.invite(actor=staff_user, group=group, email="Twice@hopital.example")


def test_new_accounts_join_all_staff_and_take_their_seats(staff_user, group):
    all_staff = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    services.invite(actor=staff_user, group=group, email="seat@hopital.example", role="admin")
    newcomer = make_user("seat@hopital.example", "New Comer")
    assert role_of(newcomer, all_staff) == "member"
    assert role_of(newcomer, group) == "admin"
    assert GroupInvitation.objects.get(email="seat@hopital.example").accepted_at is not None


def test_new_guests_never_join_all_staff(staff_user, user, shared_group):
    all_staff = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    services.invite(actor=user, group=shared_group, email="g@vendor.example", as_guest=True)
    newcomer = make_user("g@vendor.example", "Guest Two", kind=User.Kind.GUEST)
    assert role_of(newcomer, all_staff) is None
    assert role_of(newcomer, shared_group) == "member"
    assert not Group.objects.filter(memberships__user=newcomer).exclude(pk=shared_group.pk).exists()


# --- more rules, from both sides -----------------------------------------------------------------

@pytest.mark.parametrize("visibility", ["public", "private"])
def test_creating_a_listed_group_is_announced_to_the_organisation(user, visibility, sent_events):
    with sent_events.after_commit():
        group = services.create_group(creator=user, name="Urgences", visibility=visibility)
    [event] = sent_events.of_type("group.updated")
    assert event["stream"] == "org"
    assert event["data"]["changed"] == ["created"] and event["data"]["group"]["id"] == group.id


def test_all_staff_group_leaves_out_deactivated_accounts(staff_user, inactive_user):
    group = services.create_group(creator=staff_user, name="Tous", is_all_staff=True)
    assert role_of(inactive_user, group) is None


def test_renaming_a_group_is_told_to_the_group_only(user, group, sent_events):
    with sent_events.after_commit():
        services.update_group(actor=user, group=group, name="Cardiologie adulte")
    assert sent_events.streams("group.updated") == {f"group.{group.id}"}
    assert sent_events.of_type("group.updated")[0]["data"]["changed"] == ["name"]


def test_update_group_rejects_a_blank_name_and_keeps_the_old_one(user, group):
    with pytest.raises(ValidationError) as error:
        services.update_group(actor=user, group=group, name="  ")
    assert "name" in error.value.message_dict
    group.refresh_from_db()
    assert group.name == "Cardiologie"


def test_archiving_is_for_managers_and_is_announced_to_the_group(user, other_user, group,
                                                                 sent_events):
    services.join_group(user=other_user, group=group)
    with pytest.raises(PermissionDenied):
        services.set_archived(actor=other_user, group=group, archived=True)
    with sent_events.after_commit():
        services.set_archived(actor=user, group=group, archived=True)
    assert group.is_archived
    assert sent_events.of_type("group.updated")[0]["data"]["group"]["archived"] is True
    services.set_archived(actor=user, group=group, archived=False)
    group.refresh_from_db()
    assert not group.is_archived


def test_group_admin_can_add_a_member_and_it_is_announced(user, other_user, group, sent_events):
    admin = make_user("admin2@hopital.example", "Second Admin")
    services.add_member(actor=user, group=group, user=admin, role="admin")
    with sent_events.after_commit():
        services.add_member(actor=admin, group=group, user=other_user)
    assert role_of(other_user, group) == "member"
    assert sent_events.streams("membership.changed") == {f"user.{other_user.id}",
                                                         f"group.{group.id}"}


def test_add_member_refuses_to_make_a_guest_an_admin(user, guest, shared_group):
    services.remove_member(actor=user, group=shared_group, user=guest)
    with pytest.raises(ValidationError):
        services.add_member(actor=user, group=shared_group, user=guest, role="admin")
    assert role_of(guest, shared_group) is None


def test_add_member_refuses_a_deactivated_account(user, inactive_user, group):
    with pytest.raises(ValidationError):
        services.add_member(actor=user, group=group, user=inactive_user)


def test_organisation_admin_cannot_remove_the_last_owner(user, staff_user, group):
    with pytest.raises(ValidationError, match="at least one owner"):
        services.remove_member(actor=staff_user, group=group, user=user)
    assert role_of(user, group) == "owner"


def test_owner_removes_another_owner(user, other_user, group):
    services.add_member(actor=user, group=group, user=other_user, role="owner")
    services.remove_member(actor=user, group=group, user=other_user)
    assert role_of(other_user, group) is None


def test_guest_can_leave_a_shared_group(user, guest, shared_group):
    services.leave_group(user=guest, group=shared_group)
    assert role_of(guest, shared_group) is None


def test_leaving_a_group_one_is_not_in_is_a_clear_error(other_user, group):
    with pytest.raises(ValidationError, match="not a member"):
        services.leave_group(user=other_user, group=group)


def test_group_admin_can_neither_grant_nor_take_away_ownership(user, other_user, group):
    admin = make_user("admin2@hopital.example", "Second Admin")
    services.add_member(actor=user, group=group, user=admin, role="admin")
    services.join_group(user=other_user, group=group)
    with pytest.raises(PermissionDenied):
        services.change_role(actor=admin, group=group, user=other_user, role="owner")
    with pytest.raises(PermissionDenied):
        services.change_role(actor=admin, group=group, user=user, role="member")
    services.change_role(actor=admin, group=group, user=other_user, role="admin")
    assert role_of(other_user, group) == "admin"


def test_owner_grants_and_takes_back_ownership_and_it_is_announced(user, other_user, group,
                                                                  sent_events):
    services.join_group(user=other_user, group=group)
    with sent_events.after_commit():
        services.change_role(actor=user, group=group, user=other_user, role="owner")
    event = sent_events.of_type("membership.changed")[0]["data"]
    assert (event["action"], event["role"]) == ("role_changed", "owner")
    services.change_role(actor=user, group=group, user=other_user, role="member")
    assert role_of(other_user, group) == "member"


def test_plain_member_cannot_change_roles(user, other_user, group):
    services.join_group(user=other_user, group=group)
    with pytest.raises(PermissionDenied):
        services.change_role(actor=other_user, group=group, user=user, role="member")


def test_join_request_reaches_owners_and_admins_but_not_plain_members(user, other_user,
                                                                      private_group, sent_events):
    admin = make_user("admin2@hopital.example", "Second Admin")
    services.add_member(actor=user, group=private_group, user=admin, role="admin")
    services.add_member(actor=user, group=private_group, user=other_user)
    requester = make_user("third@hopital.example", "Third Person")
    with sent_events.after_commit():
        services.request_to_join(user=requester, group=private_group)
    assert sent_events.streams("group.join_requested") == {f"user.{user.id}", f"user.{admin.id}"}


def test_guests_and_archived_groups_take_no_join_requests(user, other_user, guest, private_group):
    with pytest.raises(PermissionDenied):
        services.request_to_join(user=guest, group=private_group)
    services.set_archived(actor=user, group=private_group, archived=True)
    with pytest.raises(PermissionDenied, match="archived"):
        services.request_to_join(user=other_user, group=private_group)


def test_cancelled_request_frees_the_way_for_a_new_one(other_user, private_group):
    services.request_to_join(user=other_user, group=private_group)
    services.cancel_join_request(user=other_user, group=private_group)
    assert JoinRequest.objects.get(user=other_user).status == JoinRequest.Status.CANCELLED
    services.request_to_join(user=other_user, group=private_group, message="Encore")
    assert JoinRequest.objects.filter(user=other_user, status="pending").count() == 1


def test_approving_into_an_archived_group_fails_and_adds_nobody(user, other_user, private_group):
    join_request = services.request_to_join(user=other_user, group=private_group)
    services.set_archived(actor=user, group=private_group, archived=True)
    with pytest.raises(PermissionDenied):
        services.decide_join_request(actor=user, join_request=join_request, approve=True)
    assert role_of(other_user, private_group) is None
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_no_event_leaves_when_a_service_fails_after_registering_it(user, other_user, private_group,
                                                                   sent_events, monkeypatch):
    join_request = services.request_to_join(user=other_user, group=private_group)

    def broken_save(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(JoinRequest, "save", broken_save)
    with sent_events.after_commit(), pytest.raises(RuntimeError):
        services.decide_join_request(actor=user, join_request=join_request, approve=True)
    assert sent_events.of_type("membership.changed") == []
    assert role_of(other_user, private_group) is None


def test_invitation_email_carries_a_link_to_create_the_account(staff_user, group, rf,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(actor=staff_user, group=group, email="link@hopital.example",
                        request=rf.get("/"))
    [message] = mail.outbox
    assert message.to == ["link@hopital.example"]
    assert "http://testserver/invitation/" in message.body


def test_plain_member_cannot_invite(user, other_user, group):
    services.join_group(user=other_user, group=group)
    with pytest.raises(PermissionDenied):
        services.invite(actor=other_user, group=group, email="new@hopital.example")
    assert not GroupInvitation.objects.exists()


def test_invite_rejects_an_unknown_role(staff_user, group):
    with pytest.raises(ValidationError) as error:
        services.invite(actor=staff_user, group=group, email="new@hopital.example",
                        role="emperor")
    assert "role" in error.value.message_dict
    assert not Invitation.objects.exists()


def test_guest_invitation_is_always_for_a_plain_member(user, shared_group):
    seat = services.invite(actor=user, group=shared_group, email="v@vendor.example",
                           as_guest=True, role="admin")
    assert seat.role == "member"


def test_refused_invitation_leaves_no_account_invitation_behind(user, group):
    with pytest.raises(PermissionDenied):
        services.invite(actor=user, group=group, email="someone@gmail.example")
    assert not Invitation.objects.exists() and not GroupInvitation.objects.exists()
    assert mail.outbox == []


def test_new_guest_does_not_take_a_seat_in_a_group_closed_to_guests(staff_user, group):
    services.invite(actor=staff_user, group=group, email="late@vendor.example")
    newcomer = make_user("late@vendor.example", "Late Guest", kind=User.Kind.GUEST)
    assert role_of(newcomer, group) is None
    assert GroupInvitation.objects.get(email="late@vendor.example").accepted_at is not None
