"""A ticket's page and the actions on it: agents' changes and quick actions, replies, "me too",
reopening, and turning a chat message into a ticket.

Refusals follow DESIGN.md: a ticket the viewer cannot see is a 404; an action they may not
take on a ticket they see is a 403 with the reason. Bad input re-renders the page with 422 and
keeps what was typed.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from chat import permissions as chat_permissions
from chat import selectors as chat_selectors
from desk import permissions, selectors, services
from desk.models import Priority, Ticket, TicketChange
from documents import downloads
from network.ids import parse_id

QUICK_ACTIONS = {
    "take": lambda user: {"assignee": user, "status": Ticket.Status.IN_PROGRESS},
    "ask": lambda user: {"status": Ticket.Status.WAITING},
    "resolve": lambda user: {"status": Ticket.Status.RESOLVED},
}


def _load(request, slug, number) -> Ticket:
    desk = permissions.access_desk(request.user, slug)
    return permissions.access_ticket(request.user, desk, number)


def _messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


def _history(ticket: Ticket, categories: dict[str, str]) -> list[dict]:
    changes = list(selectors.changes_of(ticket))
    people = User.objects.in_bulk({int(v) for c in changes if c.field == "assignee"
                                   for v in (c.old, c.new) if v and v.isdigit()})
    statuses, priorities = dict(Ticket.Status.choices), dict(Priority.choices)

    def label(field, value):
        if not value:
            return _("none")
        if field == TicketChange.Field.STATUS:
            return statuses.get(value, value)
        if field == TicketChange.Field.PRIORITY:
            return priorities.get(value, value)
        if field == TicketChange.Field.CATEGORY:
            return categories.get(value, "?")
        person = people.get(int(value)) if value.isdigit() else None
        return person.display_name if person else _("a former agent")

    return [{"change": c, "field": TicketChange.Field(c.field).label,
             "old": label(c.field, c.old), "new": label(c.field, c.new)} for c in changes]


def _answers(ticket: Ticket, files: list[dict]) -> list[dict]:
    """The form's answers; a file answer links to the file attached to the ticket's message
    when the viewer may open it."""
    by_name = {file["name"]: file for file in files}
    rows = []
    for answer in ticket.answers:
        file = by_name.get(answer.get("text")) if answer.get("kind") == "file" else None
        rows.append({"label": answer.get("label", ""), "kind": answer.get("kind", ""),
                     "text": answer.get("text", ""), "file": file})
    return rows


def _unanswered_files(ticket: Ticket, files: list[dict]) -> list[dict]:
    """The files of a request that answer none of its form's file fields ("Other request"'s
    files), shown under its answers."""
    if not ticket.answers:
        return []
    answered = {answer.get("text") for answer in ticket.answers if answer.get("kind") == "file"}
    return [file for file in files if file["name"] not in answered]


def _request_files(ticket: Ticket, attachments: list, *, own_request: bool) -> list[dict]:
    """The request's files with where this viewer opens them: the library's page for those
    who see the desk's channel, the ticket's own download for a requester who does not (a
    private desk's library is closed to them)."""
    files = []
    for attachment in attachments:
        document = attachment.document
        url = (reverse("desk:ticket_file", args=[ticket.desk.group.slug, ticket.number,
                                                  document.id])
               if own_request else reverse("documents:detail", args=[document.id]))
        files.append({"name": document.name, "url": url,
                      "size": document.current_version.size,
                      "content_type": document.current_version.content_type})
    return files


def _page_context(request, ticket: Ticket, **extra) -> dict:
    user, desk = request.user, ticket.desk
    agent = permissions.is_agent(user, desk)
    conversation_id = ticket.message.conversation_id if ticket.message_id else None
    sees_channel = bool(conversation_id) and chat_permissions.visible_conversations(user).filter(
        id=conversation_id).exists()
    own_request = not sees_channel and permissions.opens_request_files(user, ticket)
    attachments = (chat_selectors.attachments_of(ticket.message)
                   if (sees_channel or own_request) and ticket.message_id else [])
    files = _request_files(ticket, attachments, own_request=own_request)
    categories = list(selectors.categories_of(desk, include_archived=True))
    category_names = {str(c.pk): c.name for c in categories}
    overdue = services.overdue_since(ticket)
    origin_visible = selectors.origin_visible(user, ticket)
    context = {
        "nav": "desks", "desk": desk, "ticket": ticket, "is_agent": agent,
        "sees_channel": sees_channel, "attachments": attachments if sees_channel else [],
        "own_files": files if own_request else [],
        "answers": _answers(ticket, files),
        "answer_files": _unanswered_files(ticket, files),
        # A ticket made from a message has no answers: the message is the request.
        "request_message": (ticket.message if ticket.message_id and not ticket.answers
                            and ticket.source in (Ticket.Source.MESSAGE, Ticket.Source.CHANNEL)
                            and not ticket.message.is_deleted else None),
        "overdue_since": timezone.now() - overdue if overdue else None,
        "origin": ticket.origin if ticket.origin_id and origin_visible else None,
        "origin_hidden": ticket.origin_id is not None and not origin_visible,
        "me_too_people": selectors.me_too_people(ticket),
        "said_me_too": selectors.has_said_me_too(user, ticket),
        "can_say_me_too": permissions.can_say_me_too(user, ticket),
        "can_comment": ticket.message_id is not None and permissions.can_comment(user, ticket),
        "can_reopen": permissions.can_reopen(user, ticket) and not agent,
        "history": _history(ticket, category_names),
        "discussion": selectors.thread_of(ticket),
        "comment_body": "", "errors": [],
    }
    if agent:
        assignees = [a.user for a in selectors.agents_of(desk)]
        for person in (ticket.assignee, user):
            if person is not None and person not in assignees:
                assignees.append(person)
        context.update({
            "statuses": Ticket.Status.choices, "priorities": Priority.choices,
            "categories": [c for c in categories if not c.archived or c.pk == ticket.category_id],
            "assignees": assignees,
            "can_take": ticket.is_open and not (ticket.assignee_id == user.id
                                                and ticket.status == Ticket.Status.IN_PROGRESS),
            "can_ask": ticket.is_open and ticket.status != Ticket.Status.WAITING,
            "can_resolve": ticket.is_open,
        })
    context.update(extra)
    return context


def _back(ticket: Ticket, anchor: str = ""):
    return redirect(services.ticket_url(ticket) + (f"#{anchor}" if anchor else ""))


def _refused(request, ticket: Ticket, error: ValidationError, **extra):
    """Bad input: the page again, with the reasons and what was typed."""
    return render(request, "desk/ticket.html",
                  _page_context(request, ticket, errors=_messages_of(error), **extra),
                  status=422)


@login_required
def ticket(request, slug, number):
    ticket = _load(request, slug, number)
    return render(request, "desk/ticket.html", _page_context(request, ticket))


@login_required
def ticket_file(request, slug, number, document_id):
    """A file of the request, for its requester: outside a members-only desk's group, the
    library's own download refuses them. Nobody else gets a file here that they could not
    already open in the library."""
    ticket = _load(request, slug, number)
    if not permissions.opens_request_files(request.user, ticket):
        raise Http404("No such file.")
    wanted = parse_id(document_id)
    attachments = chat_selectors.attachments_of(ticket.message) if ticket.message_id else []
    document = next((a.document for a in attachments if a.document_id == wanted), None)
    if document is None:
        raise Http404("No such file.")
    return downloads.file_response(document, document.current_version)


def _update_changes(request, ticket: Ticket) -> dict:
    """The fields of the agents' panel that were sent, as update_ticket takes them."""
    data, desk, changes = request.POST, ticket.desk, {}
    for field in ("status", "priority"):
        if field in data:
            changes[field] = data[field]
    if "category" in data:
        value = data["category"]
        if not value:
            changes["category"] = None
        else:
            category = (selectors.categories_of(desk, include_archived=True)
                        .filter(pk=parse_id(value)).first() if parse_id(value) else None)
            if category is None:
                raise ValidationError({"category": _("Choose one of this desk's categories.")})
            changes["category"] = category
    if "assignee" in data:
        value = data["assignee"]
        if not value:
            changes["assignee"] = None
        else:
            person = (User.objects.filter(pk=parse_id(value), is_active=True).first()
                      if parse_id(value) else None)
            if person is None:
                raise ValidationError({"assignee": _("Only the desk's agents can be assigned.")})
            changes["assignee"] = person
    return changes


@login_required
@require_POST
def ticket_update(request, slug, number):
    ticket = _load(request, slug, number)
    permissions.check_agent(request.user, ticket.desk)
    action = request.POST.get("action", "")
    try:
        if action:
            if action not in QUICK_ACTIONS:
                raise ValidationError(_("Unknown action."))
            changes = QUICK_ACTIONS[action](request.user)
        else:
            changes = _update_changes(request, ticket)
        services.update_ticket(actor=request.user, ticket=ticket, **changes)
    except ValidationError as error:
        return _refused(request, ticket, error)
    flash.success(request, _("The ticket was updated."))
    # A quick action from the desk's channel goes back there.
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()},
                                                    require_https=request.is_secure()):
        return redirect(next_url)
    return _back(ticket)


