"""What posts, comments and announcements share: a post's link, the target its notifications
point to, rendering of rich text, and recording (and notifying) mentions."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from feed.models import Comment, Mention, Post
from groups.models import Group
from groups.selectors import users_who_can_see
from network import rich_text
from notifications import services as notifications
from notifications.models import Notification

Kind = Post.Kind


def post_url(post: Post) -> str:
    return reverse("feed:post", args=[post.id])


def _target(post: Post, *, title: str | None = None) -> notifications.Target:
    return notifications.Target(type="post", id=post.id, url=post_url(post),
                                title=title if title is not None
                                else rich_text.plain_excerpt(post.body or _poll_question(post)),
                                group_id=post.group_id)


def _poll_question(post: Post) -> str:
    poll = getattr(post, "poll", None) if post.kind == Kind.POLL else None
    return poll.question if poll else ""


def _render(body: str, group: Group) -> rich_text.Rendered:
    return rich_text.render(body, mentionable=users_who_can_see(group))


def _record_mentions(post: Post, mentioned_ids: list[int], *, comment: Comment | None,
                     actor: User, already: set[int] = frozenset()) -> None:
    new_ids = [uid for uid in mentioned_ids if uid not in already]
    Mention.objects.bulk_create([Mention(post=post, comment=comment, user_id=uid)
                                 for uid in new_ids])
    if new_ids:
        target = _target(post)
        if comment is not None:
            target = notifications.Target(type="post", id=post.id,
                                          url=f"{post_url(post)}#comment-{comment.id}",
                                          title=rich_text.plain_excerpt(comment.body),
                                          group_id=post.group_id)
        notifications.notify(new_ids, Notification.Kind.MENTION, target, actor=actor)
