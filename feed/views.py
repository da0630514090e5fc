"""Web pages of the feed: adapters that parse, call one service or selector, and render."""

from __future__ import annotations

import csv
import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import visible_people
from documents import permissions as document_permissions
from feed import card_html, permissions, selectors, services
from feed.forms import ComposerForm, EditPostForm
from feed.models import Comment, Post
from feed.selectors import FeedFilter, ReceiptStatus
from groups.models import Group, Membership
from groups.permissions import access_group
from groups.selectors import my_memberships, users_who_can_see, visible_groups
from network.ids import MAX_ID, parse_id
from network.reactions import palette_buttons

RECEIPT_PAGE_SIZE = 50
MANAGER_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


# --- Helpers ---------------------------------------------------------------------------------

def htmx_refusals(view):
    """For htmx requests, a refusal is a short text the page shows beside the form (feed.js),
    not a whole 403 page: a stale card (group archived since, rights changed) says why."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            if not request.htmx:
                raise
            return HttpResponse(str(error) or _("You may not do this."), status=403,
                                content_type="text/plain; charset=utf-8")

    return wrapper


def _postable_groups(user, memberships: list[Membership] | None = None) -> list[Group]:
    """The groups ``user`` may post in: theirs, visible and not archived, all-staff first.
    ``memberships``: groups.selectors.my_memberships(user), when already read."""
    if memberships is not None:
        return [m.group for m in memberships if m.group.archived_at is None]
    groups = (visible_groups(user).filter(memberships__user=user, archived_at__isnull=True)
              .order_by("-is_all_staff", "name"))
    return list(groups)


def _composer(user, *, group: Group | None = None, data=None, files=None,
              also: Group | None = None, postable: list[Group] | None = None,
              roles: dict[int, str] | None = None):
    """``postable``: the user's _postable_groups, and ``roles`` their role in each group
    ({group id: role}), when the caller has read them already."""
    if group is not None:
        groups = [group]
    else:
        groups = list(postable) if postable is not None else _postable_groups(user)
    if also is not None and also not in groups:
        groups.append(also)  # an organisation admin posting in a group they are not in
    if group is not None:
        can_announce = permissions.can_announce(user, group)
    else:
        # Each group offered is one the user may post in, so announcing needs only a manager's
        # role: one query, not three per group (the feed's query count stays constant).
        if roles is not None:
            manages_one = any(roles.get(g.id) in MANAGER_ROLES for g in groups)
        else:
            manages_one = user.memberships.filter(group__in=groups,
                                                  role__in=MANAGER_ROLES).exists()
        can_announce = bool(groups) and (user.is_staff or manages_one)
    initial = {"group": group.slug if group else (groups[0].slug if groups else "")}
    return ComposerForm(data, files, groups=groups, can_announce=can_announce, initial=initial)


def _safe_next(request, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return fallback


def _poll_state(post: Post) -> dict | None:
    """What the poll block shows: results only once the viewer voted or the poll closed."""
    if post.kind != Post.Kind.POLL:
        return None
    poll = post.poll
    mine = {vote.option_id for vote in poll.my_votes}
    voters = poll.voter_count
    is_open = poll.is_open()
    options = [{"id": o.id, "label": o.label, "votes": o.vote_count, "mine": o.id in mine,
                "percent": round(100 * o.vote_count / voters) if voters else 0}
               for o in poll.options.all()]
    return {"options": options, "voters": voters, "open": is_open, "voted": bool(mine),
            "show_results": bool(mine) or not is_open}


def _card_context(request, post: Post) -> dict:
    return _cards(request, [post])[0]


def _own_comment_ids(comments, user) -> frozenset[int]:
    """Which of ``comments`` (and their replies) ``user`` wrote: they may delete those."""
    return frozenset(item.id for comment in comments
                     for item in (comment, *comment.replies.all())
                     if item.author_id is not None and item.author_id == user.id)


def _cards(request, posts, roles: dict[int, str] | None = None) -> list[dict]:
    """Card contexts for a page; permission checks use the page's prefetched rows.
    ``roles``: the viewer's role in each of their groups ({group id: role}), when already
    read (the home page reads them with the viewer's groups)."""
    group_ids = {p.group_id for p in posts}
    if roles is None:
        # The viewer's roles in one query, not can_manage() once per group on the page.
        roles = dict(request.user.memberships.filter(group__in=group_ids)
                     .values_list("group_id", "role"))
    roles = {group_id: role for group_id, role in roles.items() if group_id in group_ids}
    member_of = set(roles)
    managed = group_ids if request.user.is_staff else {
        group_id for group_id, role in roles.items() if role in MANAGER_ROLES}
    cards = []
    for post in posts:
        receipt = post.my_receipts[0] if post.my_receipts else None
        archived = post.group.is_archived
        mine = post.author_id == request.user.id
        manages = post.group_id in managed
        cards.append({
            # The card's actions are all under the post's address: one reverse() per card
            # instead of a dozen {% url %} tags (template time dominates a feed page).
            "url": reverse("feed:post", args=[post.id]),
            "post": post, "reactions": selectors.reaction_summary(post, request.user),
            "poll_state": _poll_state(post), "manages": manages,
            "palette_buttons": palette_buttons(),
            "can_edit": not archived and (mine or manages),
            "can_delete": mine or manages,
            "can_pin": not archived and manages,
            "can_interact": not archived,
            "can_see_receipts": post.is_announcement and (mine or manages),
            "in_audience": post.is_announcement and not mine and post.group_id in member_of,
            "own_comments": _own_comment_ids(getattr(post, "latest_comments", ()),
                                             request.user),
            # The reader's receipt as the card draws it: its row (when first seen) is not
            # drawn, so readers who have seen a post alike share its card (feed.card_html).
            "seen": receipt is not None,
            "acknowledged_at": receipt.acknowledged_at if receipt else None,
        })
    return cards


def _render_card(request, post_id: int, *, status: int = 200):
    post = selectors.post_with_details(request.user, post_id)
    if post is None:
        raise Http404
    context = _card_context(request, post)
    context["card"] = context
    return render(request, "feed/_post_card.html", context, status=status)


def _page_context(request, page, *, base_url: str, filters: dict,
                  roles: dict[int, str] | None = None) -> dict:
    query = {k: v for k, v in filters.items() if v}
    # One call for both lists: _cards reads the reader's roles once for the page.
    every_card = _cards(request, [*page.top, *page.posts], roles)
    card_html.render_cards(request, every_card)
    top_cards, cards = every_card[:len(page.top)], every_card[len(page.top):]
    return {"top_cards": top_cards, "cards": cards,
            "next_cursor": page.next_cursor,
            "more_url": base_url, "more_query": query}


# --- The home feed and group pages -----------------------------------------------------------

@login_required
def home(request):
    kind = request.GET.get("kind", FeedFilter.ALL)
    if kind not in FeedFilter.CHOICES:
        kind = FeedFilter.ALL
    # The reader's groups and roles, read once for the feed, its cards and the composer.
    memberships = my_memberships(request.user)
    roles = {m.group_id: m.role for m in memberships}
    my_groups = _postable_groups(request.user, memberships)
    group = None
    if request.GET.get("group"):
        group = next((g for g in my_groups if g.slug == request.GET["group"]), None)
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.feed_for(request.user, cursor=cursor, kind=kind, group=group,
                                  group_ids=list(roles))
    except ValidationError:
        return redirect("home")
    context = _page_context(request, page, base_url=reverse("home"),
                            filters={"kind": kind if kind != FeedFilter.ALL else "",
                                     "group": group.slug if group else ""}, roles=roles)
    if request.htmx and cursor:
        return render(request, "feed/_feed_page.html", context)
    context.update({"nav": "feed", "kind": kind, "filter_group": group, "my_groups": my_groups,
                    "filters": FeedFilter,
                    "composer": _composer(request.user, postable=my_groups, roles=roles),
                    "member_group_ids": [g.id for g in my_groups]})
    if page.awaiting_count is not None:  # the badge's figure, without counting again
        context["awaiting_ack_count"] = page.awaiting_count
    return render(request, "feed/home.html", context)


@login_required
def group_posts(request, slug):
    """A group's posts and composer, loaded into the group page (groups does not import feed)."""
    group = access_group(request.user, slug)
    if not permissions.can_see_group_posts(request.user, group):
        raise Http404
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.group_posts(request.user, group, cursor=cursor)
    except ValidationError:
        page = selectors.group_posts(request.user, group)
        cursor = None
    context = _page_context(request, page, base_url=reverse("feed:group_posts", args=[slug]),
                            filters={})
    # Without JavaScript, "load more" opens the group page itself at the next page.
    context["fallback_url"] = reverse("groups:detail", args=[slug])
    if cursor:
        return render(request, "feed/_feed_page.html", context)
    context.update({"group": group,
                    "composer_next": reverse("groups:detail", args=[slug]),
                    "composer": _composer(request.user, group=group)
                    if permissions.can_post(request.user, group) else None})
    return render(request, "feed/_group_posts.html", context)


@login_required
def post_detail(request, pk):
    post = permissions.access_post(request.user, pk)
    post = selectors.post_with_details(request.user, post.id)
    context = _card_context(request, post)
    comments = selectors.comments_of(post)
    context.update({"card": context, "comments": comments, "detail": True, "nav": "feed",
                    "own_comments": _own_comment_ids(comments, request.user)})
    return render(request, "feed/post_detail.html", context)


@login_required
def post_card(request, pk):
    post = permissions.access_post(request.user, pk)
    return _render_card(request, post.id)


# --- Writing ---------------------------------------------------------------------------------

def _apply_errors(form, error: ValidationError) -> None:
    fields = set(form.fields)
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            target = field if field in fields else None
            if field.startswith("poll_option"):
                target = "poll_question"
            for message in messages_:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
@require_POST
def create_post(request):
    slug = request.POST.get("group", "")
    group = visible_groups(request.user).filter(slug=slug).first()
    # Organisation admins post in any group (can_post), not only in those they are members of.
    also = group if group is not None and permissions.can_post(request.user, group) else None
    composer = _composer(request.user, data=request.POST, files=request.FILES, also=also)
    if composer.is_valid() and group is not None:
        data = composer.cleaned_data
        poll = None
        if data["kind"] == Post.Kind.POLL:
            poll = services.PollSpec(question=data["poll_question"],
                                     options=composer.poll_options(),
                                     multiple=data["poll_multiple"],
                                     anonymous=data["poll_anonymous"],
                                     closes_at=data["poll_closes_at"])
        try:
            post = services.create_post(
                author=request.user, group=group, body=data["body"], kind=data["kind"],
                requires_ack=data["requires_ack"] and data["kind"] == Post.Kind.ANNOUNCEMENT,
                ack_deadline=data["ack_deadline"] if data["kind"] == Post.Kind.ANNOUNCEMENT
                and data["requires_ack"] else None,
                urgent=data["urgent"] and data["kind"] == Post.Kind.ANNOUNCEMENT,
                poll=poll, attachments=data["attachments"])
        except ValidationError as error:
            _apply_errors(composer, error)
        except PermissionDenied as error:
            composer.add_error(None, str(error))
        else:
            messages.success(request, _("Posted in %(group)s.") % {"group": group.name})
            for notice in post.attachment_notices:
                messages.info(request, notice)
            return redirect(_safe_next(request, reverse("feed:post", args=[post.id])))
    elif group is None:
        composer.add_error("group", _("Choose one of your groups."))
    # Nothing written is lost: the composer comes back filled in, with the errors. Files
    # cannot be given back to a file input: the composer says to choose them again.
    return render(request, "feed/compose.html",
                  {"composer": composer, "next": _safe_next(request, reverse("home")),
                   "nav": "feed", "files_to_choose_again": len(request.FILES.getlist(
                       "attachments"))}, status=422)


@login_required
def edit_post(request, pk):
    post = permissions.access_post(request.user, pk)
    permissions.check_can_edit(request.user, post)
    can_announce = permissions.can_announce(request.user, post.group)
    if request.method == "POST":
        form = EditPostForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            changes = {"body": data["body"]}
            if can_announce and post.kind != Post.Kind.POLL:
                kind = data["kind"] or post.kind
                changes.update(kind=kind, requires_ack=data["requires_ack"]
                               and kind == Post.Kind.ANNOUNCEMENT,
                               ack_deadline=data["ack_deadline"]
                               if data["requires_ack"] and kind == Post.Kind.ANNOUNCEMENT
                               else None,
                               urgent=data["urgent"] and kind == Post.Kind.ANNOUNCEMENT)
                if changes["ack_deadline"] == post.ack_deadline:
                    changes["ack_deadline"] = False
            try:
                services.update_post(actor=request.user, post=post, **changes)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("feed:post", post.id)
    else:
        form = EditPostForm(initial={
            "body": post.body, "kind": post.kind, "requires_ack": post.requires_ack,
            "ack_deadline": timezone.localtime(post.ack_deadline) if post.ack_deadline else None,
            "urgent": post.urgent})
    return render(request, "feed/edit.html", {"post": post, "form": form, "nav": "feed",
                                              "can_announce": can_announce
                                              and post.kind != Post.Kind.POLL})


@login_required
@require_POST
def delete_post(request, pk):
    post = permissions.access_post(request.user, pk)
    group_slug = post.group.slug
    services.delete_post(actor=request.user, post=post)
    messages.success(request, _("The post is deleted."))
    if request.htmx:
        return HttpResponse("")
    return redirect(_safe_next(request, reverse("groups:detail", args=[group_slug])))


@login_required
@require_POST
@htmx_refusals
def pin_post(request, pk):
    post = permissions.access_post(request.user, pk)
    services.set_pinned(actor=request.user, post=post, pinned=request.POST.get("pinned") == "1")
    if request.htmx:
        return _render_card(request, post.id)
    return redirect(_safe_next(request, reverse("feed:post", args=[post.id])))


@login_required
@require_POST
@htmx_refusals
def add_comment(request, pk):
    post = permissions.access_post(request.user, pk)
    parent = None
    parent_id = parse_id(request.POST.get("parent"))
    if parent_id is not None:
        parent = Comment.objects.filter(post=post, id=parent_id).first()
    body = request.POST.get("body", "")
    try:
        comment = services.add_comment(author=request.user, post=post, body=body, parent=parent)
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            # The form keeps what was typed; the page shows this message beside it.
            return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect("feed:post", post.id)
    if request.htmx:
        return _render_card(request, post.id)
    return redirect(f"{reverse('feed:post', args=[post.id])}#comment-{comment.id}")


@login_required
@require_POST
@htmx_refusals
def delete_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("post__group"), pk=pk)
    post = permissions.access_post(request.user, comment.post_id)
    services.delete_comment(actor=request.user, comment=comment)
    if request.htmx:
        return _render_card(request, post.id)
    return redirect("feed:post", post.id)


