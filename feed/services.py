"""Every write to the feed: posts, comments, reactions, polls, receipts and reminders.

Each service checks permission, validates, runs in one transaction and registers its events
and notifications on commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from documents import services as documents
from documents.filetypes import IMAGE_TYPES
from feed import events, permissions, search_index, selectors
from feed.models import (
    REACTION_EMOJI,
    Attachment,
    Comment,
    Mention,
    Poll,
    PollOption,
    PollVote,
    Post,
    Reaction,
    Receipt,
    Reminder,
)
from groups.models import Group, Membership
from groups.selectors import users_who_can_see
from network import rich_text
from network.realtime import group_stream, send_event_on_commit, send_events_on_commit, user_stream
from network.uploads import sniff
from notifications import services as notifications
from notifications.models import Notification

Kind = Post.Kind
POLL_MIN_OPTIONS, POLL_MAX_OPTIONS = 2, 10
# What update_post may change that moves when "the deadline is near" is due.
DEADLINE_FIELDS = frozenset({"kind", "requires_ack", "ack_deadline"})


def _only_announcements_are_urgent() -> ValidationError:
    return ValidationError({"urgent": _("Only announcements can be urgent.")})


class ReminderTooSoon(Exception):
    """A reminder was sent less than the interval ago; ``next_at`` is when one is allowed."""

    def __init__(self, next_at: datetime):
        super().__init__(_("A reminder was sent recently; the next one is possible at "
                           "%(time)s.") % {"time": timezone.localtime(next_at).strftime("%H:%M")})
        self.next_at = next_at


@dataclass
class PollSpec:
    question: str
    options: list[str]
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime | None = None


# --- Validation ------------------------------------------------------------------------------

def _limit(name: str) -> int:
    return settings.RELAIS_LIMITS[name]


def _clean_body(body: str, *, limit_name: str, required: bool, field: str = "body") -> str:
    body = (body or "").strip()
    if required and not body:
        raise ValidationError({field: _("Write something first.")})
    limit = _limit(limit_name)
    if len(body) > limit:
        raise ValidationError({field: _("This is too long: %(limit)s characters at most "
                                        "(%(length)s written).") % {"limit": limit,
                                                                    "length": len(body)}})
    return body


def _clean_deadline(deadline: datetime | None) -> datetime | None:
    if deadline is not None and deadline <= timezone.now():
        raise ValidationError({"ack_deadline": _("The deadline must be in the future.")})
    return deadline


def _clean_poll(spec: PollSpec | None) -> PollSpec:
    if spec is None:
        raise ValidationError({"poll": _("A poll needs a question and options.")})
    errors = {}
    question = (spec.question or "").strip()
    if not question:
        errors["poll_question"] = _("Ask a question.")
    elif len(question) > 300:
        errors["poll_question"] = _("The question is too long (300 characters at most).")
    options = [option.strip() for option in spec.options if option and option.strip()]
    if not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS:
        errors["poll_options"] = _("A poll has %(min)s to %(max)s options.") % {
            "min": POLL_MIN_OPTIONS, "max": POLL_MAX_OPTIONS}
    elif len({option.casefold() for option in options}) != len(options):
        errors["poll_options"] = _("Two options are the same.")
    elif any(len(option) > 200 for option in options):
        errors["poll_options"] = _("An option is too long (200 characters at most).")
    if spec.closes_at is not None and spec.closes_at <= timezone.now():
        errors["poll_closes_at"] = _("The closing time must be in the future.")
    if errors:
        raise ValidationError(errors)
    return PollSpec(question, options, bool(spec.multiple), bool(spec.anonymous), spec.closes_at)


def _check_attachments(files) -> list[documents.CheckedFile]:
    """Attached files are documents of the group's library: checked as its uploads are."""
    files = list(files or [])
    if len(files) > _limit("post_attachments"):
        raise ValidationError({"attachments": _("Attach %(limit)s files at most.")
                                              % {"limit": _limit("post_attachments")}})
    return documents.check_attachments(files, field_name="attachments")


# --- Posts -----------------------------------------------------------------------------------

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


# --- Comments and reactions ------------------------------------------------------------------

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


# --- Polls -----------------------------------------------------------------------------------

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


# --- Announcements: reading, acknowledging, reminding ----------------------------------------

