import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from feed import permissions, services
from groups import services as group_services
from groups.models import Group, Membership
from groups.selectors import users_who_can_see, visible_groups
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Role = Membership.Role


@pytest.fixture
def member(other_user, group):
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def group_admin(user, group):
    admin = make_user("nora.admin@hopital.example", "Nora Lambert")
    group_services.add_member(actor=user, group=group, user=admin, role=Role.ADMIN)
    return admin


@pytest.fixture
def outsider(db):
    return make_user("zoe.outsider@hopital.example", "Zoé Dupuis")


@pytest.fixture
def member_post(member, group):
    return services.create_post(author=member, group=group, body="By a member")


# --- access_post: what you may not see does not exist -------------------------------------------

def test_access_post_returns_a_visible_post(user, outsider, group):
    post = services.create_post(author=user, group=group, body="Public")
    assert permissions.access_post(outsider, post.id) == post
    assert permissions.access_post(outsider, str(post.id)) == post


@pytest.mark.parametrize("post_id", ["missing", "hidden", "nonsense", None])
def test_access_post_raises_404_for_missing_hidden_and_garbage_ids(user, other_user, guest,
                                                                   private_group, post_id):
    hidden = services.create_post(author=user, group=private_group, body="Internal")
    post_id = {"missing": hidden.id + 1000, "hidden": hidden.id, "nonsense": "1 OR 1=1",
               None: None}[post_id]
    for viewer in (other_user, guest, AnonymousUser()):
        with pytest.raises(Http404):
            permissions.access_post(viewer, post_id)


def test_organisation_admin_accesses_a_secret_group_post(user, staff_user, secret_group):
    post = services.create_post(author=user, group=secret_group, body="Crisis")
    assert permissions.access_post(staff_user, post.id) == post


# --- posting ------------------------------------------------------------------------------------

def test_can_post_members_and_organisation_admins_only(user, member, outsider, staff_user,
                                                       guest, group):
    assert permissions.can_post(user, group) and permissions.can_post(member, group)
    assert permissions.can_post(staff_user, group)
    assert not permissions.can_post(outsider, group)
    assert not permissions.can_post(guest, group)
    assert not permissions.can_post(AnonymousUser(), group)


def test_can_post_is_false_in_an_archived_group_even_for_admins(user, staff_user, group):
    group_services.set_archived(actor=user, group=group, archived=True)
    assert not permissions.can_post(user, group)
    assert not permissions.can_post(staff_user, group)
    with pytest.raises(PermissionDenied):
        permissions.check_can_post(user, group)


def test_can_announce_group_managers_and_organisation_admins(user, member, group_admin,
                                                            staff_user, group):
    assert permissions.can_announce(user, group)
    assert permissions.can_announce(group_admin, group)
    assert permissions.can_announce(staff_user, group)
    assert not permissions.can_announce(member, group)


# --- changing posts -----------------------------------------------------------------------------

def test_can_edit_author_and_managers(member_post, member, user, group_admin, staff_user,
                                      outsider):
    for allowed in (member, user, group_admin, staff_user):
        assert permissions.can_edit(allowed, member_post), allowed
    assert not permissions.can_edit(outsider, member_post)
    with pytest.raises(PermissionDenied):
        permissions.check_can_edit(outsider, member_post)


def test_an_author_who_is_deactivated_can_no_longer_edit_or_delete(member_post, member):
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert not permissions.can_edit(member, member_post)
    assert not permissions.can_delete(member, member_post)


def test_can_delete_author_group_admin_and_organisation_admin(member_post, member, group_admin,
                                                              staff_user, outsider, group):
    third = make_user("paul.tiers@hopital.example", "Paul Tiers")
    group_services.join_group(user=third, group=group)
    for allowed in (member, group_admin, staff_user):
        assert permissions.can_delete(allowed, member_post), allowed
    for refused in (third, outsider):
        assert not permissions.can_delete(refused, member_post), refused
        with pytest.raises(PermissionDenied):
            permissions.check_can_delete(refused, member_post)


def test_can_pin_managers_only_and_not_when_archived(member_post, member, user, group):
    assert permissions.can_pin(user, member_post)
    assert not permissions.can_pin(member, member_post)
    group_services.set_archived(actor=user, group=group, archived=True)
    member_post.group.refresh_from_db()
    assert not permissions.can_pin(user, member_post)


# --- interacting --------------------------------------------------------------------------------

def test_can_interact_whoever_sees_the_post(user, outsider, guest, group, shared_group,
                                            private_group):
    public = services.create_post(author=user, group=group, body="Public")
    shared = services.create_post(author=user, group=shared_group, body="Shared")
    private = services.create_post(author=user, group=private_group, body="Private")
    assert permissions.can_interact(outsider, public)
    assert permissions.can_interact(guest, shared)
    assert not permissions.can_interact(guest, public)
    assert not permissions.can_interact(outsider, private)
    assert not permissions.can_interact(AnonymousUser(), public)


def test_can_interact_is_false_in_an_archived_group(user, group):
    post = services.create_post(author=user, group=group, body="Public")
    group_services.set_archived(actor=user, group=group, archived=True)
    post.group.refresh_from_db()
    assert not permissions.can_interact(user, post)


# --- announcements ------------------------------------------------------------------------------

@pytest.fixture
def announcement(user, member, group):
    return services.create_post(author=user, group=group, body="Protocol", kind="announcement",
                                requires_ack=True)


def test_receipts_are_seen_by_the_author_and_managers_only(announcement, user, member,
                                                           group_admin, staff_user, outsider):
    for allowed in (user, group_admin, staff_user):
        assert permissions.can_see_receipts(allowed, announcement), allowed
    for refused in (member, outsider):
        assert not permissions.can_see_receipts(refused, announcement), refused
        with pytest.raises(PermissionDenied):
            permissions.check_can_see_receipts(refused, announcement)


def test_a_plain_post_has_no_receipts(member_post, user):
    assert not permissions.can_see_receipts(user, member_post)


def test_the_audience_is_the_members_but_the_author(announcement, user, member, outsider,
                                                   staff_user):
    assert permissions.is_in_audience(member, announcement)
    for refused in (user, outsider, staff_user):
        assert not permissions.is_in_audience(refused, announcement), refused


# --- users_who_can_see agrees with visible_groups ------------------------------------------------

def test_users_who_can_see_is_visible_groups_read_the_other_way(user, other_user, guest,
                                                                staff_user, inactive_user,
                                                                group, private_group,
                                                                secret_group, shared_group):
    group_services.add_member(actor=user, group=secret_group, user=other_user)
    closed = group_services.create_group(creator=user, name="Fermé aux invités",
                                         visibility=Group.Visibility.PRIVATE, allow_guests=True)
    group_services.add_member(actor=user, group=closed, user=guest)
    group_services.update_group(actor=user, group=closed, allow_guests=False)
    people = [user, other_user, guest, staff_user, inactive_user]
    for each in (group, private_group, secret_group, shared_group, closed):
        expected = {p.id for p in people if visible_groups(p).filter(pk=each.pk).exists()}
        assert set(users_who_can_see(each).values_list("id", flat=True)) == expected, each.name