@login_required
@require_POST
@htmx_refusals
def react(request, pk):
    post = permissions.access_post(request.user, pk)
    emoji = request.POST.get("emoji", "")
    try:
        if request.POST.get("remove") == "1":
            services.unreact(user=request.user, post=post, emoji=emoji)
        else:
            services.react(user=request.user, post=post, emoji=emoji)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=422,
                            content_type="text/plain; charset=utf-8")
    if request.htmx:
        return _render_card(request, post.id)
    return redirect(_safe_next(request, reverse("feed:post", args=[post.id])))


@login_required
@require_POST
@htmx_refusals
def vote(request, pk):
    post = permissions.access_post(request.user, pk)
    if post.kind != Post.Kind.POLL:
        raise Http404
    ids = [i for i in map(parse_id, request.POST.getlist("option")) if i is not None]
    try:
        services.vote(user=request.user, poll=post.poll, option_ids=ids)
    except PermissionDenied as error:
        if not request.htmx:
            raise
        # htmx shows a text/plain answer beside the form; a 403 page would become "try again".
        return HttpResponse(str(error), status=403, content_type="text/plain; charset=utf-8")
    except ValidationError as error:
        if request.htmx:
            return HttpResponse(" ".join(error.messages), status=422,
                                content_type="text/plain; charset=utf-8")
        messages.error(request, " ".join(error.messages))
    if request.htmx:
        return _render_card(request, post.id)
    return redirect(_safe_next(request, reverse("feed:post", args=[post.id])))


