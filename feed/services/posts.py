"""Posts, announcements and polls themselves: create (with attached files), edit, delete, pin."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from documents import services as documents
from documents.filetypes import IMAGE_TYPES
from feed import events, permissions, search_index
from feed.models import Attachment, Poll, PollOption, Post
from feed.services._common import Kind, _record_mentions, _render, _target
from feed.services.deadlines import (
    DEADLINE_FIELDS,
    _ack_due_notice_state,
    _schedule_ack_due_notice,
)
from feed.services.validation import (
    PollSpec,
    _check_attachments,
    _clean_body,
    _clean_deadline,
    _clean_poll,
    _only_announcements_are_urgent,
)
from groups.models import Group, Membership
from network.realtime import group_stream, send_event_on_commit
from network.uploads import sniff
from notifications import services as notifications
from notifications.models import Notification


def create_post(*, author: User, group: Group, body: str = "", kind: str = Kind.POST,
                requires_ack: bool = False, ack_deadline: datetime | None = None,
                poll: PollSpec | None = None, attachments=(), urgent: bool = False) -> Post:
    """``urgent`` (announcements only) sends the announcement's email and push at once, even
    to people outside their working hours or off duty; so do its reminders and deadline notice."""
    permissions.check_can_post(author, group)
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose a post, an announcement or a poll.")})
    if kind == Kind.ANNOUNCEMENT and not permissions.can_announce(author, group):
        raise PermissionDenied(_("Only the group's admins can post announcements."))
    if kind != Kind.ANNOUNCEMENT and (requires_ack or ack_deadline):
        raise ValidationError({"requires_ack": _("Only announcements can ask for an "
                                                 "acknowledgement.")})
    if ack_deadline and not requires_ack:
        raise ValidationError({"ack_deadline": _("A deadline needs “require acknowledgement”.")})
    if urgent and kind != Kind.ANNOUNCEMENT:
        raise _only_announcements_are_urgent()
    files = _check_attachments(attachments)
    spec = _clean_poll(poll) if kind == Kind.POLL else None
    body = _clean_body(body, limit_name="post_chars", required=kind != Kind.POLL and not files)
    ack_deadline = _clean_deadline(ack_deadline)
    rendered = _render(body, group)
    # A post that was not created leaves no file behind.
    with documents.removing_files_on_failure() as stored_files:
        return _create_post(author, group, kind, body, rendered, requires_ack, ack_deadline,
                            bool(urgent), spec, files, stored_files)


def _create_post(author, group, kind, body, rendered, requires_ack, ack_deadline, urgent, spec,
                 files, stored_files) -> Post:
    with transaction.atomic():
        post = Post.objects.create(group=group, author=author, kind=kind, body=body,
                                   body_html=rendered.html, requires_ack=requires_ack,
                                   ack_deadline=ack_deadline, urgent=urgent)
        if spec is not None:
            poll_row = Poll.objects.create(post=post, question=spec.question,
                                           multiple=spec.multiple, anonymous=spec.anonymous,
                                           closes_at=spec.closes_at)
            PollOption.objects.bulk_create([PollOption(poll=poll_row, label=label, position=i)
                                            for i, label in enumerate(spec.options)])
        _attach(post, author, files, stored_files)
        _record_mentions(post, rendered.mentioned_ids, comment=None, actor=author)
        if kind == Kind.ANNOUNCEMENT:
            audience = (Membership.objects.filter(group=group).exclude(user=author)
                        .values_list("user_id", flat=True))
            notifications.notify(list(audience), Notification.Kind.ANNOUNCEMENT, _target(post),
                                 actor=author, urgent=post.urgent)
            _schedule_ack_due_notice(post)
        send_event_on_commit(group_stream(group.id), events.post_created(post))
        search_index.index_post(post)
    return post


def _attach(post: Post, author: User, files: list[documents.CheckedFile],
            stored_files: list[str]) -> None:
    """The files become documents of the group's Attachments folder, uploaded by the author,
    in the post's transaction; the post links to them."""
    attached = documents.attach_files(uploader=author, group=post.group, checked=files,
                                      stored=stored_files)
    rows = []
    for checked, document in zip(files, attached, strict=True):
        image = sniff(checked.upload) if checked.content_type in IMAGE_TYPES else None
        rows.append(Attachment(post=post, document=document, name=document.name,
                               size=checked.upload.size, content_type=checked.content_type,
                               is_image=image is not None,
                               width=image.width if image else None,
                               height=image.height if image else None))
    Attachment.objects.bulk_create(rows)
    # A file whose name claimed another kind was saved under its real one: the author is told.
    post.attachment_notices = [checked.notice for checked in files if checked.notice]