@login_required
@require_POST
def ticket_comment(request, slug, number):
    ticket = _load(request, slug, number)
    permissions.check_can_comment(request.user, ticket)
    body = request.POST.get("body", "")
    try:
        message = services.comment(actor=request.user, ticket=ticket, body=body,
                                   client_id=request.POST.get("client_id", ""),
                                   attachments=request.FILES.getlist("attachments"))
    except ValidationError as error:
        return _refused(request, ticket, error, comment_body=body)
    for notice in getattr(message, "attachment_notices", []):
        flash.info(request, notice)
    return _back(ticket, f"reply-{message.id}")


@login_required
@require_POST
def ticket_me_too(request, slug, number):
    ticket = _load(request, slug, number)
    add = request.POST.get("add", "1") != "0"
    services.me_too(user=request.user, ticket=ticket, add=add)
    flash.success(request, _("You follow this ticket and are counted.") if add
                  else _("You no longer follow this ticket."))
    return _back(ticket)


@login_required
@require_POST
def ticket_reopen(request, slug, number):
    ticket = _load(request, slug, number)
    services.reopen(actor=request.user, ticket=ticket)
    flash.success(request, _("The ticket was reopened."))
    return _back(ticket)


@login_required
@require_POST
def ticket_from_message(request, pk):
    message = chat_permissions.access_message(request.user, pk)
    try:
        ticket = services.ticket_from_message(actor=request.user, message=message)
    except ValidationError as error:
        back = (f"{reverse('chat:conversation', args=[message.conversation_id])}"
                f"?message={message.id}#message-{message.id}")
        return render(request, "desk/refused.html",
                      {"nav": "chat", "errors": _messages_of(error), "back": back}, status=422)
    return redirect(services.ticket_url(ticket))