@login_required
def poll_voters(request, pk):
    post = permissions.access_post(request.user, pk)
    if post.kind != Post.Kind.POLL:
        raise Http404
    poll = post.poll
    voters = selectors.poll_voters(poll)
    options = [{"label": o.label, "names": voters.get(o.id, [])} for o in poll.options.all()]
    return render(request, "feed/_poll_voters.html", {"poll": poll, "options": options})


# --- Announcements ---------------------------------------------------------------------------

@login_required
@require_POST
def record_views(request):
    """The browser reports announcements that were on screen (batched)."""
    try:
        ids = json.loads(request.body or b"{}").get("ids", [])
        ids = [int(i) for i in ids][:200]
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"detail": _("Send {\"ids\": [post ids]}.")}, status=400)
    ids = [i for i in ids if 0 < i <= MAX_ID]
    recorded = services.record_views(user=request.user, post_ids=ids)
    return JsonResponse({"recorded": recorded})


@login_required
@require_POST
@htmx_refusals
def acknowledge(request, pk):
    post = permissions.access_post(request.user, pk)
    try:
        services.acknowledge(user=request.user, post=post)
    except ValidationError as error:  # it no longer asks for one: the page was out of date
        message = " ".join(error.messages)
        if request.htmx:
            return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect(_safe_next(request, reverse("feed:post", args=[post.id])))
    if request.htmx:
        response = _render_card(request, post.id)
        response["HX-Trigger"] = "relais:acknowledged"
        return response
    messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect(_safe_next(request, reverse("feed:post", args=[post.id])))


