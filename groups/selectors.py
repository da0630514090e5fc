"""Every read of groups, scoped to the viewer. ``visible_groups`` is the one permission source."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.selectors import search_people
from groups.models import Group, JoinRequest, Membership


def _is_active_user(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def visible_groups(user) -> QuerySet[Group]:
    """Groups whose content (posts, messages, documents, members) ``user`` may see.

    - anonymous and inactive users: none;
    - organisation admins (staff): every group, so they can manage any of them;
    - guests: the groups they are members of, while those groups are open to guests;
    - staff members: every public group, and the private and secret groups they belong to.
    """
    if not _is_active_user(user):
        return Group.objects.none()
    if user.is_staff:
        return Group.objects.all()
    member_of = Membership.objects.filter(user=user).values("group_id")
    if user.is_guest:
        return Group.objects.filter(id__in=member_of, allow_guests=True)
    return Group.objects.filter(Q(visibility=Group.Visibility.PUBLIC) | Q(id__in=member_of))


def my_memberships(user) -> list[Membership]:
    """``user``'s memberships of the groups they see (the rows of visible_member_group_ids),
    with their groups, all-staff first then by name: one query for a page that needs the
    reader's groups, their ids and the reader's role in each."""
    if not _is_active_user(user):
        return []
    memberships = Membership.objects.filter(user=user).select_related("group")
    if user.is_guest:
        memberships = memberships.filter(group__allow_guests=True)
    return list(memberships.order_by("-group__is_all_staff", "group__name", "group_id"))


def visible_member_group_ids(user) -> QuerySet:
    """Ids of the groups ``user`` belongs to and may see: ``visible_groups`` read from the
    memberships alone, which is cheaper to plan. A member (or an organisation admin) sees every
    group they belong to; a guest, those open to guests."""
    if not _is_active_user(user):
        return Membership.objects.none().values("group_id")
    return member_group_ids(user.id, guest=user.is_guest)


def member_group_ids(user_id: int, *, guest: bool) -> QuerySet:
    """visible_member_group_ids for an active person known by id and by whether they are a
    guest, for a query compiled once and reused (network.prepared)."""
    memberships = Membership.objects.filter(user_id=user_id)
    if guest:
        memberships = memberships.filter(group__allow_guests=True)
    return memberships.values("group_id")


def listed_groups(user) -> QuerySet[Group]:
    """Groups whose existence (name, description, size) ``user`` may see.

    Private groups are listed to every staff member so they can ask to join; their content
    stays behind ``visible_groups``. Secret groups are listed to their members only.
    """
    if not _is_active_user(user) or user.is_staff or user.is_guest:
        return visible_groups(user)
    return Group.objects.filter(
        Q(id__in=visible_groups(user).values("id")) | Q(visibility=Group.Visibility.PRIVATE)
    )


def visible_group_ids(user) -> list[int]:
    return list(visible_groups(user).values_list("id", flat=True))


def with_viewer_state(groups: QuerySet[Group], user) -> QuerySet[Group]:
    """Annotate member count, the viewer's role and whether a join request is pending."""
    my_membership = Membership.objects.filter(group=OuterRef("pk"), user=user)
    pending = JoinRequest.objects.filter(group=OuterRef("pk"), user=user,
                                         status=JoinRequest.Status.PENDING)
    # A correlated count is computed for the rows of the page only; a JOIN and GROUP BY
    # would count the members of every listed group before paging.
    member_count = (Membership.objects.filter(group=OuterRef("pk")).order_by()
                    .values("group").annotate(total=Count("id")).values("total"))
    return groups.annotate(
        member_count=Coalesce(Subquery(member_count), 0),
        viewer_role=my_membership.values("role")[:1],
        viewer_has_pending_request=Exists(pending),
    )


def groups_for(user, *, member: bool | None = None, query: str = "",
               include_archived: bool = False) -> QuerySet[Group]:
    """The group list: mine (member=True), discover (member=False) or all listed."""
    groups = listed_groups(user)
    if member is True:
        groups = groups.filter(memberships__user=user)
    elif member is False:
        groups = groups.exclude(memberships__user=user)
    if not include_archived:
        groups = groups.filter(archived_at__isnull=True)
    for word in query.split():
        groups = groups.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return with_viewer_state(groups, user).order_by("-is_all_staff", "name", "id")


def membership_of(user, group: Group) -> Membership | None:
    if not _is_active_user(user):
        return None
    return Membership.objects.filter(user=user, group=group).first()


def members_of(group: Group, *, query: str = "") -> QuerySet[Membership]:
    memberships = (Membership.objects.filter(group=group, user__is_active=True)
                   .select_related("user"))
    for word in query.split():
        memberships = memberships.filter(Q(user__display_name__icontains=word)
                                         | Q(user__job_title__icontains=word)
                                         | Q(user__department__icontains=word))
    role_order = {Membership.Role.OWNER: 0, Membership.Role.ADMIN: 1, Membership.Role.MEMBER: 2}
    return memberships.annotate(
        role_rank=Case(*[When(role=r, then=Value(v)) for r, v in role_order.items()],
                       output_field=IntegerField())
    ).order_by("role_rank", "user__display_name", "user__id")


def has_pending_request(user, group: Group) -> bool:
    return JoinRequest.objects.filter(group=group, user=user,
                                      status=JoinRequest.Status.PENDING).exists()


def pending_join_requests(group: Group) -> QuerySet[JoinRequest]:
    return (JoinRequest.objects.filter(group=group, status=JoinRequest.Status.PENDING)
            .select_related("user").order_by("created"))


def pending_invitations(group: Group):
    return group.invitations.filter(accepted_at__isnull=True).order_by("-created")


def archived_groups_for(user, *, query: str = "") -> QuerySet[Group]:
    return groups_for(user, query=query, include_archived=True).filter(archived_at__isnull=False)


def has_archived_groups(user) -> bool:
    return listed_groups(user).filter(archived_at__isnull=False).exists()


def invite_candidates(viewer, group: Group, *, query: str) -> QuerySet[User]:
    """People ``viewer`` may add to ``group``: found by the search, not yet members, and
    guests only where the group is open to them."""
    people = search_people(viewer, query=query).exclude(memberships__group=group)
    if not group.allow_guests:
        people = people.exclude(kind=User.Kind.GUEST)
    return people


def users_who_can_see(group: Group) -> QuerySet[User]:
    """Active accounts that ``visible_groups`` lets see ``group``'s content (the same rules,
    read the other way round: from one group to its viewers)."""
    members = Membership.objects.filter(group=group).values("user_id")
    rule = Q(is_staff=True) | Q(id__in=members, kind=User.Kind.MEMBER)
    if group.allow_guests:
        rule |= Q(id__in=members, kind=User.Kind.GUEST)
    if group.visibility == Group.Visibility.PUBLIC:
        rule |= Q(kind=User.Kind.MEMBER)
    return User.objects.filter(rule, is_active=True)
