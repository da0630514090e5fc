"""A desk's set-up pages: making a group a desk, its settings, its intake forms. Each view
parses, calls desk.setup, and renders; setup's refusals are shown beside the fields."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from desk import forms_settings as f
from desk import setup
from desk.permissions import access_desk, can_manage_desk
from desk.selectors import agents_of, categories_of, forms_of
from groups.permissions import access_group, can_see_content, check_can_manage


def _managed_desk(user, slug):
    """The desk if ``user`` sets it up; 404 when they cannot see it or its group, else 403."""
    desk = access_desk(user, slug)
    if not can_manage_desk(user, desk):
        if not can_see_content(user, desk.group):
            raise Http404("No such desk.")
        raise PermissionDenied(_("Only the desk's owners and admins can change its settings."))
    return desk


# --- Create a desk -----------------------------------------------------------------------------

def _check_group_choice(user, groups, slug: str) -> None:
    """A group named in the request that cannot become a desk: hidden is 404, not managed 403,
    archived or already a desk 403."""
    if slug and not groups.filter(slug=slug).exists():
        group = access_group(user, slug)
        check_can_manage(user, group)
        raise PermissionDenied(_("This group is archived or already a desk."))


@login_required
def create_desk(request):
    groups = f.manageable_groups(request.user)
    if not groups.exists():
        raise PermissionDenied(_("Only a group's owners and admins can make it a desk."))
    slug = (request.POST if request.method == "POST" else request.GET).get("group", "")
    _check_group_choice(request.user, groups, slug)
    form = f.CreateDeskForm(request.POST if request.method == "POST" else None, groups=groups,
                            initial={"group": slug} if slug else None)
    if request.method == "POST" and form.is_valid():
        try:
            desk = setup.create_desk(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” is now a desk. Add its agents and forms.")
                             % {"name": desk.group.name})
            return redirect("desk:settings", desk.group.slug)
    return render(request, "desk/create.html", {"form": form, "nav": "desks"},
                  status=422 if form.errors else 200)


# --- Settings ----------------------------------------------------------------------------------

def _save_targets(actor, desk, form):
    with transaction.atomic():
        for priority, first, resolution in form.targets():
            try:
                setup.set_target(actor=actor, desk=desk, priority=priority,
                                 first_response_minutes=first, resolution_minutes=resolution)
            except ValidationError as error:
                raise ValidationError({
                    f"{priority}_first_response" if name.startswith("first") else
                    f"{priority}_resolution": errors
                    for name, errors in getattr(error, "error_dict", {}).items()}
                    or error.messages) from None


# section: (form, what to call with the valid form, where the page goes back, what it says)
SECTIONS = {
    "general": (f.GeneralForm, lambda actor, desk, form: setup.update_desk(
        actor=actor, desk=desk, **form.cleaned_data), "general",
        gettext_lazy("The desk's settings have been saved.")),
    "add_agent": (f.AddAgentForm, lambda actor, desk, form: setup.set_agent(
        actor=actor, desk=desk, user=form.people[form.cleaned_data["user"]],
        on_call=form.cleaned_data["on_call"]), "agents", gettext_lazy("The agent was added.")),
    "agent": (f.AgentForm, lambda actor, desk, form: setup.set_agent(
        actor=actor, desk=desk, user=form.agents[form.cleaned_data["user"]],
        on_call=form.cleaned_data["on_call"]), "agents",
        gettext_lazy("The on-call duty was changed.")),
    "remove_agent": (f.AgentForm, lambda actor, desk, form: setup.remove_agent(
        actor=actor, desk=desk, user=form.agents[form.cleaned_data["user"]]), "agents",
        gettext_lazy("The agent was removed.")),
    "hours": (f.ServiceHoursForm, lambda actor, desk, form: setup.set_service_hours(
        actor=actor, desk=desk, periods=form.periods()), "hours",
        gettext_lazy("The service hours have been saved.")),
    "targets": (f.TargetsForm, _save_targets, "targets",
                gettext_lazy("The target times have been saved.")),
    "add_category": (f.AddCategoryForm, lambda actor, desk, form: setup.save_category(
        actor=actor, desk=desk, **form.cleaned_data), "categories",
        gettext_lazy("The category was added.")),
    "category": (f.CategoryForm, lambda actor, desk, form: setup.save_category(
        actor=actor, desk=desk, **form.cleaned_data), "categories",
        gettext_lazy("The category was saved.")),
    "add_route": (f.AddRouteForm, lambda actor, desk, form: setup.set_route(
        actor=actor, desk=desk, **form.cleaned_data), "routes",
        gettext_lazy("The emoji route was saved.")),
    "remove_route": (f.RemoveRouteForm, lambda actor, desk, form: setup.remove_route(
        actor=actor, desk=desk, **form.cleaned_data), "routes",
        gettext_lazy("The emoji route was removed.")),
}
# The forms the page shows, whichever section was sent.
PAGE_FORMS = ("general", "add_agent", "hours", "targets", "add_category", "add_route")


def _apply(request, desk, section):
    """Run a section's form; the redirect when it saved, else the bound form with errors."""
    form_class, action, anchor, done = SECTIONS[section]
    form = form_class(request.POST, desk=desk, actor=request.user)
    if form.is_valid():
        try:
            action(request.user, desk, form)
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, str(done))
            return redirect(reverse("desk:settings", args=[desk.group.slug]) + f"#{anchor}")
    return form


@login_required
def desk_settings(request, slug):
    desk = _managed_desk(request.user, slug)
    bound = {}
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SECTIONS:
            return HttpResponseBadRequest(_("Unknown section."))
        result = _apply(request, desk, section)
        if isinstance(result, HttpResponse):
            return result
        bound[section] = result
    page_forms = {name: bound.get(name) or SECTIONS[name][0](desk=desk, actor=request.user)
                  for name in PAGE_FORMS}
    return render(request, "desk/settings.html", {
        "desk": desk, "group": desk.group, "nav": "desks", "forms": page_forms,
        "failed": next(iter(bound.values()), None), "failed_section": next(iter(bound), ""),
        "agents": agents_of(desk), "categories": categories_of(desk, include_archived=True),
        "intake_forms": forms_of(desk, include_inactive=True).select_related("category"),
        "routes": desk.routes.select_related("target__desk").order_by("emoji"),
    }, status=422 if bound else 200)


# --- Intake form builder -----------------------------------------------------------------------

@login_required
def edit_form(request, slug, form_id=None):
    desk = _managed_desk(request.user, slug)
    intake_form = None
    if form_id is not None:
        intake_form = forms_of(desk, include_inactive=True).filter(pk=form_id).first()
        if intake_form is None:
            raise Http404("No such form.")
    data = request.POST if request.method == "POST" else None
    form = f.IntakeFormForm(data, desk=desk, intake_form=intake_form)
    fields = f.FieldFormSet(data, initial=f.field_initial(intake_form), prefix="fields")
    if data is not None and form.is_valid() and fields.is_valid():
        try:
            saved = setup.save_form(actor=request.user, desk=desk, fields=fields.specs(),
                                    intake_form=intake_form, **form.cleaned_data)
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("The form “%(name)s” has been saved.")
                             % {"name": saved.name})
            return redirect("desk:form_edit", desk.group.slug, saved.pk)
    invalid = data is not None
    return render(request, "desk/form_edit.html", {
        "desk": desk, "group": desk.group, "nav": "desks", "form": form, "fields": fields,
        "intake_form": intake_form}, status=422 if invalid else 200)
