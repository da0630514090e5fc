"""notifications' answer to the groups hooks (see groups/signals.py for why they are signals).

Each receiver runs inside the groups service's transaction, so a membership that is rolled
back leaves no notification behind.
"""

from django.urls import reverse

from groups.models import Group, JoinRequest, Membership
from groups.signals import (
    join_request_decided,
    join_request_withdrawn,
    join_requested,
    member_added,
)
from notifications import services
from notifications.models import Notification

Kind = Notification.Kind
JOIN_REQUEST_TARGET = "join_request"


def group_url(group: Group) -> str:
    return reverse("groups:detail", args=[group.slug])


def join_requests_url(group: Group) -> str:
    """Where a group's admins answer requests: the group page's "Requests to join" card."""
    return f"{group_url(group)}#join-requests"


def on_member_added(sender, *, group, user, actor, role, **kwargs):
    services.notify([user], Kind.INVITATION, services.Target(
        type="group", id=group.id, url=group_url(group), group_id=group.id), actor=actor)


def on_join_requested(sender, *, join_request, **kwargs):
    group = join_request.group
    managers = (Membership.objects.filter(group=group, role__in=[Membership.Role.OWNER,
                                                                 Membership.Role.ADMIN])
                .values_list("user_id", flat=True))
    services.notify(list(managers), Kind.JOIN_REQUEST, services.Target(
        type=JOIN_REQUEST_TARGET, id=join_request.id, url=join_requests_url(group),
        title=join_request.message, group_id=group.id), actor=join_request.user)


def on_join_request_decided(sender, *, join_request, actor, **kwargs):
    # Answered by one admin: the others' notifications about it need no more attention.
    _read_by_everyone(join_request)
    if join_request.status == JoinRequest.Status.APPROVED:
        group = join_request.group
        # An invitation for the person: they now belong to the group, as when added.
        services.notify([join_request.user], Kind.INVITATION, services.Target(
            type=JOIN_REQUEST_TARGET, id=join_request.id, url=group_url(group),
            group_id=group.id), actor=actor)


def on_join_request_withdrawn(sender, *, join_request, **kwargs):
    services.withdraw(target_type=JOIN_REQUEST_TARGET, target_ids=[join_request.id])


def _read_by_everyone(join_request: JoinRequest) -> None:
    unread = (Notification.objects.filter(kind=Kind.JOIN_REQUEST,
                                          target_type=JOIN_REQUEST_TARGET,
                                          target_id=join_request.id, read_at__isnull=True)
              .select_related("recipient"))
    for notification in unread:
        services.mark_read(user=notification.recipient, ids=[notification.id])


def connect():
    member_added.connect(on_member_added, dispatch_uid="notifications.member_added")
    join_requested.connect(on_join_requested, dispatch_uid="notifications.join_requested")
    join_request_decided.connect(on_join_request_decided,
                                 dispatch_uid="notifications.join_request_decided")
    join_request_withdrawn.connect(on_join_request_withdrawn,
                                   dispatch_uid="notifications.join_request_withdrawn")
