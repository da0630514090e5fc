"""Who may do what with a group. Reads go through groups.selectors.visible_groups."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from groups.models import Group, Membership
from groups.selectors import has_pending_request, listed_groups, membership_of, visible_groups


def access_group(user, slug: str) -> Group:
    """The group if ``user`` may know it exists; 404 for missing and hidden alike."""
    group = listed_groups(user).filter(slug=slug).first()
    if group is None:
        raise Http404("No such group.")
    return group


def can_see_content(user, group: Group) -> bool:
    return visible_groups(user).filter(pk=group.pk).exists()


def can_create_group(user) -> bool:
    return user.is_authenticated and user.is_active and not user.is_guest


def can_manage(user, group: Group) -> bool:
    """Owners and admins of the group, and organisation admins, manage it."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_staff:
        return True
    membership = membership_of(user, group)
    return membership is not None and membership.is_manager


def can_grant_ownership(user, group: Group) -> bool:
    if user.is_staff:
        return True
    membership = membership_of(user, group)
    return membership is not None and membership.role == Membership.Role.OWNER


def can_join(user, group: Group) -> bool:
    return (user.is_authenticated and user.is_active and not user.is_guest
            and group.visibility == Group.Visibility.PUBLIC and not group.is_archived
            and membership_of(user, group) is None)


def can_request_to_join(user, group: Group) -> bool:
    return (user.is_authenticated and user.is_active and not user.is_guest
            and group.visibility == Group.Visibility.PRIVATE and not group.is_archived
            and membership_of(user, group) is None
            and not has_pending_request(user, group))


def check_can_manage(user, group: Group) -> None:
    if not can_manage(user, group):
        raise PermissionDenied(_("Only the group's owners and admins can do this."))


def check_not_archived(group: Group) -> None:
    if group.is_archived:
        raise PermissionDenied(_("This group is archived; unarchive it first."))


def check_can_create_group(user) -> None:
    if not can_create_group(user):
        raise PermissionDenied(_("Guests cannot create groups."))
