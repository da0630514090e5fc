"""/api/v1/ feed, posts, comments, reactions, polls and announcements: thin adapters over
feed.services and feed.selectors (docs/api.md)."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Status

from feed import permissions, selectors, services
from feed.models import Comment, Poll, Post
from feed.schemas import (
    AcknowledgementOut,
    CommentIn,
    CommentList,
    CommentOut,
    FeedOut,
    PollOut,
    PostIn,
    PostOut,
    PostPatch,
    ReactionIn,
    ReactionsOut,
    ReceiptPage,
    RecordedOut,
    ReminderOut,
    Text,
    TooSoonOut,
    VoteIn,
)
from groups.models import Group
from groups.permissions import access_group

router = Router(tags=["feed"])

RECEIPT_PAGE_SIZE = 50
FeedKind = Literal[selectors.FeedFilter.CHOICES]
ReceiptStatusParam = Literal[selectors.ReceiptStatus.CHOICES]


# --- Helpers ---------------------------------------------------------------------------------

def _limit(limit: int) -> int:
    return max(1, min(limit, settings.RELAIS_LIMITS["api_page_size"]))


def _group_with_posts(user, slug: str, *, member: bool = False) -> Group:
    """A group whose posts ``user`` may read (and, with ``member``, that is one of theirs);
    404 otherwise, as for a group that does not exist."""
    group = access_group(user, slug)
    if not permissions.can_see_group_posts(user, group):
        raise Http404
    if member and not permissions.is_member(user, group):
        raise Http404
    return group


def _detailed(request, post_id: int) -> Post:
    post = selectors.post_with_details(request.auth, post_id)
    if post is None:
        raise Http404
    return post


def _parent(post: Post, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = Comment.objects.filter(post=post, id=parent_id).first()
    if parent is None:
        raise ValidationError({"parent_id": _("There is no such comment under this post.")})
    return parent


def _visible_poll(user, poll_id: int) -> Poll:
    poll = (Poll.objects.select_related("post__group")
            .filter(id=poll_id, post__in=selectors.visible_posts(user)).first())
    if poll is None:
        raise Http404
    return poll


# --- The feed and posts ----------------------------------------------------------------------

@router.get("/feed", response=FeedOut, summary="My news feed")
def feed(request, cursor: Text | None = None, kind: FeedKind = "all", group: Text | None = None,
         limit: int = selectors.FEED_PAGE_SIZE):
    """Posts of my groups, newest first. The first page also has `top`: announcements
    awaiting my acknowledgement, then pinned posts."""
    scope = _group_with_posts(request.auth, group, member=True) if group else None
    page = selectors.feed_for(request.auth, cursor=cursor or None, kind=kind, group=scope,
                              size=_limit(limit), comments=False)
    return {"top": page.top, "items": page.posts, "next_cursor": page.next_cursor}


@router.post("/groups/{slug}/posts", response={201: PostOut}, summary="Post in a group")
def create_post(request, slug: Text, payload: PostIn):
    group = _group_with_posts(request.auth, slug)
    post = services.create_post(author=request.auth, group=group, body=payload.body,
                                kind=payload.kind, requires_ack=payload.requires_ack,
                                ack_deadline=payload.ack_deadline, urgent=payload.urgent,
                                poll=payload.poll.to_spec() if payload.poll else None)
    return Status(201, _detailed(request, post.id))


@router.get("/posts/{int:post_id}", response=PostOut, summary="One post")
def get_post(request, post_id: int):
    return _detailed(request, post_id)


@router.patch("/posts/{int:post_id}", response=PostOut,
              summary="Edit a post (author or group admin; announcement settings: admins)")
def update_post(request, post_id: int, payload: PostPatch):
    """Only the fields present change; `"ack_deadline": null` removes the deadline."""
    post = permissions.access_post(request.auth, post_id)
    changes = payload.dict(exclude_unset=True)
    services.update_post(actor=request.auth, post=post, body=changes.get("body"),
                         kind=changes.get("kind"), requires_ack=changes.get("requires_ack"),
                         ack_deadline=changes.get("ack_deadline", False),
                         urgent=changes.get("urgent"))
    return _detailed(request, post.id)


@router.delete("/posts/{int:post_id}", response={204: None},
               summary="Delete a post (author, group admin, organisation admin)")
def delete_post(request, post_id: int):
    post = permissions.access_post(request.auth, post_id)
    services.delete_post(actor=request.auth, post=post)
    return Status(204, None)


# --- Comments, reactions, polls --------------------------------------------------------------

@router.get("/posts/{int:post_id}/comments", response=CommentList,
            summary="A post's comments, oldest first, with their replies")
def list_comments(request, post_id: int):
    post = permissions.access_post(request.auth, post_id)
    return {"items": selectors.comments_of(post)}


@router.post("/posts/{int:post_id}/comments", response={201: CommentOut}, summary="Comment")
def add_comment(request, post_id: int, payload: CommentIn):
    """With `parent_id`, a reply; a reply to a reply answers its thread (one level)."""
    post = permissions.access_post(request.auth, post_id)
    comment = services.add_comment(author=request.auth, post=post, body=payload.body,
                                   parent=_parent(post, payload.parent_id))
    return Status(201, comment)


@router.post("/posts/{int:post_id}/reactions", response=ReactionsOut, summary="React to a post")
def react(request, post_id: int, payload: ReactionIn):
    post = permissions.access_post(request.auth, post_id)
    services.react(user=request.auth, post=post, emoji=payload.emoji)
    return {"reactions": selectors.reaction_summary(_detailed(request, post.id), request.auth)}


@router.delete("/posts/{int:post_id}/reactions", response=ReactionsOut,
               summary="Take back a reaction")
def unreact(request, post_id: int, payload: ReactionIn):
    post = permissions.access_post(request.auth, post_id)
    services.unreact(user=request.auth, post=post, emoji=payload.emoji)
    return {"reactions": selectors.reaction_summary(_detailed(request, post.id), request.auth)}


@router.post("/polls/{int:poll_id}/vote", response=PollOut, summary="Vote, or change my vote")
def vote(request, poll_id: int, payload: VoteIn):
    poll = _visible_poll(request.auth, poll_id)
    services.vote(user=request.auth, poll=poll, option_ids=payload.option_ids)
    return _detailed(request, poll.post_id).poll


# --- Announcements ---------------------------------------------------------------------------

@router.post("/posts/{int:post_id}/read", response=RecordedOut,
             summary="Record that I have seen an announcement")
def record_view(request, post_id: int):
    """Idempotent: the first time seen is kept (`recorded` is false after the first)."""
    post = permissions.access_post(request.auth, post_id)
    return {"recorded": bool(services.record_views(user=request.auth, post_ids=[post.id]))}


@router.post("/posts/{int:post_id}/acknowledge", response=AcknowledgementOut,
             summary="I have read and understood")
def acknowledge(request, post_id: int):
    """Once per person: acknowledging again keeps the first time."""
    post = permissions.access_post(request.auth, post_id)
    return services.acknowledge(user=request.auth, post=post)


@router.get("/posts/{int:post_id}/receipts", response=ReceiptPage,
            summary="Who has seen and acknowledged an announcement (author and admins)")
def receipts(request, post_id: int, status: ReceiptStatusParam = "all", department: Text = "",
             q: Text = "", page: int = 1):
    post = permissions.access_post(request.auth, post_id)
    permissions.check_can_see_receipts(request.auth, post)
    rows = selectors.receipt_rows(post, status=status, department=department.strip(),
                                  query=q.strip()[:100])
    paginator = Paginator(rows, RECEIPT_PAGE_SIZE)
    current = paginator.get_page(page)
    return {"counts": selectors.receipt_counts(post), "items": list(current.object_list),
            "page": current.number, "pages": paginator.num_pages}


@router.post("/posts/{int:post_id}/remind", response={201: ReminderOut, 429: TooSoonOut},
             summary="Remind those who have not seen or acknowledged it yet")
def remind(request, post_id: int):
    post = permissions.access_post(request.auth, post_id)
    try:
        reminder = services.remind(actor=request.auth, post=post)
    except services.ReminderTooSoon as error:
        return Status(429, {"detail": str(error), "next_possible_at": error.next_at})
    return Status(201, {"recipient_count": reminder.recipient_count,
                        "sent_at": reminder.sent_at,
                        "next_possible_at": services.next_reminder_at(post)})
