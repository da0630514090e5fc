"""Voting in polls. A poll is created with its post (posts.create_post)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from feed import events, permissions
from feed.models import Poll, PollVote
from network.realtime import group_stream, send_event_on_commit


def vote(*, user: User, poll: Poll, option_ids: list[int]) -> list[PollVote]:
    """Cast or change ``user``'s vote while the poll is open."""
    post = poll.post
    if not permissions.can_interact(user, post):
        raise PermissionDenied(_("This group is archived; nothing new can be added."))
    if not poll.is_open():
        raise PermissionDenied(_("This poll is closed."))
    try:
        chosen = {int(i) for i in option_ids}
    except (TypeError, ValueError):
        raise ValidationError({"option_ids": _("Choose among the poll's options.")}) from None
    valid = set(poll.options.filter(id__in=chosen).values_list("id", flat=True))
    if not chosen or valid != chosen:
        raise ValidationError({"option_ids": _("Choose among the poll's options.")})
    if not poll.multiple and len(chosen) != 1:
        raise ValidationError({"option_ids": _("Choose one option.")})
    with transaction.atomic():
        PollVote.objects.filter(poll=poll, user=user).exclude(option_id__in=chosen).delete()
        PollVote.objects.bulk_create([PollVote(poll=poll, option_id=oid, user=user)
                                      for oid in sorted(chosen)], ignore_conflicts=True)
        send_event_on_commit(group_stream(post.group_id),
                             events.post_updated(post, changed=["poll"]))
    return list(PollVote.objects.filter(poll=poll, user=user))
