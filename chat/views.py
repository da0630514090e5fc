"""Web pages of chat: adapters that parse, call one service or selector, and render."""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import search_people, visible_people
from chat import permissions, presence, selectors, services
from chat.models import DIRECT_MAX_PEOPLE, Conversation
from documents.services import FileTooLarge, size_in_mb
from network.ids import parse_id
from network.reactions import palette_buttons

HISTORY_PAGE = 50
NEW_DIRECT_ROWS = 30


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def refusals_as_text(view):
    """htmx and fetch callers get refusals and bad input as a short text to show."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            return _text(str(error) or _("You may not do this."), 403)
        except ValidationError as error:
            return _text(" ".join(error.messages), 413 if isinstance(error, FileTooLarge) else 422)

    return wrapper


def _title(conversation: Conversation, user) -> str:
    if conversation.is_channel:
        return conversation.group.name
    if conversation.title:
        return conversation.title
    names = [p.user.display_name for p in conversation.participants.select_related("user")
             if p.user_id != user.id]
    return ", ".join(names) or _("Just you")


def _other_person(conversation: Conversation, user):
    """The other person of a one-to-one conversation (None for channels and small groups)."""
    if conversation.is_channel:
        return None
    others = [p.user for p in conversation.participants.all() if p.user_id != user.id]
    return others[0] if len(others) == 1 else None


def _sidebar(user) -> list[dict]:
    """The sidebar's sections, group channels then direct messages, each most recent first."""
    conversations = list(selectors.my_conversations(user).prefetch_related(
        "participants__user"))
    muted = selectors.muted_conversation_ids(user)
    rows = []
    for conversation in conversations:
        rows.append({"conversation": conversation, "title": _title(conversation, user),
                     "other": _other_person(conversation, user),
                     "unread": conversation.unread_count, "mentions": conversation.mention_count,
                     "muted": conversation.id in muted})
    statuses = presence.status_of([row["other"].id for row in rows if row["other"]])
    for row in rows:
        row["status"] = statuses[row["other"].id]["status"] if row["other"] else None
    sections = [(_("Group channels"), [r for r in rows if r["conversation"].is_channel]),
                (_("Direct messages"), [r for r in rows if not r["conversation"].is_channel])]
    return [{"title": title, "rows": rows} for title, rows in sections if rows]


def _message_context(request, conversation: Conversation) -> dict:
    return {"conversation": conversation, "palette_buttons": palette_buttons(),
            "message_limit": settings.RELAIS_LIMITS["message_chars"],
            "can_moderate": permissions.can_moderate(request.user, conversation),
            "can_send": permissions.can_send(request.user, conversation),
            "attach_max_files": settings.RELAIS_LIMITS["post_attachments"],
            "attach_max_size": size_in_mb(settings.RELAIS_LIMITS["upload_bytes"]),
            # A message re-rendered for the thread pane keeps the thread's look.
            "in_thread": request.GET.get("in_thread") == "1"}


@login_required
def index(request):
    """The list of conversations; on a wide screen, the most recent one opens beside it."""
    sidebar = _sidebar(request.user)
    return render(request, "chat/index.html", {"sidebar": sidebar, "nav": "chat"})


@login_required
def sidebar(request):
    """The conversation list alone, re-fetched when counts change."""
    return render(request, "chat/_sidebar.html", {"sidebar": _sidebar(request.user),
                                                  "current_id": parse_id(request.GET.get("current"))})


@login_required
def unread_count(request):
    """The navigation badge's number, re-read when a message or a read pointer moves."""
    return JsonResponse({"unread_conversations": selectors.unread_conversation_count(
        request.user)})


@login_required
def new_direct(request):
    """Choose the people of a new direct conversation."""
    query = request.GET.get("q", "").strip()[:60]
    people = search_people(request.user, query=query).exclude(id=request.user.id)[:NEW_DIRECT_ROWS]
    return render(request, "chat/new.html", {"nav": "chat", "people": people, "query": query,
                                             "sidebar": _sidebar(request.user),
                                             "max_people": DIRECT_MAX_PEOPLE - 1})