def _receipt_managers(post: Post) -> set[int]:
    managers = set(Membership.objects.filter(group_id=post.group_id,
                                             role__in=[Membership.Role.OWNER,
                                                       Membership.Role.ADMIN])
                   .values_list("user_id", flat=True))
    if post.author_id:
        managers.add(post.author_id)
    return managers


def _receipt_push_key(post_id: int) -> str:
    return f"feed:receipt-counts:{post_id}"


def push_receipt_counts(post_id: int) -> None:
    # The claim is released before counting: a receipt committed from now on schedules the
    # next push, and one committed before is in these counts (see _send_receipt_counts).
    cache.delete(_receipt_push_key(post_id))
    post = Post.objects.filter(id=post_id).first()
    if post is None:
        return
    counts = selectors.receipt_counts(post)
    event = events.receipts_changed(post, counts=counts)
    with transaction.atomic():
        send_events_on_commit([(user_stream(uid), event)
                               for uid in sorted(_receipt_managers(post))])


def _send_receipt_counts(post: Post) -> None:
    """Have the counts pushed once this reader's receipt is committed.

    At a shift change thousands of people open an all-staff announcement within minutes;
    counting its whole audience for each of them would slow every one down. The counts are
    computed by a task, at most once per interval per announcement: the first reader of an
    interval schedules it for the interval's end, the others find it scheduled.
    """
    post_id = post.id
    if not settings.REDIS_URL:
        # The embedded configuration's in-memory channel layer does not cross processes, so an
        # event pushed by the task worker would never reach this server's sockets: push here.
        transaction.on_commit(lambda: push_receipt_counts(post_id))
        return
    transaction.on_commit(lambda: _schedule_receipt_push(post_id))


def _schedule_receipt_push(post_id: int) -> None:
    """Once a receipt is committed: schedule a push unless one is scheduled and has not yet
    counted. The claim is taken only after the commit and released by the push before it
    counts, so the last receipt is always in a push: claimed at call time and left to expire,
    a receipt committed just after the scheduled push had counted found the claim still there
    and was never pushed (the live dashboard then lagged until the next reader)."""
    from feed.tasks import push_receipt_counts as push_task

    interval = settings.RELAIS_LIMITS["receipt_push_seconds"]
    # A safety net, should the task never run (no worker): pushes resume after this long.
    claim_seconds = max(60, interval * 10)
    if interval and not cache.add(_receipt_push_key(post_id), 1, timeout=claim_seconds):
        return
    task = push_task
    if interval and push_task.get_backend().supports_defer:
        task = push_task.using(run_after=timezone.now() + timedelta(seconds=interval))
    task.enqueue(post_id)


def record_views(*, user: User, post_ids: list[int]) -> list[int]:
    """Record that ``user`` has seen these announcements; returns the ids newly recorded.

    Idempotent: the first time seen is kept. Posts the user cannot see, that are not
    announcements, or whose audience the user is not in are ignored.
    """
    wanted = {int(pk) for pk in post_ids}
    if not wanted:
        return []
    posts = list(selectors.visible_posts(user)
                 .filter(id__in=wanted, kind=Kind.ANNOUNCEMENT,
                         group__in=selectors.my_group_ids(user))
                 .exclude(author=user))
    if not posts:
        return []
    already = set(Receipt.objects.filter(user=user, post__in=posts)
                  .values_list("post_id", flat=True))
    new_posts = [post for post in posts if post.id not in already]
    if not new_posts:
        return []
    now = timezone.now()
    with transaction.atomic():
        Receipt.objects.bulk_create([Receipt(post=post, user=user, seen_at=now)
                                     for post in new_posts], ignore_conflicts=True)
        for post in new_posts:
            _send_receipt_counts(post)
        notifications.mark_targets_read(user=user, target_type="post",
                                        target_ids=[post.id for post in new_posts])
    return [post.id for post in new_posts]


def acknowledge(*, user: User, post: Post) -> Receipt:
    """"I have read and understood": once per person; acknowledging again keeps the first."""
    if not post.requires_ack:
        raise ValidationError(_("This post does not ask for an acknowledgement."))
    if not permissions.is_in_audience(user, post):
        raise PermissionDenied(_("Only members of the group are asked to acknowledge this "
                                 "announcement."))
    now = timezone.now()
    with transaction.atomic():
        Receipt.objects.bulk_create([Receipt(post=post, user=user, seen_at=now)],
                                    ignore_conflicts=True)
        updated = Receipt.objects.filter(post=post, user=user,
                                         acknowledged_at__isnull=True).update(acknowledged_at=now)
        if updated:
            _send_receipt_counts(post)
            notifications.mark_targets_read(user=user, target_type="post", target_ids=[post.id])
    return Receipt.objects.get(post=post, user=user)


