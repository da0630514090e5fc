"""Desk pages: the list of desks, a desk's queue or home, the request form, my requests.
(The ticket page is in views_ticket.py, settings in views_settings.py, metrics in
views_metrics.py.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from desk import permissions, selectors, services
from desk.forms import parse_queue_filters, sort_choices, status_choices
from desk.intake import RequestForm
from desk.models import Desk, Priority
from groups.models import Membership

# The queue shows this many tickets at most; narrower filters find the rest.
# The queue shows this many tickets, and this many more each time an agent asks, up to
# QUEUE_MOST: each view is a fresh, consistent list (the queue changes under the agents' eyes,
# so pages by offset would skip or repeat tickets).
QUEUE_LIMIT = 100
QUEUE_MOST = 1000
MY_REQUESTS_LIMIT = 200
FILTER_KEYS = ("mine", "unassigned", "status", "priority", "category", "overdue", "sort")


def _manages_a_group_without_desk(user) -> bool:
    if user.is_guest:
        return False
    if user.is_staff:
        return True
    return Membership.objects.filter(
        user=user, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
        group__archived_at__isnull=True, group__desk__isnull=True).exists()


@login_required
def index(request):
    desks = list(selectors.desks_for(request.user))
    for desk in desks:
        desk.can_file = permissions.can_file(request.user, desk)
        desk.viewer_is_agent = bool(desk.agent_role) or permissions.is_agent(request.user, desk)
    return render(request, "desk/index.html", {
        "nav": "desks", "desks": desks,
        "can_create": _manages_a_group_without_desk(request.user)})


@login_required
def my_requests(request):
    tickets = list(selectors.requests_of(request.user)[:MY_REQUESTS_LIMIT + 1])
    return render(request, "desk/my_requests.html", {
        "nav": "desks", "tickets": tickets[:MY_REQUESTS_LIMIT],
        "truncated": len(tickets) > MY_REQUESTS_LIMIT, "limit": MY_REQUESTS_LIMIT})


# --- The queue --------------------------------------------------------------------------------

def _filter_query(params) -> str:
    """The filter part of a query string, and nothing else (safe to put in a redirect)."""
    query = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = params.get(key, "")
        if value:
            query[key] = value[:40]
    return query.urlencode()


def _short_duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 24 * 60:
        return _("%(days)d d") % {"days": minutes // (24 * 60)}
    if minutes >= 60:
        return _("%(hours)d h") % {"hours": minutes // 60}
    return _("%(minutes)d min") % {"minutes": max(minutes, 1)}


def _queue_context(request, desk: Desk) -> dict:
    categories = list(selectors.categories_of(desk))
    parsed = parse_queue_filters(request.GET, category_ids=[c.id for c in categories])
    shown = _shown(request.GET.get("shown"))
    tickets = selectors.queue(desk, request.user, parsed.filters)
    rows = list(tickets[:shown + 1])
    truncated = len(rows) > shown
    rows = rows[:shown]
    for ticket in rows:
        ticket.overdue_by = services.overdue_since(ticket)
        ticket.overdue_text = _short_duration(ticket.overdue_by) if ticket.overdue_by else ""
    query = _filter_query(request.GET)
    sized = _joined(query, f"shown={shown}" if shown > QUEUE_LIMIT else "")
    more = min(shown + QUEUE_LIMIT, QUEUE_MOST) if truncated and shown < QUEUE_MOST else None
    return {
        "desk": desk, "group": desk.group, "tickets": rows,
        "truncated": truncated, "total": tickets.count() if truncated else len(rows),
        "more_url": (reverse("desk:desk", args=[desk.group.slug]) + "?"
                     + _joined(query, f"shown={more}")
                     + "#desk-queue") if more else None,
        "more_count": more - shown if more else 0,
        "filters": parsed.filters, "filter_problems": parsed.problems,
        "filters_active": parsed.active, "categories": categories,
        "statuses": status_choices(), "priorities": Priority.choices, "sorts": sort_choices(),
        "assignees": _assignees(request.user, desk), "query": query,
        "filter_params": list(QueryDict(query).items()),
        # The live refresh keeps as many tickets as the agent asked to see.
        "queue_url": reverse("desk:queue", args=[desk.group.slug])
        + (f"?{sized}" if sized else ""),
    }


def _joined(*parts: str) -> str:
    """Query-string parts joined, the empty ones left out."""
    return "&".join(part for part in parts if part)


def _shown(value) -> int:
    """How many tickets to show: QUEUE_LIMIT, or as many more as asked, up to QUEUE_MOST
    (whatever the query string says)."""
    try:
        asked = int(value)
    except (TypeError, ValueError):
        return QUEUE_LIMIT
    return min(max(asked, QUEUE_LIMIT), QUEUE_MOST)


def _assignees(user, desk: Desk) -> list:
    people = [agent.user for agent in selectors.agents_of(desk)]
    if user.id not in {person.id for person in people} and permissions.is_agent(user, desk):
        people.insert(0, user)
    return people


@login_required
def desk_home(request, slug):
    desk = permissions.access_desk(request.user, slug)
    if permissions.is_agent(request.user, desk):
        context = _queue_context(request, desk)
        context.update({"nav": "desks", "can_file": permissions.can_file(request.user, desk),
                        "can_manage": permissions.can_manage_desk(request.user, desk)})
        return render(request, "desk/queue.html", context)
    return render(request, "desk/home.html", {
        "nav": "desks", "desk": desk, "group": desk.group,
        "can_file": permissions.can_file(request.user, desk),
        "forms": selectors.forms_of(desk),
        "tickets": selectors.requests_of(request.user).filter(desk=desk)[:50]})


@login_required
def queue_fragment(request, slug):
    """The queue's list alone, for the page's live updates and filter changes."""
    desk = permissions.access_desk(request.user, slug)
    permissions.check_agent(request.user, desk)
    return render(request, "desk/_queue.html", _queue_context(request, desk))


@login_required
@require_POST
def bulk_assign(request, slug):
    desk = permissions.access_desk(request.user, slug)
    permissions.check_agent(request.user, desk)
    query = _filter_query(request.POST)
    back = reverse("desk:desk", args=[slug]) + (f"?{query}" if query else "")
    ticket_ids = request.POST.getlist("tickets")
    if not ticket_ids:
        messages.error(request, _("Choose at least one ticket to assign."))
        return redirect(back)
    choice = request.POST.get("assignee", "")
    if choice in ("", "none"):
        assignee = None
    else:
        assignee = next((p for p in _assignees(request.user, desk) if str(p.id) == choice), None)
        if assignee is None:
            messages.error(request, _("Choose one of the desk's agents."))
            return redirect(back)
    try:
        changed = services.bulk_assign(actor=request.user, desk=desk, ticket_ids=ticket_ids,
                                       assignee=assignee)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if assignee is None:
        text = ngettext("%(count)d ticket unassigned.", "%(count)d tickets unassigned.",
                        changed) % {"count": changed}
    else:
        text = ngettext("%(count)d ticket assigned to %(name)s.",
                        "%(count)d tickets assigned to %(name)s.",
                        changed) % {"count": changed, "name": assignee.display_name}
    messages.success(request, text)
    return redirect(back)


# --- Filing a request -------------------------------------------------------------------------

def _intake_form(desk: Desk, value):
    if not value:
        return None
    try:
        form_id = int(value)
    except (TypeError, ValueError):
        raise Http404("No such form.") from None
    intake_form = selectors.forms_of(desk).filter(id=form_id).first()
    if intake_form is None:
        raise Http404("No such form.")
    return intake_form


def _add_service_errors(form: RequestForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    file_fields = [spec.key for spec in form.specs if spec.kind == "file"]
    for key, errors in error.message_dict.items():
        if key in form.fields:
            target = key
        elif key == "attachments" and file_fields:
            target = file_fields[0]
        else:
            target = None
        for message in errors:
            form.add_error(target, message)


def _describe(form: RequestForm) -> None:
    """Point each control at its help text and errors, and mark it invalid when it is. Choice
    groups get this on their fieldset instead (templates/desk/_request_field.html)."""
    for name, field in form.fields.items():
        bound = form[name]
        if bound.field.widget.use_fieldset:
            continue
        ids = [f"{bound.auto_id}_helptext"] if field.help_text else []
        if bound.errors:
            ids.append(f"{bound.auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)


@login_required
def new_request(request, slug):
    desk = permissions.access_desk(request.user, slug)
    intake_form = _intake_form(desk, request.GET.get("form") or request.POST.get("form"))
    permissions.check_can_file(request.user, desk)
    options = {"desk": desk, "intake_form": intake_form, "requester": request.user,
               "priorities": Priority.choices if desk.priorities_enabled else (),
               "categories": selectors.categories_of(desk)}
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, **options)
        if form.is_valid():
            answers, files = form.answers()
            try:
                ticket = services.file_request(
                    requester=request.user, desk=desk, title=form.cleaned_data["title"],
                    intake_form=intake_form, answers=answers, files=files,
                    priority=form.cleaned_data.get("priority"),
                    category=form.cleaned_data.get("category"))
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("Your request %(reference)s was filed. The desk "
                                            "will answer here.")
                                 % {"reference": ticket.reference})
                return redirect(services.ticket_url(ticket))
    else:
        form = RequestForm(**options)
    _describe(form)
    return render(request, "desk/new_request.html", {
        "nav": "desks", "desk": desk, "group": desk.group, "intake_form": intake_form,
        "form": form, "has_files": form.has_files,
        "other_forms": selectors.forms_of(desk) if intake_form is None else ()},
        status=422 if form.is_bound and form.errors else 200)
