"""Every write to groups: creation, settings, membership, join requests and invitations.

Each service checks permission, runs in one transaction and registers its events on commit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from groups import events, search_index
from groups.models import Group, GroupInvitation, JoinRequest, Membership
from groups.permissions import (
    can_grant_ownership,
    can_join,
    can_request_to_join,
    check_can_create_group,
    check_can_manage,
    check_not_archived,
)
from groups.selectors import has_pending_request, membership_of
from groups.signals import (
    group_created,
    join_request_decided,
    join_request_withdrawn,
    join_requested,
    member_added,
)
from network.realtime import ORG_STREAM, group_stream, send_event_on_commit, user_stream

EDITABLE_FIELDS = ("name", "description", "colour", "visibility", "allow_guests")
Role = Membership.Role


# --- Groups ----------------------------------------------------------------------------------

def _unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "group"
    slug, counter = base, 2
    while Group.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def _validate_group_fields(fields: dict) -> None:
    errors = {}
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if not fields["name"]:
            errors["name"] = _("A group needs a name.")
        elif len(fields["name"]) > 120:
            errors["name"] = _("The name is too long (120 characters at most).")
    limit = settings.RELAIS_LIMITS["group_description_chars"]
    if len(fields.get("description", "")) > limit:
        errors["description"] = _("The description is too long (%(limit)s characters at most).") % {
            "limit": limit}
    if "visibility" in fields and fields["visibility"] not in Group.Visibility.values:
        errors["visibility"] = _("Choose public, private or secret.")
    if "colour" in fields and fields["colour"] not in Group.Colour.values:
        errors["colour"] = _("Choose one of the offered colours.")
    if errors:
        raise ValidationError(errors)


def create_group(*, creator: User, name: str, description: str = "",
                 visibility: str = Group.Visibility.PUBLIC, colour: str = Group.Colour.TEAL,
                 allow_guests: bool = False, is_all_staff: bool = False) -> Group:
    check_can_create_group(creator)
    if is_all_staff and not creator.is_staff:
        raise PermissionDenied(_("Only organisation admins can create the all-staff group."))
    fields = {"name": name, "description": description, "visibility": visibility,
              "colour": colour}
    _validate_group_fields(fields)
    if is_all_staff and fields["visibility"] == Group.Visibility.SECRET:
        raise ValidationError({"visibility": _("The all-staff group cannot be secret.")})
    with transaction.atomic():
        group = Group.objects.create(slug=_unique_slug(fields["name"]), created_by=creator,
                                     allow_guests=allow_guests, is_all_staff=is_all_staff,
                                     **fields)
        membership = Membership.objects.create(group=group, user=creator, role=Role.OWNER,
                                               added_by=creator)
        if is_all_staff:
            _add_all_staff_members(group, added_by=creator)
        _membership_events(group, membership.user_id, "added", membership.role)
        if group.visibility != Group.Visibility.SECRET:
            send_event_on_commit(ORG_STREAM, events.group_updated(group, changed=["created"]))
        group_created.send(sender=Group, group=group)
        search_index.index_group(group)
    return group


def _add_all_staff_members(group: Group, *, added_by: User) -> None:
    staff = User.objects.filter(is_active=True, kind=User.Kind.MEMBER).exclude(
        memberships__group=group)
    Membership.objects.bulk_create(
        [Membership(group=group, user=user, role=Role.MEMBER, added_by=added_by) for user in staff]
    )


def update_group(*, actor: User, group: Group, **fields) -> Group:
    check_can_manage(actor, group)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    _validate_group_fields(fields)
    if group.is_all_staff and fields.get("visibility") == Group.Visibility.SECRET:
        raise ValidationError({"visibility": _("The all-staff group cannot be secret.")})
    changed = [name for name, value in fields.items() if getattr(group, name) != value]
    if not changed:
        return group
    with transaction.atomic():
        for name in changed:
            setattr(group, name, fields[name])
        group.save(update_fields=[*changed, "updated"])
        _group_updated_events(group, changed)
        search_index.index_group(group)
    return group


def _group_updated_events(group: Group, changed: list[str]) -> None:
    event = events.group_updated(group, changed=changed)
    send_event_on_commit(group_stream(group.id), event)
    # Staff who could not see the group before must hear that they now can.
    if "visibility" in changed and group.visibility != Group.Visibility.SECRET:
        send_event_on_commit(ORG_STREAM, event)
    # Guests are not subscribed to a group that was closed to them: tell them directly.
    if "allow_guests" in changed:
        guest_ids = group.memberships.filter(user__kind=User.Kind.GUEST).values_list(
            "user_id", flat=True)
        for guest_id in guest_ids:
            send_event_on_commit(user_stream(guest_id), event)


def set_archived(*, actor: User, group: Group, archived: bool) -> Group:
    check_can_manage(actor, group)
    if group.is_all_staff and archived:
        raise PermissionDenied(_("The all-staff group cannot be archived."))
    if group.is_archived == archived:
        return group
    with transaction.atomic():
        group.archived_at = timezone.now() if archived else None
        group.save(update_fields=["archived_at", "updated"])
        _group_updated_events(group, ["archived"])
        search_index.index_group(group)
    return group


# --- Membership ------------------------------------------------------------------------------

def _membership_events(group: Group, user_id: int, action: str, role: str | None) -> None:
    event = events.membership_changed(group=group, user_id=user_id, action=action, role=role)
    send_event_on_commit(user_stream(user_id), event)
    send_event_on_commit(group_stream(group.id), event)


def _check_guest_allowed(group: Group, user: User) -> None:
    if user.is_guest and not group.allow_guests:
        raise ValidationError(_("This group is not open to guests."))


def _create_membership(group: Group, user: User, role: str, added_by: User | None) -> Membership:
    if not user.is_active:
        raise ValidationError(_("This account is not active."))
    _check_guest_allowed(group, user)
    if user.is_guest and role != Role.MEMBER:
        raise ValidationError({"role": _("Guests can only be members.")})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(group=group, user=user, role=role,
                                                   added_by=added_by)
    except IntegrityError:
        raise ValidationError(_("%(name)s is already a member.") % {"name": user}) from None
    JoinRequest.objects.filter(group=group, user=user, status=JoinRequest.Status.PENDING).update(
        status=JoinRequest.Status.APPROVED, decided_by=added_by, decided_at=timezone.now())
    _membership_events(group, user.id, "added", role)
    return membership


def join_group(*, user: User, group: Group) -> Membership:
    """Join a public group."""
    if not can_join(user, group):
        if membership_of(user, group) is not None:
            raise ValidationError(_("You are already a member of this group."))
        check_not_archived(group)
        raise PermissionDenied(_("This group cannot be joined freely; ask to join instead."))
    with transaction.atomic():
        return _create_membership(group, user, Role.MEMBER, added_by=user)


def add_member(*, actor: User, group: Group, user: User, role: str = Role.MEMBER) -> Membership:
    check_can_manage(actor, group)
    check_not_archived(group)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.OWNER and not can_grant_ownership(actor, group):
        raise PermissionDenied(_("Only owners can make someone an owner."))
    with transaction.atomic():
        membership = _create_membership(group, user, role, added_by=actor)
        member_added.send(sender=Membership, group=group, user=user, actor=actor, role=role)
    return membership


def _owner_count(group: Group) -> int:
    return group.memberships.filter(role=Role.OWNER).count()


def remove_member(*, actor: User, group: Group, user: User) -> None:
    if actor.pk == user.pk:
        leave_group(user=user, group=group)
        return
    check_can_manage(actor, group)
    membership = membership_of(user, group)
    if membership is None:
        raise ValidationError(_("%(name)s is not a member.") % {"name": user})
    if membership.role == Role.OWNER and not can_grant_ownership(actor, group):
        raise PermissionDenied(_("Only owners can remove an owner."))
    if group.is_all_staff and not user.is_guest and user.is_active:
        raise PermissionDenied(_("Every staff member belongs to the all-staff group."))
    _end_membership(group, membership, last_owner_error=_("A group needs at least one owner."))


def leave_group(*, user: User, group: Group) -> None:
    membership = membership_of(user, group)
    if membership is None:
        raise ValidationError(_("You are not a member of this group."))
    if group.is_all_staff and not user.is_guest:
        raise PermissionDenied(_("Every staff member belongs to the all-staff group."))
    _end_membership(group, membership, last_owner_error=_(
        "You are the only owner: make someone else an owner first."))


def _end_membership(group: Group, membership: Membership, *, last_owner_error: str) -> None:
    with transaction.atomic():
        _check_not_last_owner(group, membership, last_owner_error)
        membership.delete()
        _membership_events(group, membership.user_id, "removed", None)


def _check_not_last_owner(group: Group, membership: Membership, error: str) -> None:
    """Inside a transaction: refuse to take away the group's last owner.

    The group row is locked first, so two owners leaving at the same moment cannot both see
    the other one still there (SQLite serialises writers with BEGIN IMMEDIATE already).
    """
    list(Group.objects.select_for_update().filter(pk=group.pk).values_list("id", flat=True))
    if membership.role == Role.OWNER and _owner_count(group) == 1:
        raise ValidationError(error)


def change_role(*, actor: User, group: Group, user: User, role: str) -> Membership:
    check_can_manage(actor, group)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    membership = membership_of(user, group)
    if membership is None:
        raise ValidationError(_("%(name)s is not a member.") % {"name": user})
    if Role.OWNER in (role, membership.role) and not can_grant_ownership(actor, group):
        raise PermissionDenied(_("Only owners can grant or take away ownership."))
    if user.is_guest and role != Role.MEMBER:
        raise ValidationError(_("Guests can only be members."))
    if membership.role == role:
        return membership
    with transaction.atomic():
        _check_not_last_owner(group, membership, _("A group needs at least one owner."))
        membership.role = role
        membership.save(update_fields=["role"])
        _membership_events(group, user.id, "role_changed", role)
    return membership


# --- Join requests ---------------------------------------------------------------------------

def request_to_join(*, user: User, group: Group, message: str = "") -> JoinRequest:
    if not can_request_to_join(user, group):
        if membership_of(user, group) is not None:
            raise ValidationError(_("You are already a member of this group."))
        if group.visibility == Group.Visibility.PUBLIC:
            raise ValidationError(_("This group is public: join it directly."))
        check_not_archived(group)
        if has_pending_request(user, group):
            raise ValidationError(_("You have already asked to join this group."))
        raise PermissionDenied(_("You cannot ask to join this group."))
    if len(message) > 1000:
        raise ValidationError({"message": _("The message is too long (1000 characters at most).")})
    with transaction.atomic():
        join_request = JoinRequest.objects.create(group=group, user=user, message=message.strip())
        event = events.join_requested(group, user_id=user.id)
        for manager_id in group.memberships.filter(
                role__in=[Role.OWNER, Role.ADMIN]).values_list("user_id", flat=True):
            send_event_on_commit(user_stream(manager_id), event)
        join_requested.send(sender=JoinRequest, join_request=join_request)
    return join_request


def decide_join_request(*, actor: User, join_request: JoinRequest, approve: bool) -> JoinRequest:
    group = join_request.group
    check_can_manage(actor, group)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."))
    with transaction.atomic():
        if approve:
            check_not_archived(group)
            _create_membership(group, join_request.user, Role.MEMBER, added_by=actor)
        join_request.refresh_from_db()
        join_request.status = (JoinRequest.Status.APPROVED if approve
                               else JoinRequest.Status.DENIED)
        join_request.decided_by = actor
        join_request.decided_at = timezone.now()
        join_request.save(update_fields=["status", "decided_by", "decided_at"])
        join_request_decided.send(sender=JoinRequest, join_request=join_request, actor=actor)
    return join_request


def cancel_join_request(*, user: User, group: Group) -> None:
    with transaction.atomic():
        for join_request in JoinRequest.objects.select_for_update().filter(
                group=group, user=user, status=JoinRequest.Status.PENDING):
            join_request.status = JoinRequest.Status.CANCELLED
            join_request.decided_at = timezone.now()
            join_request.save(update_fields=["status", "decided_at"])
            join_request_withdrawn.send(sender=JoinRequest, join_request=join_request)


# --- Invitations -----------------------------------------------------------------------------

def _email_domain_is_the_organisation(email: str) -> bool:
    return email.rsplit("@", 1)[-1].lower() in settings.RELAIS_SIGNUP_DOMAINS


def invite(*, actor: User, group: Group, email: str, role: str = Role.MEMBER,
           as_guest: bool = False, request=None) -> Membership | GroupInvitation:
    """Add the person with this email, or invite them to create an account and join.

    A staff account can be created by invitation only by an organisation admin, or for an
    address in the organisation's own domains; guests only into groups open to guests.
    """
    check_can_manage(actor, group)
    check_not_archived(group)
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return add_member(actor=actor, group=group, user=existing, role=role)
    if as_guest:
        if not group.allow_guests:
            raise ValidationError(_("This group is not open to guests."))
        role = Role.MEMBER
    elif not (actor.is_staff or _email_domain_is_the_organisation(email)):
        raise PermissionDenied(_(
            "Only organisation admins can invite staff from outside the organisation's email "
            "domains. Invite this person as a guest instead."))
    if role == Role.OWNER and not can_grant_ownership(actor, group):
        raise PermissionDenied(_("Only owners can make someone an owner."))
    with transaction.atomic():
        already = GroupInvitation.objects.filter(group=group, email__iexact=email,
                                                 accepted_at__isnull=True).first()
        if already is not None:
            raise ValidationError(_("%(email)s has already been invited.") % {"email": email})
        kind = User.Kind.GUEST if as_guest else User.Kind.MEMBER
        account_services.create_invitation(inviter=actor, email=email, kind=kind,
                                           request=request)
        return GroupInvitation.objects.create(group=group, email=email, role=role,
                                              invited_by=actor)


def welcome_new_user(*, user: User) -> None:
    """A new account joins the all-staff group and takes up the seats it was invited to."""
    if not user.is_guest:
        all_staff = Group.objects.filter(is_all_staff=True).first()
        if all_staff is not None and membership_of(user, all_staff) is None:
            _create_membership(all_staff, user, Role.MEMBER, added_by=None)
    for seat in GroupInvitation.objects.filter(email__iexact=user.email,
                                               accepted_at__isnull=True).select_related("group"):
        if membership_of(user, seat.group) is None and not (user.is_guest
                                                            and not seat.group.allow_guests):
            role = Role.MEMBER if user.is_guest else seat.role
            _create_membership(seat.group, user, role, added_by=seat.invited_by)
        seat.accepted_at = timezone.now()
        seat.save(update_fields=["accepted_at"])
