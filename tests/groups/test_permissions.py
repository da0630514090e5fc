"""groups.permissions from both sides: who may know a group exists, see inside it and manage it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from groups import permissions, services
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_admin(user, group):
    admin = make_user("admin.cardio@hopital.example", "Adèle Admin")
    services.add_member(actor=user, group=group, user=admin, role="admin")
    return admin


@pytest.fixture
def plain_member(other_user, group):
    services.join_group(user=other_user, group=group)
    return other_user


# --- access_group --------------------------------------------------------------------------------

def test_access_group_returns_a_secret_group_to_its_members_and_to_organisation_admins(
        user, staff_user, secret_group):
    assert permissions.access_group(user, secret_group.slug) == secret_group
    assert permissions.access_group(staff_user, secret_group.slug) == secret_group


@pytest.mark.parametrize("viewer", ["other_user", "guest", "inactive_user"])
def test_access_group_is_404_for_a_secret_group_seen_from_outside(request, viewer, secret_group):
    with pytest.raises(Http404):
        permissions.access_group(request.getfixturevalue(viewer), secret_group.slug)


def test_access_group_is_404_for_anonymous_visitors(group):
    with pytest.raises(Http404):
        permissions.access_group(AnonymousUser(), group.slug)


def test_access_group_is_404_for_a_missing_group(user):
    with pytest.raises(Http404):
        permissions.access_group(user, "no-such-group")


def test_private_group_is_listed_to_staff_members_but_its_content_is_not(other_user,
                                                                         private_group):
    assert permissions.access_group(other_user, private_group.slug) == private_group
    assert not permissions.can_see_content(other_user, private_group)


def test_guest_sees_only_the_groups_shared_with_them(guest, group, private_group, shared_group):
    assert permissions.access_group(guest, shared_group.slug) == shared_group
    assert permissions.can_see_content(guest, shared_group)
    for hidden in (group, private_group):
        with pytest.raises(Http404):
            permissions.access_group(guest, hidden.slug)


def test_guest_loses_access_when_the_group_closes_to_guests(user, guest, shared_group):
    services.update_group(actor=user, group=shared_group, allow_guests=False)
    with pytest.raises(Http404):
        permissions.access_group(guest, shared_group.slug)


def test_public_content_is_visible_to_every_staff_member(other_user, group):
    assert permissions.can_see_content(other_user, group)


# --- can_manage ----------------------------------------------------------------------------------

def test_owner_admin_and_organisation_admin_manage_the_group(user, group_admin, staff_user, group):
    assert permissions.can_manage(user, group)
    assert permissions.can_manage(group_admin, group)
    assert permissions.can_manage(staff_user, group)


def test_plain_members_outsiders_and_anonymous_do_not_manage_the_group(plain_member, group):
    outsider = make_user("outsider@hopital.example", "Out Sider")
    assert not permissions.can_manage(plain_member, group)
    assert not permissions.can_manage(outsider, group)
    assert not permissions.can_manage(AnonymousUser(), group)


def test_guest_member_does_not_manage_a_shared_group(guest, shared_group):
    assert not permissions.can_manage(guest, shared_group)


def test_deactivated_owner_no_longer_manages_the_group(user, group):
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not permissions.can_manage(user, group)


def test_check_can_manage_raises_permission_denied_for_a_member(plain_member, group):
    with pytest.raises(PermissionDenied):
        permissions.check_can_manage(plain_member, group)


def test_only_owners_and_organisation_admins_grant_ownership(user, group_admin, staff_user,
                                                             plain_member, group):
    assert permissions.can_grant_ownership(user, group)
    assert permissions.can_grant_ownership(staff_user, group)
    assert not permissions.can_grant_ownership(group_admin, group)
    assert not permissions.can_grant_ownership(plain_member, group)
    assert not permissions.can_grant_ownership(AnonymousUser(), group)


# --- create, join, request ------------------------------------------------------------------------

def test_staff_members_create_groups_but_guests_and_anonymous_do_not(user, guest):
    assert permissions.can_create_group(user)
    assert not permissions.can_create_group(guest)
    assert not permissions.can_create_group(AnonymousUser())
    with pytest.raises(PermissionDenied):
        permissions.check_can_create_group(guest)


def test_can_join_only_public_active_groups_one_is_not_in(user, other_user, guest, group,
                                                          private_group):
    assert permissions.can_join(other_user, group)
    assert not permissions.can_join(user, group)
    assert not permissions.can_join(guest, group)
    assert not permissions.can_join(other_user, private_group)
    services.set_archived(actor=user, group=group, archived=True)
    assert not permissions.can_join(other_user, group)


def test_can_request_to_join_private_groups_once(other_user, guest, group, private_group):
    assert permissions.can_request_to_join(other_user, private_group)
    assert not permissions.can_request_to_join(other_user, group)
    assert not permissions.can_request_to_join(guest, private_group)
    services.request_to_join(user=other_user, group=private_group)
    assert not permissions.can_request_to_join(other_user, private_group)