def _dashboard_post(request, pk) -> Post:
    post = permissions.access_post(request.user, pk)
    permissions.check_can_see_receipts(request.user, post)
    return post


def _receipt_filters(request) -> dict:
    status = request.GET.get("status", ReceiptStatus.NOT_ACKNOWLEDGED)
    if status not in ReceiptStatus.CHOICES:
        status = ReceiptStatus.ALL
    return {"status": status, "department": request.GET.get("department", "").strip(),
            "query": request.GET.get("q", "").strip()[:100]}


def _rows_total(counts: dict, filters: dict) -> int | None:
    """How many rows a status filter lists, read off the counts when nothing else narrows it:
    counting the same 10,000 receipts again cost as much as the counts themselves."""
    if filters["department"] or filters["query"]:
        return None
    audience, seen, acknowledged = counts["audience"], counts["seen"], counts["acknowledged"]
    return {ReceiptStatus.ALL: audience, ReceiptStatus.NOT_SEEN: audience - seen,
            ReceiptStatus.NOT_ACKNOWLEDGED: audience - acknowledged,
            ReceiptStatus.SEEN: seen, ReceiptStatus.ACKNOWLEDGED: acknowledged}[filters["status"]]


def _receipt_rows_context(request, post: Post, counts: dict | None = None) -> dict:
    filters = _receipt_filters(request)
    rows = selectors.receipt_rows(post, **filters)
    paginator = Paginator(rows, RECEIPT_PAGE_SIZE)
    total = _rows_total(counts, filters) if counts is not None else None
    if total is not None:
        paginator.count = total  # a cached property: the paginator does not count again
    page = paginator.get_page(request.GET.get("page"))
    return {"post": post, "rows_page": page, "filters": filters, "statuses": ReceiptStatus}