@login_required
def mention_candidates(request, pk):
    """People the composer may suggest after "@": those who can read the conversation."""
    conversation = permissions.access_conversation(request.user, pk)
    query = request.GET.get("q", "").strip()[:60]
    if not query:
        return JsonResponse({"results": []})
    people = (visible_people(request.user)
              .filter(id__in=selectors.people_in(conversation).values("id"))
              .exclude(id=request.user.id))
    for word in query.split():
        people = people.filter(display_name__icontains=word)
    return JsonResponse({"results": [
        {"id": p.id, "name": p.display_name, "detail": p.job_title or p.department}
        for p in people.order_by("display_name", "id")[:8]]})


@login_required
def conversation(request, pk):
    conversation = permissions.access_conversation(request.user, pk)
    around, thread_id = parse_id(request.GET.get("message")), parse_id(request.GET.get("thread"))
    if around and thread_id is None:
        # A link to a reply shown only in its thread (a notification's, a search result's):
        # the conversation opens around its root, with the thread beside it.
        root_id = (conversation.messages.filter(id=around, thread_root__isnull=False,
                                                also_in_channel=False)
                   .values_list("thread_root_id", flat=True).first())
        if root_id:
            around, thread_id = root_id, around
    window = selectors.history(conversation, around=around, limit=HISTORY_PAGE) if around \
        else selectors.history(conversation, limit=HISTORY_PAGE)
    read_state = conversation.read_states.filter(user=request.user).first()
    last_read_seq = read_state.last_read_seq if read_state else 0
    # The "new messages" line goes above the first message from someone else not yet read.
    first_unread = next((m.id for m in window.messages if m.seq > last_read_seq
                         and m.author_id != request.user.id), None) if read_state else None
    other = _other_person(conversation, request.user)
    context = _message_context(request, conversation)
    context.update({
        "nav": "chat", "sidebar": _sidebar(request.user), "window": window,
        "title": _title(conversation, request.user), "highlight": around,
        "last_read_seq": last_read_seq, "first_unread_id": first_unread, "other": other,
        "other_status": presence.status_of([other.id])[other.id] if other else None,
        "people_count": selectors.people_in(conversation).count(),
        "muted": selectors.is_muted(request.user, conversation),
        "off_duty": selectors.unavailable_people(conversation, request.user),
        "thread": _thread_context(request.user, conversation, thread_id),
        "current_id": conversation.id,
    })
    return render(request, "chat/conversation.html", context)


def _thread_context(user, conversation: Conversation, message_id: int | None) -> dict | None:
    root = (conversation.messages.select_related("author", "thread_root__author")
            .filter(id=message_id).first()) if message_id else None
    if root is None:
        return None
    root = root.thread_root or root
    return {"root": root, "replies": selectors.thread(root),
            "following": root.followers.filter(user=user).exists()}


@login_required
def messages_window(request, pk):
    """Older or newer messages (keyset on seq), as a fragment for scrolling."""
    conversation = permissions.access_conversation(request.user, pk)
    window = selectors.history(conversation, before=parse_id(request.GET.get("before")),
                               after=parse_id(request.GET.get("after")), limit=HISTORY_PAGE)
    context = _message_context(request, conversation)
    context.update({"window": window, "direction": "after" if request.GET.get("after")
                    else "before"})
    return render(request, "chat/_window.html", context)


@login_required
def message_fragment(request, pk):
    message = permissions.access_message(request.user, pk)
    context = _message_context(request, message.conversation)
    message = selectors.history(message.conversation, around=message.id, limit=2).messages
    target = next((m for m in message if m.id == int(pk)), None)
    if target is None:  # a thread-only reply: shown in its thread
        target = permissions.access_message(request.user, pk)
    context["message"] = target
    return render(request, "chat/_message.html", context)


