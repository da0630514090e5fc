"""Comments (with one level of replies) and reactions on posts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from feed import events, permissions, search_index, selectors
from feed.models import REACTION_EMOJI, Comment, Post, Reaction
from feed.services._common import _record_mentions, _render, _target, post_url
from feed.services.validation import _clean_body
from network import rich_text
from network.realtime import group_stream, send_event_on_commit
from notifications import services as notifications
from notifications.models import Notification


def add_comment(*, author: User, post: Post, body: str, parent: Comment | None = None) -> Comment:
    if not permissions.can_interact(author, post):
        raise PermissionDenied(_("This group is archived; nothing new can be added."))
    body = _clean_body(body, limit_name="comment_chars", required=True)
    if parent is not None:
        if parent.post_id != post.id:
            raise ValidationError({"parent": _("You can only reply to a comment of this post.")})
        # One level of replies: answering a reply answers its thread.
        if parent.parent_id is not None:
            parent = parent.parent
    rendered = _render(body, post.group)
    with transaction.atomic():
        comment = Comment.objects.create(post=post, parent=parent, author=author, body=body,
                                         body_html=rendered.html)
        Post.objects.filter(id=post.id).update(comment_count=F("comment_count") + 1)
        post.refresh_from_db(fields=["comment_count"])
        _record_mentions(post, rendered.mentioned_ids, comment=comment, actor=author)
        repliers_to = {post.author_id}
        if parent is not None:
            repliers_to.add(parent.author_id)
        repliers_to -= {None, *rendered.mentioned_ids}
        notifications.notify(repliers_to, Notification.Kind.REPLY,
                             notifications.Target(type="post", id=post.id,
                                                  url=f"{post_url(post)}#comment-{comment.id}",
                                                  title=rich_text.plain_excerpt(body),
                                                  group_id=post.group_id),
                             actor=author)
        send_event_on_commit(group_stream(post.group_id),
                             events.comment_created(comment, comment_count=post.comment_count))
        search_index.index_comment(comment)
    return comment


def _check_can_change_comment(actor: User, comment: Comment) -> None:
    from groups.permissions import can_manage

    if not (comment.author_id == actor.id or can_manage(actor, comment.post.group)):
        raise PermissionDenied(_("Only the author and the group's admins can change this "
                                 "comment."))


def edit_comment(*, actor: User, comment: Comment, body: str) -> Comment:
    _check_can_change_comment(actor, comment)
    body = _clean_body(body, limit_name="comment_chars", required=True)
    rendered = _render(body, comment.post.group)
    with transaction.atomic():
        comment.body, comment.body_html, comment.edited_at = body, rendered.html, timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        send_event_on_commit(group_stream(comment.post.group_id),
                             events.post_updated(comment.post, changed=["comments"]))
        search_index.index_comment(comment)
    return comment


def delete_comment(*, actor: User, comment: Comment) -> None:
    _check_can_change_comment(actor, comment)
    post = comment.post
    with transaction.atomic():
        reply_ids = list(comment.replies.values_list("id", flat=True))
        removed = 1 + len(reply_ids)
        search_index.unindex_comments([comment.id, *reply_ids])
        comment.delete()
        Post.objects.filter(id=post.id).update(comment_count=F("comment_count") - removed)
        send_event_on_commit(group_stream(post.group_id),
                             events.post_updated(post, changed=["comments"]))


def _check_emoji(emoji: str) -> str:
    if emoji not in REACTION_EMOJI:
        raise ValidationError({"emoji": _("Choose one of the offered reactions.")})
    return emoji


def react(*, user: User, post: Post, emoji: str) -> bool:
    """Add ``user``'s reaction; returns False when it was already there."""
    if not permissions.can_interact(user, post):
        raise PermissionDenied(_("This group is archived; nothing new can be added."))
    emoji = _check_emoji(emoji)
    with transaction.atomic():
        # bulk_create(ignore_conflicts=True) returns its input even when nothing was inserted.
        _reaction, created = Reaction.objects.get_or_create(post=post, user=user, emoji=emoji)
        if created:
            if post.author_id and not Notification.objects.filter(
                    recipient_id=post.author_id, kind=Notification.Kind.REACTION,
                    target_type="post", target_id=post.id, actor=user).exists():
                notifications.notify([post.author_id], Notification.Kind.REACTION,
                                     _target(post), actor=user)
            send_event_on_commit(group_stream(post.group_id), events.reaction_changed(
                post, counts=selectors.reaction_counts(post)))
    return created


def unreact(*, user: User, post: Post, emoji: str) -> bool:
    emoji = _check_emoji(emoji)
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(post=post, user=user, emoji=emoji).delete()
        if deleted:
            send_event_on_commit(group_stream(post.group_id), events.reaction_changed(
                post, counts=selectors.reaction_counts(post)))
    return bool(deleted)