@login_required
def receipts(request, pk):
    post = _dashboard_post(request, pk)
    if not post.requires_ack and request.GET.get("status") is None:
        request.GET = request.GET.copy()
        request.GET["status"] = ReceiptStatus.NOT_SEEN
    counts = selectors.receipt_counts(post)
    context = _receipt_rows_context(request, post, counts)
    done = counts["acknowledged"] if post.requires_ack else counts["seen"]
    context.update({
        "nav": "feed", "counts": counts,
        "departments": selectors.audience_departments(post),
        "reminders": selectors.reminders_of(post)[:20],
        "next_reminder_at": services.next_reminder_at(post),
        "waiting_count": counts["audience"] - done,
    })
    return render(request, "feed/receipts.html", context)


@login_required
def receipt_rows(request, pk):
    post = _dashboard_post(request, pk)
    return render(request, "feed/_receipt_rows.html", _receipt_rows_context(request, post))


@login_required
def receipt_counts(request, pk):
    post = _dashboard_post(request, pk)
    return render(request, "feed/_receipt_counts.html",
                  {"post": post, "counts": selectors.receipt_counts(post)})


def _csv_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


@login_required
def receipts_csv(request, pk):
    post = _dashboard_post(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="announcement-{post.id}-receipts.csv"'
    response.write("\ufeff")  # spreadsheet programs read UTF-8 only with a byte-order mark
    writer = csv.writer(response)
    writer.writerow([_("Name"), _("Email"), _("Department"), _("Seen at"),
                     _("Acknowledged at"), _("Audience")])
    for row in selectors.receipt_rows(post).iterator(chunk_size=2000):
        writer.writerow([row.user.display_name, row.user.email, row.user.department,
                         _csv_time(row.seen_at), _csv_time(row.acknowledged_at),
                         _("Joined later") if row.joined_later else _("Member when posted")])
    for receipt in selectors.former_readers(post).iterator(chunk_size=2000):
        writer.writerow([receipt.user.display_name, receipt.user.email,
                         receipt.user.department, _csv_time(receipt.seen_at),
                         _csv_time(receipt.acknowledged_at), _("Left the group")])
    return response


@login_required
@require_POST
def remind(request, pk):
    post = _dashboard_post(request, pk)
    try:
        reminder = services.remind(actor=request.user, post=post)
    except services.ReminderTooSoon as error:
        messages.warning(request, str(error))
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, _("Reminder sent to %(count)s people.")
                         % {"count": reminder.recipient_count})
    return redirect("feed:receipts", post.id)


# --- Files and mentions ----------------------------------------------------------------------

@login_required
def attachment(request, pk, name):
    """A link to an attached file from before files were documents: after the library's own
    access check (404 for whoever may not see it, or once it is in the trash), the document's
    inline view for an image, its download otherwise."""
    item = selectors.attachment_for(request.user, pk) if pk <= MAX_ID else None
    if item is None:
        raise Http404
    document = document_permissions.access_document(request.user, item.document_id)
    inline = document.current_version.is_image and request.GET.get("download") != "1"
    return redirect("documents:view" if inline else "documents:download", document.id)


@login_required
def mention_candidates(request):
    """People the composer may suggest after "@": those who can see the group's posts."""
    group = visible_groups(request.user).filter(slug=request.GET.get("group", "")).first()
    query = request.GET.get("q", "").strip()[:60]
    if group is None or not query:
        return JsonResponse({"results": []})
    people = (visible_people(request.user).filter(id__in=users_who_can_see(group).values("id"))
              .exclude(id=request.user.id))
    for word in query.split():
        people = people.filter(display_name__icontains=word)
    results = [{"id": p.id, "name": p.display_name, "detail": p.job_title or p.department}
               for p in people.order_by("display_name", "id")[:8]]
    return JsonResponse({"results": results})
