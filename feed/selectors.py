"""Every read of posts, scoped to the viewer through groups.selectors.visible_groups."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone

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
)
from groups.models import Group, Membership
from groups.selectors import visible_groups, visible_member_group_ids
from network import keyset

FEED_PAGE_SIZE = 20
# Comments shown under a post in a list; the post's own page shows them all.
COMMENTS_PREVIEW = 2
PINNED_ON_HOME = 10


class FeedFilter:
    ALL = "all"
    ANNOUNCEMENTS = "announcements"
    MENTIONS = "mentions"
    POLLS = "polls"
    CHOICES = (ALL, ANNOUNCEMENTS, MENTIONS, POLLS)


def visible_posts(user) -> QuerySet[Post]:
    return Post.objects.filter(group__in=visible_groups(user).values("id"))


def my_group_ids(user) -> list[int]:
    """The groups whose posts make ``user``'s home feed: theirs, that they can still see.

    Read once as a list: the feed's queries then filter on plain ids, which PostgreSQL plans
    faster than the same subquery repeated in each of them.
    """
    return [row["group_id"] for row in visible_member_group_ids(user)]


def acknowledged_by(user):
    return Receipt.objects.filter(post=OuterRef("pk"), user=user,
                                  acknowledged_at__isnull=False)


def awaiting_acknowledgement(user, *, now=None, group_ids: list[int] | None = None
                             ) -> QuerySet[Post]:
    """Required announcements in ``user``'s groups (``group_ids`` when already read) that
    they have not acknowledged yet and whose deadline has not passed (their authors are not
    asked)."""
    if not (user.is_authenticated and user.is_active):
        return Post.objects.none()
    now = now or timezone.now()
    group_ids = my_group_ids(user) if group_ids is None else group_ids
    # requires_ack implies an announcement (a constraint); filtering on it alone matches the
    # post_required_announcement index and its row estimate.
    return (Post.objects.filter(group__in=group_ids, requires_ack=True)
            .filter(Q(ack_deadline__isnull=True) | Q(ack_deadline__gt=now))
            .exclude(author=user)
            .exclude(Exists(acknowledged_by(user))))


def awaiting_acknowledgement_count(user) -> int:
    if not (user.is_authenticated and user.is_active):
        return 0
    return awaiting_acknowledgement(user).count()


def shown_attachments() -> QuerySet[Attachment]:
    """A post's files as documents of its group's library: those in the library's trash are
    not shown (they come back if restored)."""
    return (Attachment.objects.filter(document__isnull=False, document__trashed_at__isnull=True)
            .select_related("document__current_version").order_by("id"))


def attachment_for(user, attachment_id) -> Attachment | None:
    """An attachment of a post ``user`` can see (its document's access is checked apart)."""
    return (Attachment.objects.filter(pk=attachment_id, post__in=visible_posts(user),
                                      document__isnull=False).first())


def with_details(posts: QuerySet[Post], user, *, comments: bool = True) -> list[Post]:
    """Everything a post card shows, in a constant number of queries for any page.
    ``comments=False`` leaves out the latest comments (the API lists them apart).

    A poll, the reader's receipt and the latest comments are read only for the posts that
    have them (polls, announcements, posts with comments): a page without polls pays none of
    the polls' three queries, one without announcements not the receipts' query, one without
    comments not the comments' two. The posts that lack them get empty ones, so a card never
    reads them one by one."""
    loaded = list(posts.select_related("author", "group").prefetch_related(
        Prefetch("attachments", queryset=shown_attachments()),
        Prefetch("reactions", queryset=Reaction.objects.select_related("user")
                 .only("id", "post_id", "emoji", "user_id", "user__display_name")
                 .order_by("created", "id")),
    ))
    polls = [post for post in loaded if post.kind == Post.Kind.POLL]
    if polls:
        options = PollOption.objects.annotate(vote_count=Count("votes")).order_by("position", "id")
        my_votes = (PollVote.objects.filter(user=user) if user.is_authenticated
                    else PollVote.objects.none())
        prefetch_related_objects(polls, Prefetch("poll", queryset=Poll.objects.prefetch_related(
            Prefetch("options", queryset=options),
            Prefetch("votes", queryset=my_votes, to_attr="my_votes"),
        ).annotate(voter_count=Count("votes__user", distinct=True))))
    announcements = _having(loaded, "my_receipts", lambda post: (
        post.kind == Post.Kind.ANNOUNCEMENT and user.is_authenticated))
    if announcements:
        prefetch_related_objects(announcements, Prefetch(
            "receipts", queryset=Receipt.objects.filter(user=user), to_attr="my_receipts"))
    if not comments:
        return loaded
    commented = _having(loaded, "latest_comments", lambda post: post.comment_count > 0)
    if commented:
        latest_comments = (Comment.objects.filter(parent__isnull=True).select_related("author")
                           .prefetch_related(Prefetch("replies", queryset=Comment.objects
                                                      .select_related("author")
                                                      .order_by("created", "id")))
                           .order_by("-created", "-id"))[:COMMENTS_PREVIEW]
        prefetch_related_objects(commented, Prefetch("comments", queryset=latest_comments,
                                                     to_attr="latest_comments"))
    return loaded


def _having(posts: list[Post], attribute: str, has) -> list[Post]:
    """The posts for which ``has(post)``; the others get an empty ``attribute`` at once."""
    chosen = []
    for post in posts:
        if has(post):
            chosen.append(post)
        else:
            setattr(post, attribute, [])
    return chosen


@dataclass
class FeedPage:
    top: list[Post] = field(default_factory=list)  # pinned and awaiting acknowledgement
    posts: list[Post] = field(default_factory=list)
    next_cursor: str | None = None
    # How many announcements await the reader's acknowledgement in all their groups, when the
    # page is the whole feed (the navigation badge's figure, read with the page's top).
    awaiting_count: int | None = None


def _top_ids(user, scope: QuerySet[Post], *, include_pinned: bool, pinned_limit: int,
             group_ids: list[int], narrowed: bool) -> tuple[list[int], list[int]]:
    """(awaiting acknowledgement, pinned)"""
    awaiting = awaiting_acknowledgement(user, group_ids=group_ids)
    if narrowed:  # a filter or a single group: only what it shows
        awaiting = awaiting.filter(id__in=scope.values("id"))
    awaiting = list(awaiting.order_by("-created", "-id").values_list("id", flat=True))
    if not include_pinned:
        return awaiting, []
    pinned = list(scope.filter(pinned_at__isnull=False).exclude(id__in=awaiting)
                  .order_by("-pinned_at", "-id").values_list("id", flat=True)[:pinned_limit])
    return awaiting, pinned


def _page(user, scope: QuerySet[Post], cursor: str | None, size: int, *,
          include_pinned: bool, pinned_limit: int, group_ids: list[int] | None = None,
          narrowed: bool = True, comments: bool = True) -> FeedPage:
    # Computed on every page: the stream leaves out what the first page showed on top.
    awaiting, pinned = _top_ids(
        user, scope, include_pinned=include_pinned, pinned_limit=pinned_limit,
        group_ids=my_group_ids(user) if group_ids is None else group_ids, narrowed=narrowed)
    top_ids = awaiting + pinned
    stream = scope.exclude(id__in=top_ids) if top_ids else scope
    if cursor:
        # Redundant with the keyset condition (created < c OR created = c AND id < i), which
        # PostgreSQL cannot use as an index bound: without it a deep page reads every newer
        # post of the index before the cursor.
        stream = stream.filter(created__lte=keyset.decode(cursor)[0])
    # The page's ids first (a light keyset query), then the cards of the top and the stream
    # together: one set of detail queries instead of two.
    rows, next_cursor = keyset.page(stream.only("id", "created"), cursor, size)
    top_ids = top_ids if not cursor else []
    ids = [*top_ids, *(row.id for row in rows)]
    by_id = {post.id: post for post in with_details(Post.objects.filter(id__in=ids), user,
                                                    comments=comments)} \
        if ids else {}
    return FeedPage(top=[by_id[pk] for pk in top_ids if pk in by_id],
                    posts=[by_id[row.id] for row in rows if row.id in by_id],
                    next_cursor=next_cursor,
                    awaiting_count=None if narrowed else len(awaiting))


def feed_for(user, *, cursor: str | None = None, kind: str = FeedFilter.ALL,
             group: Group | None = None, size: int = FEED_PAGE_SIZE,
             comments: bool = True, group_ids: list[int] | None = None) -> FeedPage:
    """The home feed: posts of the groups ``user`` is a member of, newest first, with
    announcements awaiting their acknowledgement and pinned posts on top of the first page.
    ``comments=False``: without each post's latest comments (the API does not show them).
    ``group_ids``: my_group_ids(user), when the caller has read them already."""
    group_ids = my_group_ids(user) if group_ids is None else group_ids
    scope = Post.objects.filter(group__in=group_ids)
    if group is not None:
        scope = scope.filter(group=group)
    if kind == FeedFilter.ANNOUNCEMENTS:
        scope = scope.filter(kind=Post.Kind.ANNOUNCEMENT)
    elif kind == FeedFilter.POLLS:
        scope = scope.filter(kind=Post.Kind.POLL)
    elif kind == FeedFilter.MENTIONS:
        scope = scope.filter(id__in=Mention.objects.filter(user=user).values("post_id"))
    return _page(user, scope, cursor, size, include_pinned=kind != FeedFilter.MENTIONS,
                 pinned_limit=PINNED_ON_HOME, group_ids=group_ids,
                 narrowed=group is not None or kind != FeedFilter.ALL, comments=comments)


def group_posts(user, group: Group, *, cursor: str | None = None,
                size: int = FEED_PAGE_SIZE) -> FeedPage:
    """A group page: its pinned posts first, then the rest, newest first."""
    scope = visible_posts(user).filter(group=group)
    return _page(user, scope, cursor, size, include_pinned=True, pinned_limit=50)


def post_with_details(user, post_id: int) -> Post | None:
    posts = with_details(visible_posts(user).filter(id=post_id), user)
    return posts[0] if posts else None


def comments_of(post: Post) -> list[Comment]:
    """All top-level comments of a post, oldest first, with their replies."""
    return list(post.comments.filter(parent__isnull=True).select_related("author")
                .prefetch_related(Prefetch("replies", queryset=Comment.objects
                                           .select_related("author").order_by("created", "id")))
                .order_by("created", "id"))


def reaction_summary(post: Post, user) -> list[dict]:
    """[{emoji, count, names, mine}] from the post's prefetched reactions, palette order."""
    summary: dict[str, dict] = {}
    for reaction in post.reactions.all():
        entry = summary.setdefault(reaction.emoji, {"emoji": reaction.emoji, "count": 0,
                                                    "names": [], "mine": False})
        entry["count"] += 1
        entry["names"].append(reaction.user.display_name)
        entry["mine"] = entry["mine"] or reaction.user_id == user.id
    palette = {emoji: index for index, emoji in enumerate(REACTION_EMOJI)}
    return sorted(summary.values(), key=lambda entry: palette.get(entry["emoji"], len(palette)))


def reaction_counts(post: Post) -> dict[str, int]:
    return dict(post.reactions.order_by().values_list("emoji").annotate(n=Count("id")))


# --- Polls -----------------------------------------------------------------------------------

def poll_voters(poll: Poll) -> dict[int, list[str]]:
    """Names of the voters per option, for named polls only."""
    if poll.anonymous:
        return {}
    voters: dict[int, list[str]] = {}
    for option_id, name in (PollVote.objects.filter(poll=poll).order_by("created", "id")
                            .values_list("option_id", "user__display_name")):
        voters.setdefault(option_id, []).append(name)
    return voters


# --- Announcements: the audience and its receipts ------------------------------------------

class ReceiptStatus:
    ALL = "all"
    NOT_SEEN = "not_seen"
    NOT_ACKNOWLEDGED = "not_acknowledged"
    SEEN = "seen"
    ACKNOWLEDGED = "acknowledged"
    CHOICES = (ALL, NOT_SEEN, NOT_ACKNOWLEDGED, SEEN, ACKNOWLEDGED)


def audience(post: Post) -> QuerySet[Membership]:
    """The announcement's audience (its group's active members but the author), each row
    annotated with ``seen_at``, ``acknowledged_at`` and ``joined_later``."""
    return (Membership.objects.filter(group_id=post.group_id, user__is_active=True)
            .exclude(user_id=post.author_id)
            .annotate(receipt=FilteredRelation("user__announcement_receipts",
                                               condition=Q(user__announcement_receipts__post=post)))
            .annotate(seen_at=F("receipt__seen_at"),
                      acknowledged_at=F("receipt__acknowledged_at"),
                      joined_later=ExpressionWrapper(Q(joined_at__gt=post.created),
                                                     output_field=BooleanField())))


def receipt_counts(post: Post) -> dict:
    counts = audience(post).aggregate(
        audience=Count("id"), seen=Count("receipt__seen_at"),
        acknowledged=Count("receipt__acknowledged_at"),
        joined_later=Count("id", filter=Q(joined_at__gt=post.created)))

    def percent(n):
        return round(100 * n / counts["audience"]) if counts["audience"] else 0

    counts["seen_percent"] = percent(counts["seen"])
    counts["acknowledged_percent"] = percent(counts["acknowledged"])
    return counts


def _receipts_of(post: Post, **conditions) -> QuerySet[Receipt]:
    return Receipt.objects.filter(post=post, user_id=OuterRef("user_id"), **conditions)


def receipt_rows(post: Post, *, status: str = ReceiptStatus.ALL, department: str = "",
                 query: str = "") -> QuerySet[Membership]:
    rows = audience(post).select_related("user")
    # "Not seen" and "not acknowledged" are asked as NOT EXISTS, not as a NULL after the
    # receipts' outer join: PostgreSQL takes the few NULLs that past announcements leave for
    # a handful of rows, and walked the audience one membership at a time (35 ms for 10,000
    # people, 12 ms as an anti-join). The others filter on the annotations: naming
    # ``receipt__…`` again in a later filter() would join the receipts a second time.
    if status == ReceiptStatus.NOT_SEEN:
        rows = rows.exclude(Exists(_receipts_of(post, seen_at__isnull=False)))
    elif status == ReceiptStatus.NOT_ACKNOWLEDGED:
        rows = rows.exclude(Exists(_receipts_of(post, acknowledged_at__isnull=False)))
    elif status == ReceiptStatus.SEEN:
        rows = rows.filter(seen_at__isnull=False)
    elif status == ReceiptStatus.ACKNOWLEDGED:
        rows = rows.filter(acknowledged_at__isnull=False)
    if department:
        rows = rows.filter(user__department=department)
    for word in query.split():
        rows = rows.filter(Q(user__display_name__icontains=word) | Q(user__email__icontains=word)
                           | Q(user__job_title__icontains=word))
    return rows.order_by("joined_later", "user__display_name", "user_id")


DEPARTMENTS_KEPT_SECONDS = 300


def audience_departments(post: Post) -> list[str]:
    """The departments of the audience, for the dashboard's filter. Kept five minutes: reading
    them walks the whole audience (10 ms for 10,000 people) on every view of the dashboard,
    and a department that has just appeared can wait that long to be offered."""
    key = f"feed:audience-departments:{post.id}:{post.created.timestamp()}"
    departments = cache.get(key)
    if departments is None:
        departments = list(audience(post).exclude(user__department="")
                           .order_by("user__department")
                           .values_list("user__department", flat=True).distinct())
        cache.set(key, departments, DEPARTMENTS_KEPT_SECONDS)
    return departments


def not_yet_done(post: Post) -> QuerySet[Membership]:
    """Whom a reminder goes to: those who have not acknowledged a required announcement, or
    not seen one that only asks to be read."""
    status = ReceiptStatus.NOT_ACKNOWLEDGED if post.requires_ack else ReceiptStatus.NOT_SEEN
    return receipt_rows(post, status=status)


def former_readers(post: Post) -> QuerySet[Receipt]:
    """Receipts of people no longer in the audience (they left the group), for the export."""
    current = audience(post).values("user_id")
    return (Receipt.objects.filter(post=post).exclude(user_id__in=current)
            .select_related("user").order_by("user__display_name", "user_id"))


def reminders_of(post: Post):
    return post.reminders.select_related("sent_by").order_by("-sent_at", "-id")


def due_acknowledgement_notices(now) -> QuerySet[Post]:
    """Required announcements whose "deadline near" notice should have gone out by ``now``
    and has not: the deadline is less than RELAIS_ACK_DUE_NOTICE_HOURS away, not past."""
    from datetime import timedelta

    from django.conf import settings

    soon = now + timedelta(hours=settings.RELAIS_ACK_DUE_NOTICE_HOURS)
    return (Post.objects.filter(requires_ack=True, ack_due_notified_at__isnull=True,
                                ack_deadline__gt=now, ack_deadline__lte=soon)
            .order_by("ack_deadline", "id"))