def update_post(*, actor: User, post: Post, body: str | None = None, kind: str | None = None,
                requires_ack: bool | None = None,
                ack_deadline: datetime | bool | None = False,
                urgent: bool | None = None) -> Post:
    """Edit the text (author or group admin); change announcement settings (group admin).

    ``ack_deadline=False`` leaves the deadline as it is; ``None`` removes it. A post that
    becomes an announcement notifies its audience (urgently if it is made urgent too); an
    announcement made urgent later is not announced again.
    """
    permissions.check_can_edit(actor, post)
    changed = []
    # Settings sent back unchanged (an API client sending the whole post) are no change.
    announcement_change = (kind is not None and kind != post.kind) \
        or (requires_ack is not None and requires_ack != post.requires_ack) \
        or (ack_deadline is not False and ack_deadline != post.ack_deadline) \
        or (urgent is not None and urgent != post.urgent)
    if announcement_change:
        if not permissions.can_announce(actor, post.group):
            raise PermissionDenied(_("Only the group's admins can change announcements."))
        if kind is not None and kind != post.kind:
            if {kind, post.kind} != {Kind.POST, Kind.ANNOUNCEMENT}:
                raise ValidationError({"kind": _("A post can become an announcement and back; "
                                                 "polls stay polls.")})
            post.kind = kind
            changed.append("kind")
        if requires_ack is not None and requires_ack != post.requires_ack:
            post.requires_ack = requires_ack
            changed.append("requires_ack")
        if ack_deadline is not False and ack_deadline != post.ack_deadline:
            post.ack_deadline = _clean_deadline(ack_deadline)
            changed.append("ack_deadline")
        if urgent is not None and urgent != post.urgent:
            post.urgent = urgent
            changed.append("urgent")
        if post.kind != Kind.ANNOUNCEMENT and (post.requires_ack or post.ack_deadline):
            post.requires_ack, post.ack_deadline = False, None
        if post.kind != Kind.ANNOUNCEMENT and post.urgent:
            if urgent:
                raise _only_announcements_are_urgent()
            # An announcement turned back into a post stops being urgent with it.
            post.urgent = False
            changed.append("urgent")
        if post.ack_deadline and not post.requires_ack:
            raise ValidationError({"ack_deadline": _("A deadline needs “require "
                                                     "acknowledgement”.")})
    mentioned = []
    if body is not None:
        body = _clean_body(body, limit_name="post_chars",
                           required=post.kind != Kind.POLL and not post.attachments.exists())
        if body != post.body:
            rendered = _render(body, post.group)
            post.body, post.body_html = body, rendered.html
            post.edited_at = timezone.now()
            mentioned = rendered.mentioned_ids
            changed.append("body")
    if not changed:
        return post
    with transaction.atomic():
        post.ack_due_notified_at = _ack_due_notice_state(post, changed)
        post.save()
        if mentioned:
            already = set(post.mentions.filter(comment__isnull=True)
                          .values_list("user_id", flat=True))
            _record_mentions(post, mentioned, comment=None, actor=actor, already=already)
        if "kind" in changed and post.kind == Kind.ANNOUNCEMENT:
            audience = (Membership.objects.filter(group=post.group).exclude(user=post.author_id)
                        .values_list("user_id", flat=True))
            notifications.notify(list(audience), Notification.Kind.ANNOUNCEMENT,
                                 _target(post), actor=actor, urgent=post.urgent)
        if DEADLINE_FIELDS & set(changed) and post.ack_due_notified_at is None:
            _schedule_ack_due_notice(post)
        send_event_on_commit(group_stream(post.group_id),
                             events.post_updated(post, changed=changed))
        search_index.index_post(post, kind_changed="kind" in changed)
    return post


def delete_post(*, actor: User, post: Post) -> None:
    """Delete a post with its comments, reactions, votes and receipts. Its files go to the
    library's trash, where their uploader and the group's admins can restore them for
    RELAIS_DOCUMENT_TRASH_DAYS."""
    permissions.check_can_delete(actor, post)
    post_id, group_id = post.id, post.group_id
    comment_ids = list(post.comments.values_list("id", flat=True))
    with transaction.atomic():
        document_ids = list(post.attachments.exclude(document=None)
                            .values_list("document_id", flat=True))
        documents.trash_attachments(actor=actor, document_ids=document_ids)
        post.delete()
        search_index.unindex_post(post_id, comment_ids)
        notifications.withdraw(target_type="post", target_ids=[post_id])
        send_event_on_commit(group_stream(group_id),
                             events.post_deleted(post_id=post_id, group_id=group_id))


def set_pinned(*, actor: User, post: Post, pinned: bool) -> Post:
    if not permissions.can_pin(actor, post):
        raise PermissionDenied(_("Only the group's admins can pin posts."))
    if pinned == post.is_pinned:
        return post
    with transaction.atomic():
        post.pinned_at = timezone.now() if pinned else None
        post.save(update_fields=["pinned_at"])
        send_event_on_commit(group_stream(post.group_id),
                             events.post_updated(post, changed=["pinned"]))
    return post
