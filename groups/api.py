"""/api/v1/groups: thin adapters over groups.services and groups.selectors."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator

from accounts.models import User
from accounts.selectors import visible_people
from groups import permissions, selectors, services
from groups.models import Group, GroupInvitation, Membership

router = Router(tags=["groups"])


class GroupOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    visibility: str
    colour: str
    is_all_staff: bool
    allow_guests: bool
    archived: bool
    member_count: int | None = None
    my_role: str | None = None
    channel_id: int | None = None
    url: str

    @staticmethod
    def resolve_archived(group):
        return group.is_archived

    @staticmethod
    def resolve_channel_id(group):
        # The chat channel, through its reverse relation: groups does not import chat.
        channel = getattr(group, "channel", None)
        return channel.id if channel is not None else None

    @staticmethod
    def resolve_my_role(group):
        return getattr(group, "viewer_role", None)

    @staticmethod
    def resolve_url(group):
        return reverse("groups:detail", args=[group.slug])


class GroupPage(Schema):
    items: list[GroupOut]
    next_cursor: str | None


class GroupIn(Schema):
    name: str
    description: str = ""
    visibility: Group.Visibility = Group.Visibility.PUBLIC
    colour: Group.Colour = Group.Colour.TEAL
    allow_guests: bool = False


class GroupPatch(Schema):
    name: str | None = None
    description: str | None = None
    visibility: Group.Visibility | None = None
    colour: Group.Colour | None = None
    allow_guests: bool | None = None


class MemberOut(Schema):
    user_id: int
    display_name: str = Field(..., alias="user.display_name")
    job_title: str = Field(..., alias="user.job_title")
    kind: str = Field(..., alias="user.kind")
    role: str


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class MemberIn(Schema):
    user_id: int | None = None
    email: str | None = None
    role: Membership.Role = Membership.Role.MEMBER
    as_guest: bool = False

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            validate_email(value.strip())
        except DjangoValidationError:
            raise ValueError("Enter a valid email address.") from None
        return value.strip()


class InvitedOut(Schema):
    invited: str


class JoinOut(Schema):
    status: str


def _limit(limit: int) -> int:
    return max(1, min(limit, settings.RELAIS_LIMITS["api_page_size"]))


def _id_cursor(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    if not cursor.isdigit():
        raise HttpError(400, "The cursor is not valid.")
    return int(cursor)


def _page(queryset, limit: int):
    """One page of a queryset ordered by id, and the cursor of the next page (or None)."""
    items = list(queryset[: limit + 1])
    next_cursor = str(items[limit - 1].pk) if len(items) > limit else None
    return items[:limit], next_cursor


@router.get("", response=GroupPage, summary="Groups I can see")
def list_groups(request, member: bool | None = None, q: str = "", cursor: str | None = None,
                limit: int = 50):
    """Keyset paging by id: pass `next_cursor` back as `cursor` for the next page."""
    groups = selectors.groups_for(request.auth, member=member, query=q).filter(
        id__gt=_id_cursor(cursor)).select_related("channel").order_by("id")
    items, next_cursor = _page(groups, _limit(limit))
    return {"items": items, "next_cursor": next_cursor}


@router.post("", response={201: GroupOut}, summary="Create a group")
def create_group(request, payload: GroupIn):
    group = services.create_group(creator=request.auth, **payload.dict())
    created = selectors.with_viewer_state(Group.objects.filter(pk=group.pk), request.auth
                                          ).select_related("channel").get()
    return Status(201, created)


def _group(request, slug: str) -> Group:
    group = permissions.access_group(request.auth, slug)
    return selectors.with_viewer_state(Group.objects.filter(pk=group.pk), request.auth
                                       ).select_related("channel").get()


@router.get("/{slug}", response=GroupOut, summary="One group")
def get_group(request, slug: str):
    return _group(request, slug)


@router.patch("/{slug}", response=GroupOut, summary="Change a group (owners and admins)")
def update_group(request, slug: str, payload: GroupPatch):
    group = permissions.access_group(request.auth, slug)
    services.update_group(actor=request.auth, group=group, **payload.dict(exclude_none=True))
    return _group(request, slug)


@router.get("/{slug}/members", response=MemberPage, summary="Members of a group")
def list_members(request, slug: str, q: str = "", cursor: str | None = None, limit: int = 50):
    group = permissions.access_group(request.auth, slug)
    if not permissions.can_see_content(request.auth, group):
        raise PermissionDenied("Only members see who is in this group.")
    memberships = selectors.members_of(group, query=q).filter(
        id__gt=_id_cursor(cursor)).order_by("id")
    items, next_cursor = _page(memberships, _limit(limit))
    return {"items": items, "next_cursor": next_cursor}


@router.post("/{slug}/members", response={201: MemberOut, 202: InvitedOut},
             summary="Add a member by id, or invite by email")
def add_member(request, slug: str, payload: MemberIn):
    group = permissions.access_group(request.auth, slug)
    if (payload.user_id is None) == (payload.email is None):
        raise HttpError(422, "Give either user_id or email.")
    if payload.user_id is not None:
        person = visible_people(request.auth).filter(pk=payload.user_id).first()
        if person is None:
            raise HttpError(422, "No such person.")
        membership = services.add_member(actor=request.auth, group=group, user=person,
                                         role=payload.role)
        return Status(201, membership)
    result = services.invite(actor=request.auth, group=group, email=payload.email,
                             role=payload.role, as_guest=payload.as_guest, request=request)
    if isinstance(result, GroupInvitation):
        return Status(202, {"invited": result.email})
    return Status(201, result)


@router.delete("/{slug}/members/{user_id}", response={204: None},
               summary="Remove a member (or leave, for yourself)")
def remove_member(request, slug: str, user_id: int):
    group = permissions.access_group(request.auth, slug)
    if not permissions.can_see_content(request.auth, group):
        raise Http404
    person = get_object_or_404(User, pk=user_id, memberships__group=group)
    services.remove_member(actor=request.auth, group=group, user=person)
    return Status(204, None)


@router.post("/{slug}/join", response={201: MemberOut, 202: JoinOut},
             summary="Join a public group, or ask to join a private one")
def join(request, slug: str):
    group = permissions.access_group(request.auth, slug)
    if request.auth.is_guest:
        raise PermissionDenied("Guests cannot join groups by themselves.")
    if group.visibility == Group.Visibility.PRIVATE:
        services.request_to_join(user=request.auth, group=group)
        return Status(202, {"status": "requested"})
    return Status(201, services.join_group(user=request.auth, group=group))
