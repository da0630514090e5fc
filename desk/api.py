"""/api/v1/ desks and tickets: thin adapters over desk.services and desk.selectors
(docs/desks.md, "API"). What you may not see is a 404; what you see but may not do, a 403."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Router, Status

from accounts.models import User
from chat import events as chat_events
from chat.models import MessageReaction
from chat.schemas import reaction_summary
from desk import permissions, selectors, services
from desk.intake import RequestForm
from desk.models import OPEN_STATUSES, Category, FormField, Priority, Ticket
from desk.schemas import (
    CommentCreatedOut,
    CommentIn,
    CommentList,
    DeskDetailOut,
    DeskList,
    MeTooOut,
    RequestIn,
    Text,
    TicketDetailOut,
    TicketList,
    TicketPatch,
)
from network import keyset

router = Router(tags=["desks"])

STATUS_FILTERS = {"open", "all", *Ticket.Status.values}


# --- Helpers ---------------------------------------------------------------------------------

def _limit(limit: int) -> int:
    return max(1, min(limit, settings.RELAIS_LIMITS["api_page_size"]))


def _desk_out(user, desk) -> dict:
    """``desk`` as desk.selectors.desks_for gives it (with its open tickets counted)."""
    return {"slug": desk.group.slug, "name": desk.group.name, "prefix": desk.prefix,
            "intake": desk.intake, "is_agent": permissions.is_agent(user, desk),
            "open_count": desk.open_count}


def _ticket(user, ticket_id: int) -> Ticket:
    return permissions.access_ticket(user, None, ticket_id, by_id=True)


def _detail(user, ticket: Ticket) -> Ticket:
    ticket = permissions.access_ticket(user, None, ticket.id, by_id=True)
    visible = selectors.origin_visible(user, ticket)
    origin = ticket.origin if ticket.origin_id and visible else None
    ticket.origin_out = None if origin is None else {
        "message_id": origin.id, "conversation_id": origin.conversation_id,
        "author": origin.author, "body": "" if origin.is_deleted else origin.body,
        "created": origin.created}
    ticket.origin_hidden = bool(ticket.origin_id) and not visible
    ticket.viewer_is_agent = permissions.is_agent(user, ticket.desk)
    ticket.viewer_can_comment = permissions.can_comment(user, ticket)
    ticket.viewer_can_reopen = permissions.can_reopen(user, ticket)
    ticket.viewer_me_too = selectors.has_said_me_too(user, ticket)
    return ticket


# --- Filing a request ------------------------------------------------------------------------

def _form_value(spec: FormField, value):
    """A JSON answer as the web form would have posted it (None: not answered); ValueError
    for a value of the wrong shape."""
    if value is None:
        return None
    if spec.kind == FormField.Kind.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, (list, dict)) for v in values):
            raise ValueError
        return [str(v) for v in values]
    if isinstance(value, (list, dict)):
        raise ValueError
    if spec.kind == FormField.Kind.YES_NO and isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, bool):
        raise ValueError
    return str(value)


def _request_data(desk, payload: RequestIn, intake_form):
    """(data for RequestForm, errors found before it)."""
    errors: dict[str, list[str]] = {}
    data = {"title": payload.title}
    if desk.priorities_enabled:
        data["priority"] = payload.priority or Priority.NORMAL
    if payload.category is not None:
        data["category"] = str(payload.category)
    if payload.description:
        if intake_form is not None:
            errors["description"] = [_("A form's request is described by its answers.")]
        else:
            data["description"] = payload.description
    specs = list(intake_form.fields.all()) if intake_form else []
    by_name = {spec.key: spec for spec in specs} | {str(spec.pk): spec for spec in specs}
    unknown = sorted(set(payload.answers) - set(by_name))
    if unknown:
        errors["answers"] = [_("This form has no field %(names)s.")
                             % {"names": ", ".join(unknown[:10])}]
    for name, value in payload.answers.items():
        spec = by_name.get(name)
        if spec is None:
            continue
        if spec.kind == FormField.Kind.FILE:
            if value not in (None, ""):
                errors[spec.key] = [_("Files cannot be sent through the API: file this "
                                      "request from the web page.")]
            continue
        try:
            converted = _form_value(spec, value)
        except ValueError:
            errors[spec.key] = [_("This answer is not of the kind the field asks for.")]
            continue
        if converted is not None:
            data[spec.key] = converted
    for spec in specs:
        if spec.kind == FormField.Kind.FILE and spec.required:
            errors[spec.key] = [_("This form asks for a file, which cannot be sent through the "
                                  "API: file this request from the web page.")]
    return data, errors


def _intake_form(desk, form_id: int | None):
    if form_id is None:
        return None
    intake_form = selectors.forms_of(desk).filter(id=form_id).first()
    if intake_form is None:
        raise ValidationError({"form": [_("This desk offers no such form.")]})
    return intake_form


@router.post("/desks/{slug}/requests", response={201: TicketDetailOut},
             summary="File a request (it becomes a ticket)")
def file_request(request, slug: Text, payload: RequestIn):
    """Validated like the web form; errors are per field (`field_12`, `title`, `priority`,
    `category`, `form`, `answers`). Files are not accepted here."""
    user = request.auth
    desk = permissions.access_desk(user, slug)
    permissions.check_can_file(user, desk)
    intake_form = _intake_form(desk, payload.form)
    categories = selectors.categories_of(desk)
    data, errors = _request_data(desk, payload, intake_form)
    form = RequestForm(data, {}, desk=desk, intake_form=intake_form, requester=user,
                       priorities=Priority.choices if desk.priorities_enabled else (),
                       categories=categories)
    if payload.category is not None and "category" not in form.fields \
            and not (intake_form and intake_form.category_id):
        errors["category"] = [_("This desk has no categories.")]
    if not form.is_valid():
        for name, messages in form.errors.items():
            # A field already refused above keeps that message alone.
            errors.setdefault(name, [str(m) for m in messages])
    if errors:
        raise ValidationError(errors)
    answers, _files = form.answers()
    ticket = services.file_request(
        requester=user, desk=desk, title=form.cleaned_data["title"], intake_form=intake_form,
        answers=answers, priority=form.cleaned_data.get("priority"),
        category=form.cleaned_data.get("category"), source=Ticket.Source.API)
    return Status(201, (_detail(user, ticket)))


# --- Desks -----------------------------------------------------------------------------------

@router.get("/desks", response=DeskList, summary="The desks I can see")
def list_desks(request):
    user = request.auth
    return {"items": [_desk_out(user, desk) for desk in selectors.desks_for(user)]}


@router.get("/desks/{slug}", response=DeskDetailOut, summary="One desk and its intake forms")
def get_desk(request, slug: Text):
    """Its categories and active forms for whoever can see it; its agents only for them."""
    user = request.auth
    desk = permissions.access_desk(user, slug)
    agent = permissions.is_agent(user, desk)
    out = _desk_out(user, selectors.desks_for(user).get(pk=desk.pk))
    forms = [{"id": f.id, "name": f.name, "description": f.description,
              "category_id": f.category_id,
              "fields": [{"id": s.id, "key": s.key, "label": s.label, "kind": s.kind,
                          "required": s.required, "help_text": s.help_text,
                          "choices": list(s.choices)} for s in f.fields.all()]}
             for f in selectors.forms_of(desk)]
    agents = [{"id": a.user_id, "display_name": a.user.display_name, "on_call": a.on_call}
              for a in selectors.agents_of(desk)] if agent else None
    return {**out, "priorities_enabled": desk.priorities_enabled,
            "priorities": list(Priority.values) if desk.priorities_enabled else [],
            "can_file": permissions.can_file(user, desk),
            "categories": list(selectors.categories_of(desk)), "forms": forms,
            "agents": agents}


# --- Ticket lists: keyset pages --------------------------------------------------------------

def _queue_cursor(ticket) -> str:
    micros = (ticket.created - keyset.EPOCH) // keyset.MICROSECOND
    return f"q{ticket.pinned}.{ticket.priority_rank}.{micros}.{ticket.id}"


def _after_queue_cursor(tickets, cursor: str):
    try:
        pinned, rank, micros, pk = (int(part) for part in cursor[1:].split("."))
        created = keyset.EPOCH + micros * keyset.MICROSECOND
    except (ValueError, OverflowError):
        raise ValidationError({"cursor": [_("This cursor is not valid; start from the first "
                                            "page.")]}) from None
    return tickets.filter(
        Q(pinned__gt=pinned) | Q(pinned=pinned, priority_rank__gt=rank)
        | Q(pinned=pinned, priority_rank=rank, created__gt=created)
        | Q(pinned=pinned, priority_rank=rank, created=created, id__gt=pk))


def _queue_page(tickets, cursor: str | None, size: int):
    """The agents' order: urgent tickets nobody took, then by priority, oldest first."""
    if cursor:
        if not cursor.startswith("q"):
            raise ValidationError({"cursor": [_("This cursor is not valid; start from the "
                                                "first page.")]})
        tickets = _after_queue_cursor(tickets, cursor)
    rows = list(tickets.order_by("pinned", "priority_rank", "created", "id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (_queue_cursor(rows[-1]) if more and rows else None)


def _assignee_filter(value: str | None):
    """("me" | "none" | a user id | None) from the query string."""
    if value in (None, ""):
        return None
    if value in ("me", "none"):
        return value
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ValidationError({"assignee": [_("Give me, none or a person's id.")]})
    return int(value)


def _category_filter(desk, value: int | None) -> int | None:
    if value is None:
        return None
    if not selectors.categories_of(desk, include_archived=True).filter(id=value).exists():
        raise ValidationError({"category": [_("This desk has no such category.")]})
    return value


@router.get("/desks/{slug}/tickets", response=TicketList, summary="A desk's tickets")
def list_tickets(request, slug: Text, status: Text = "open", priority: Text | None = None,
                 category: int | None = None, assignee: Text | None = None,
                 overdue: bool = False, sort: Text = "", cursor: Text | None = None,
                 limit: int = 50):
    """For its agents, the queue: urgent tickets nobody took first, then by priority, oldest
    first (`sort=newest` for newest first). For others who can see the desk, the tickets they
    may see, newest first. `status`: open (default), all, or one status; `assignee`: me, none
    or an id; `overdue=1`: past a target time. Keyset pages: pass `next_cursor` as `cursor`."""
    user = request.auth
    desk = permissions.access_desk(user, slug)
    if status not in STATUS_FILTERS:
        raise ValidationError({"status": [_("Choose open, all or one of: %(choices)s.")
                                          % {"choices": ", ".join(Ticket.Status.values)}]})
    if priority and priority not in Priority.values:
        raise ValidationError({"priority": [_("Choose one of: %(choices)s.")
                                            % {"choices": ", ".join(Priority.values)}]})
    if sort not in ("", "priority", "newest"):
        raise ValidationError({"sort": [_("Choose priority or newest.")]})
    who = _assignee_filter(assignee)
    category_id = _category_filter(desk, category)
    size = _limit(limit)
    agent = permissions.is_agent(user, desk)
    if agent:
        tickets = selectors.queue(desk, user, selectors.QueueFilters(
            mine=who == "me", unassigned=who == "none", status=status,
            priority=priority or "", category_id=category_id, overdue=overdue))
    else:
        tickets = selectors.tickets_for_api(user, desk=desk)
        if status == "open":
            tickets = tickets.filter(status__in=OPEN_STATUSES)
        elif status != "all":
            tickets = tickets.filter(status=status)
        if priority:
            tickets = tickets.filter(priority=priority)
        if category_id is not None:
            tickets = tickets.filter(category_id=category_id)
        if who == "me":
            tickets = tickets.filter(assignee=user)
        elif who == "none":
            tickets = tickets.filter(assignee__isnull=True)
        if overdue:
            tickets = tickets.filter(selectors.overdue_q())
    if isinstance(who, int):
        tickets = tickets.filter(assignee_id=who)
    tickets = tickets.select_related("desk__group")
    if agent and sort != "newest":
        rows, next_cursor = _queue_page(tickets, cursor, size)
    else:
        rows, next_cursor = keyset.page(tickets.order_by(), cursor, size)
    return {"items": rows, "next_cursor": next_cursor}


# --- One ticket ------------------------------------------------------------------------------

@router.get("/tickets/{int:ticket_id}", response=TicketDetailOut, summary="One ticket")
def get_ticket(request, ticket_id: int):
    """With its answers. A ticket opened from a message you cannot read has `origin` null."""
    user = request.auth
    return (_detail(user, _ticket(user, ticket_id)))


def _category(ticket: Ticket, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = selectors.categories_of(ticket.desk).filter(id=category_id).first()
    if category is None:
        raise ValidationError({"category": [_("Choose one of this desk's categories.")]})
    return category


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    person = User.objects.filter(id=user_id, is_active=True).first()
    if person is None:
        raise ValidationError({"assignee": [_("Only the desk's agents can be assigned.")]})
    return person


@router.patch("/tickets/{int:ticket_id}", response=TicketDetailOut,
              summary="Change a ticket (its desk's agents)")
def update_ticket(request, ticket_id: int, payload: TicketPatch):
    """Any of `status`, `priority`, `category` (id or null), `assignee` (user id or null).
    Each change is logged in the ticket's thread and the people it concerns are told."""
    user = request.auth
    ticket = _ticket(user, ticket_id)
    permissions.check_agent(user, ticket.desk)
    given = payload.model_fields_set
    changes = {}
    for name in ("status", "priority"):
        if name in given:
            changes[name] = getattr(payload, name)
    if "category" in given:
        changes["category"] = _category(ticket, payload.category)
    if "assignee" in given:
        changes["assignee"] = _assignee(payload.assignee)
    ticket = services.update_ticket(actor=user, ticket=ticket, **changes)
    return (_detail(user, ticket))


@router.post("/tickets/{int:ticket_id}/reopen", response=TicketDetailOut,
             summary="Reopen a resolved ticket (its requester, within 7 days)")
def reopen_ticket(request, ticket_id: int):
    user = request.auth
    ticket = services.reopen(actor=user, ticket=_ticket(user, ticket_id))
    return (_detail(user, ticket))


def _me_too(request, ticket_id: int, *, add: bool) -> dict:
    user = request.auth
    ticket = services.me_too(user=user, ticket=_ticket(user, ticket_id), add=add)
    return {"me_too": selectors.has_said_me_too(user, ticket),
            "me_too_count": ticket.me_too_count}


@router.post("/tickets/{int:ticket_id}/me-too", response=MeTooOut,
             summary="Say \"me too\": follow the ticket and be counted")
def add_me_too(request, ticket_id: int):
    return _me_too(request, ticket_id, add=True)


@router.delete("/tickets/{int:ticket_id}/me-too", response=MeTooOut,
               summary="Take back a \"me too\"")
def remove_me_too(request, ticket_id: int):
    return _me_too(request, ticket_id, add=False)


# --- Discussion ------------------------------------------------------------------------------

@router.get("/tickets/{int:ticket_id}/comments", response=CommentList,
            summary="The ticket's discussion (its thread), oldest first")
def list_comments(request, ticket_id: int):
    user = request.auth
    replies = selectors.thread_of(_ticket(user, ticket_id))
    prefetch_related_objects(replies, Prefetch(
        "reactions", queryset=MessageReaction.objects.select_related("user")
        .order_by("created", "id")))
    return {"items": [{**chat_events.message_payload(reply),
                       "reactions": reaction_summary(reply, user)} for reply in replies]}


@router.post("/tickets/{int:ticket_id}/comments", response={201: CommentCreatedOut},
             summary="Reply in the ticket's thread")
def add_comment(request, ticket_id: int, payload: CommentIn):
    """The requester, those who said "me too" and the desk's agents write here."""
    user = request.auth
    ticket = _ticket(user, ticket_id)
    if ticket.message_id is None:
        raise ValidationError(_("This ticket has no discussion."))
    message = services.comment(actor=user, ticket=ticket, body=payload.body,
                               client_id=payload.client_id or "")
    return Status(201, {"id": message.id, "thread_root_id": message.thread_root_id,
                        "created": message.created})

