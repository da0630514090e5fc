"""Every read of accounts, scoped to the viewer."""

from django.db.models import Q, QuerySet

from accounts.models import User


def visible_people(viewer) -> QuerySet[User]:
    """People the viewer may see in the directory and on profiles.

    Staff members see every active account. A guest sees only the members of the groups
    they belong to that are open to guests, the same rule as groups.selectors.visible_groups
    for guests. The membership tables are reached through their related names rather than
    imported, because accounts may not import groups (DESIGN.md).
    """
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return User.objects.none()
    people = User.objects.filter(is_active=True)
    if viewer.is_guest:
        shared = Q(memberships__group__allow_guests=True,
                   memberships__group__memberships__user=viewer)
        people = people.filter(Q(pk=viewer.pk) | shared).distinct()
    return people


def search_people(viewer, *, query: str = "", department: str = "") -> QuerySet[User]:
    people = visible_people(viewer)
    for word in query.split():
        people = people.filter(Q(display_name__icontains=word) | Q(job_title__icontains=word)
                               | Q(department__icontains=word) | Q(email__icontains=word))
    if department:
        people = people.filter(department__iexact=department)
    return people.order_by("display_name", "id")


def departments(viewer) -> list[str]:
    return list(visible_people(viewer).exclude(department="").order_by("department")
                .values_list("department", flat=True).distinct())


def active_tokens(user) -> QuerySet:
    return user.api_tokens.filter(revoked_at__isnull=True)