def next_reminder_at(post: Post) -> datetime | None:
    """When a reminder may be sent next; None when one may be sent now."""
    last = post.reminders.order_by("-sent_at").values_list("sent_at", flat=True).first()
    if last is None:
        return None
    next_at = last + timedelta(minutes=_limit("reminder_interval_minutes"))
    return next_at if next_at > timezone.now() else None


def remind(*, actor: User, post: Post) -> Reminder:
    """Notify (in the app and by email) everyone in the audience who has not yet seen, or
    not yet acknowledged, the announcement. At most once per interval per announcement."""
    permissions.check_can_see_receipts(actor, post)
    with transaction.atomic():
        # Two admins clicking at once: the row lock makes the second one wait, then refuse.
        Post.objects.select_for_update().filter(id=post.id).first()
        next_at = next_reminder_at(post)
        if next_at is not None:
            raise ReminderTooSoon(next_at)
        recipients = list(selectors.not_yet_done(post).exclude(user=actor)
                          .values_list("user_id", flat=True))
        if not recipients:
            raise ValidationError(_("Everyone in the audience has already done it."))
        reminder = Reminder.objects.create(post=post, sent_by=actor,
                                           recipient_count=len(recipients))
        notifications.notify(recipients, Notification.Kind.ANNOUNCEMENT_REMINDER, _target(post),
                             actor=actor, urgent=post.urgent, email=True)
    return reminder


# --- Announcements: the deadline is near ----------------------------------------------------

def ack_due_notice_at(post: Post) -> datetime | None:
    """When the audience is told that the acknowledgement deadline is near; None without one."""
    if not (post.requires_ack and post.ack_deadline):
        return None
    return post.ack_deadline - timedelta(hours=settings.RELAIS_ACK_DUE_NOTICE_HOURS)


def _ack_due_notice_state(post: Post, changed: list[str]) -> datetime | None:
    """Inside update_post's transaction: the notice's record to save with the post. A new
    deadline far enough away earns a notice of its own; otherwise the stored record is kept
    (read under lock: a notice sent since the post was loaded must not be forgotten)."""
    notice_at = ack_due_notice_at(post)
    if (DEADLINE_FIELDS & set(changed) and notice_at is not None
            and notice_at > timezone.now()):
        return None
    return (Post.objects.select_for_update().filter(id=post.id)
            .values_list("ack_due_notified_at", flat=True).first())


def _schedule_ack_due_notice(post: Post) -> None:
    """Queue the notice for its time once the post is committed: at once when that time has
    come, deferred when the task backend can wait. Otherwise (or if the task is lost) the
    ``notify_due_acknowledgements`` command, run by cron, sends it."""
    from feed.tasks import notify_acknowledgement_due as notice_task

    notice_at = ack_due_notice_at(post)
    if notice_at is None:
        return
    post_id = post.id
    if notice_at <= timezone.now():
        transaction.on_commit(lambda: notice_task.enqueue(post_id))
    elif notice_task.get_backend().supports_defer:
        transaction.on_commit(lambda: notice_task.using(run_after=notice_at).enqueue(post_id))


def notify_acknowledgement_due(post: Post | int, *, now: datetime | None = None) -> int:
    """Tell the audience members who have not acknowledged a required announcement that its
    deadline is near; returns how many were notified.

    Once per announcement, whoever calls first (the deferred task, the cron sweep, a retry):
    the post's row is locked and the notice recorded on it. Nothing goes out before the
    notice time of the current deadline (it may have moved since the task was queued), nor
    once the deadline has passed, nor for a deleted post.
    """
    post_id = post.id if isinstance(post, Post) else int(post)
    now = now or timezone.now()
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(id=post_id).first()
        notice_at = ack_due_notice_at(post) if post is not None else None
        if (notice_at is None or post.ack_due_notified_at is not None or notice_at > now
                or post.ack_deadline <= now):
            return 0
        post.ack_due_notified_at = now
        post.save(update_fields=["ack_due_notified_at"])
        recipients = list(selectors.not_yet_done(post).values_list("user_id", flat=True))
        created = notifications.notify(recipients, Notification.Kind.ACKNOWLEDGEMENT_DUE,
                                       _target(post), urgent=post.urgent)
    return len(created)