@login_required
@require_POST
@refusals_as_text
def send(request, pk):
    conversation = permissions.access_conversation(request.user, pk)
    message, _created = services.send_message(
        author=request.user, conversation=conversation, body=request.POST.get("body", ""),
        client_id=request.POST.get("client_id", ""),
        thread_root_id=parse_id(request.POST.get("thread_id")),
        also_in_channel=request.POST.get("also_in_channel") == "1",
        urgent=request.POST.get("urgent") == "1",
        attachments=request.FILES.getlist("attachments"))
    notices = getattr(message, "attachment_notices", [])
    if not request.htmx:
        for notice in notices:
            flash.info(request, notice)
        return redirect(f"{reverse('chat:conversation', args=[conversation.id])}"
                        f"?message={message.id}#message-{message.id}")
    context = _message_context(request, conversation)
    context["message"] = message
    response = render(request, "chat/_message.html", context, status=201)
    if notices:  # shown by chat.js; ASCII JSON, as a header must be
        response["X-Notices"] = json.dumps(notices)
    return response


@login_required
@require_POST
@refusals_as_text
def mark_read(request, pk):
    conversation = permissions.access_conversation(request.user, pk)
    seq = services.mark_read(user=request.user, conversation=conversation,
                             message_id=parse_id(request.POST.get("message_id")))
    return _text(str(seq), 200)


@login_required
@require_POST
def set_urgent_allowed(request, pk):
    conversation = permissions.access_conversation(request.user, pk)
    services.set_urgent_allowed(actor=request.user, conversation=conversation,
                                allowed=request.POST.get("allowed") == "1")
    flash.success(request, _("Saved."))
    return redirect("chat:conversation", conversation.id)


@login_required
@require_POST
def mute(request, pk):
    conversation = permissions.access_conversation(request.user, pk)
    if request.POST.get("muted") not in ("0", "1"):
        return _text(_("Send muted=1 to mute the conversation or muted=0 to unmute it."), 400)
    muted = services.set_muted(user=request.user, conversation=conversation,
                               muted=request.POST["muted"] == "1")
    flash.success(request, _("Notifications of this conversation are muted. Mentions of you and "
                             "urgent messages still reach you.") if muted
                  else _("You will be notified of this conversation again."))
    return redirect("chat:conversation", conversation.id)


@login_required
def thread(request, pk):
    root = permissions.access_message(request.user, pk)
    if root.thread_root_id:
        root = root.thread_root
    context = _message_context(request, root.conversation)
    context.update({"root": root, "replies": selectors.thread(root),
                    "following": root.followers.filter(user=request.user).exists()})
    return render(request, "chat/_thread.html", context)


@login_required
@require_POST
@refusals_as_text
def edit(request, pk):
    message = permissions.access_message(request.user, pk)
    message = services.edit_message(actor=request.user, message=message,
                                    body=request.POST.get("body", ""))
    context = _message_context(request, message.conversation)
    context["message"] = message
    return render(request, "chat/_message.html", context)


@login_required
@require_POST
@refusals_as_text
def delete(request, pk):
    message = permissions.access_message(request.user, pk)
    message = services.delete_message(actor=request.user, message=message)
    context = _message_context(request, message.conversation)
    context["message"] = message
    return render(request, "chat/_message.html", context)


@login_required
@require_POST
@refusals_as_text
def react(request, pk):
    message = permissions.access_message(request.user, pk)
    services.react(user=request.user, message=message, emoji=request.POST.get("emoji", ""),
                   add=request.POST.get("remove") != "1")
    return message_fragment(request, message.id)


@login_required
@require_POST
def follow(request, pk):
    root = permissions.access_message(request.user, pk)
    services.follow_thread(user=request.user, root=root.thread_root or root,
                           follow=request.POST.get("follow") == "1")
    return thread(request, root.id)


@login_required
def edit_history(request, pk):
    message = permissions.access_message(request.user, pk)
    if not permissions.can_see_edit_history(request.user, message):
        raise PermissionDenied(_("Only the group's admins see earlier versions."))
    return render(request, "chat/edit_history.html",
                  {"message": message, "nav": "chat",
                   "edits": message.edits.select_related("edited_by")})


@login_required
@require_POST
def start_direct(request):
    ids = [i for i in map(parse_id, request.POST.getlist("user_id")) if i is not None]
    try:
        conversation, _created = services.start_direct(user=request.user, user_ids=ids)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
        return redirect("chat:index")
    return redirect("chat:conversation", conversation.id)
