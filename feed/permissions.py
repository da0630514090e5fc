"""Who may do what with posts. Every read starts from groups.selectors.visible_groups."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from feed.models import Post
from feed.selectors import visible_posts
from groups.models import Group
from groups.permissions import can_manage
from groups.selectors import membership_of, visible_groups


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def access_post(user, post_id) -> Post:
    """The post if ``user`` can see it; 404 for missing and hidden alike."""
    try:
        post_id = int(post_id)
    except (TypeError, ValueError):
        raise Http404("No such post.") from None
    post = visible_posts(user).select_related("group", "author").filter(id=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


def is_member(user, group: Group) -> bool:
    return _active(user) and membership_of(user, group) is not None


def can_post(user, group: Group) -> bool:
    """Members write in their groups; organisation admins in any group."""
    if not _active(user) or group.is_archived:
        return False
    if not visible_groups(user).filter(pk=group.pk).exists():
        return False
    return user.is_staff or is_member(user, group)


def can_announce(user, group: Group) -> bool:
    return can_post(user, group) and can_manage(user, group)


def can_interact(user, post: Post) -> bool:
    """Comment, react and vote: whoever can see the post, while its group is not archived."""
    return (_active(user) and not post.group.is_archived
            and visible_groups(user).filter(pk=post.group_id).exists())


def can_edit(user, post: Post) -> bool:
    if not _active(user) or post.group.is_archived:
        return False
    return post.author_id == user.id or can_manage(user, post.group)


def can_delete(user, post: Post) -> bool:
    return _active(user) and (post.author_id == user.id or can_manage(user, post.group))


def can_pin(user, post: Post) -> bool:
    return _active(user) and not post.group.is_archived and can_manage(user, post.group)


def can_see_receipts(user, post: Post) -> bool:
    return (_active(user) and post.is_announcement
            and (post.author_id == user.id or can_manage(user, post.group)))


def is_in_audience(user, post: Post) -> bool:
    """The audience of an announcement: the group's members who can see it, but its author."""
    return (post.author_id != user.id and is_member(user, post.group)
            and visible_groups(user).filter(pk=post.group_id).exists())


def check(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def check_can_post(user, group: Group) -> None:
    if group.is_archived:
        raise PermissionDenied(_("This group is archived; nothing new can be posted in it."))
    check(can_post(user, group), _("Only members of the group can post in it."))


def check_can_edit(user, post: Post) -> None:
    check(can_edit(user, post), _("Only the author and the group's admins can edit this post."))


def check_can_delete(user, post: Post) -> None:
    check(can_delete(user, post),
          _("Only the author and the group's admins can delete this post."))


def check_can_see_receipts(user, post: Post) -> None:
    check(can_see_receipts(user, post),
          _("Only the author and the group's admins can follow this announcement's readers."))


def can_see_group_posts(user, group: Group) -> bool:
    return _active(user) and visible_groups(user).filter(pk=group.pk).exists()
