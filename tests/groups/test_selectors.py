"""visible_groups is the one permission source: every kind of viewer, every visibility."""

import pytest
from django.contrib.auth.models import AnonymousUser

from groups import services
from groups.models import Group
from groups.selectors import (
    listed_groups,
    my_memberships,
    visible_groups,
    visible_member_group_ids,
)

pytestmark = pytest.mark.django_db


def names(queryset):
    return set(queryset.values_list("name", flat=True))


@pytest.fixture
def every_group(group, private_group, secret_group, shared_group):
    return {"public": group, "private": private_group, "secret": secret_group,
            "shared": shared_group}


def test_owner_sees_content_of_every_group_they_belong_to(user, every_group):
    assert names(visible_groups(user)) == {"Cardiologie", "Cadres de santé", "Cellule de crise",
                                           "Projet MedTech"}


def test_non_member_sees_public_content_only(other_user, every_group):
    assert names(visible_groups(other_user)) == {"Cardiologie"}


def test_non_member_lists_private_groups_but_not_secret_ones(other_user, every_group):
    assert names(listed_groups(other_user)) == {"Cardiologie", "Cadres de santé", "Projet MedTech"}


def test_member_of_private_group_sees_its_content(user, other_user, private_group):
    services.add_member(actor=user, group=private_group, user=other_user)
    assert private_group in visible_groups(other_user)


def test_member_of_secret_group_sees_it_and_non_members_do_not(user, other_user, secret_group):
    assert secret_group not in listed_groups(other_user)
    services.add_member(actor=user, group=secret_group, user=other_user)
    assert secret_group in visible_groups(other_user)
    assert secret_group in listed_groups(other_user)


def test_guest_sees_only_their_shared_group(guest, every_group):
    assert names(visible_groups(guest)) == {"Projet MedTech"}
    assert names(listed_groups(guest)) == {"Projet MedTech"}


def test_guest_loses_the_group_when_it_is_closed_to_guests(user, guest, shared_group):
    services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert not visible_groups(guest).exists()


def test_organisation_admin_sees_every_group(staff_user, every_group):
    assert names(visible_groups(staff_user)) == {"Cardiologie", "Cadres de santé",
                                                 "Cellule de crise", "Projet MedTech"}


def test_inactive_user_sees_nothing_even_in_their_groups(user, other_user, every_group):
    services.add_member(actor=user, group=every_group["secret"], user=other_user)
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])
    assert not visible_groups(other_user).exists()
    assert not listed_groups(other_user).exists()


def test_anonymous_user_sees_nothing(every_group):
    assert not visible_groups(AnonymousUser()).exists()
    assert not listed_groups(AnonymousUser()).exists()


def test_removed_member_stops_seeing_private_content_at_once(user, other_user, private_group):
    services.add_member(actor=user, group=private_group, user=other_user)
    services.remove_member(actor=user, group=private_group, user=other_user)
    assert private_group not in visible_groups(other_user)


def test_archived_group_content_stays_visible_to_members(user, group):
    services.set_archived(actor=user, group=group, archived=True)
    assert group in visible_groups(user)
    assert Group.objects.get(pk=group.pk).is_archived


def test_group_initials_skip_small_linking_words(user):
    from groups.services import create_group

    assert create_group(creator=user, name="Cellule de crise").initials == "C"
    assert create_group(creator=user, name="Soins Intensifs").initials == "SI"


# --- my_memberships: the reader's groups and roles, in one query ---------------------------------

def test_my_memberships_are_the_groups_one_belongs_to_and_sees_with_ones_role(
        user, other_user, guest, every_group, django_assert_num_queries):
    services.add_member(actor=user, group=every_group["private"], user=other_user)
    closed = services.create_group(creator=user, name="Ancien projet",
                                   visibility=Group.Visibility.PRIVATE, allow_guests=True)
    services.add_member(actor=user, group=closed, user=guest)
    services.update_group(actor=user, group=closed, allow_guests=False)
    for person in (user, other_user, guest):
        with django_assert_num_queries(1):
            memberships = my_memberships(person)
            groups = {m.group.name for m in memberships}
        assert {m.group_id for m in memberships} == {
            row["group_id"] for row in visible_member_group_ids(person)}
    assert {m.group.name: m.role for m in my_memberships(other_user)} == {
        "Cadres de santé": "member"}
    assert {m.group.name for m in my_memberships(guest)} == {"Projet MedTech"}
    assert groups == {"Projet MedTech"}
    assert {m.role for m in my_memberships(user)} == {"owner"}


def test_my_memberships_put_the_all_staff_group_first_then_names_in_order(
        user, staff_user, every_group):
    all_staff = services.create_group(creator=staff_user, name="Zz Tout le personnel",
                                      is_all_staff=True)
    names_in_order = [m.group.name for m in my_memberships(user)]
    assert names_in_order[0] == all_staff.name
    assert names_in_order[1:] == sorted(names_in_order[1:])


def test_my_memberships_of_the_anonymous_and_the_deactivated_are_empty(user, every_group):
    assert my_memberships(AnonymousUser()) == []
    user.is_active = False
    assert my_memberships(user) == []
