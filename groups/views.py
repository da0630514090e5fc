"""Group pages. Each view parses, calls one service or selector, and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import visible_people
from groups import permissions, selectors, services
from groups.forms import GroupForm, InviteForm, JoinRequestForm, RoleForm
from groups.models import GroupInvitation, JoinRequest, Membership

TABS = ("mine", "discover", "archived")


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def _run(request, action, success: str):
    """Run a service; its refusal becomes a flash message on the page the form came from.

    Who may not act at all is turned away with 403 by the view before this; what is left
    are the services' finer rules (the last owner, ownership, archived groups).
    """
    try:
        result = action()
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You cannot do this."))
        return None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    messages.success(request, success)
    return result or True


@login_required
def group_list(request):
    tab = request.GET.get("tab", "mine")
    tab = tab if tab in TABS else "mine"
    query = request.GET.get("q", "").strip()
    if tab == "archived":
        groups = selectors.archived_groups_for(request.user, query=query)
    else:
        groups = selectors.groups_for(request.user, member=(tab == "mine"), query=query)
    context = {"groups": groups, "tab": tab, "query": query, "nav": "groups",
               "can_create": permissions.can_create_group(request.user),
               "show_archived_tab": tab == "archived" or selectors.has_archived_groups(request.user)}
    template = "groups/_group_cards.html" if request.htmx else "groups/list.html"
    return render(request, template, context)


@login_required
def create_group(request):
    permissions.check_can_create_group(request.user)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(creator=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The group “%(name)s” is ready.") % {"name": group.name})
            return redirect("groups:detail", group.slug)
    return render(request, "groups/form.html", {"form": form, "nav": "groups"})


def _detail_context(request, group):
    user = request.user
    membership = selectors.membership_of(user, group)
    can_see = permissions.can_see_content(user, group)
    can_manage = permissions.can_manage(user, group)
    members = selectors.members_of(group) if can_see else None
    return {
        "group": group, "membership": membership, "nav": "groups",
        "can_see_content": can_see, "can_manage": can_manage,
        "can_join": permissions.can_join(user, group),
        "can_request": permissions.can_request_to_join(user, group),
        "has_pending_request": selectors.has_pending_request(user, group),
        "members_preview": members[:8] if members is not None else [],
        "member_count": members.count() if members is not None else None,
        "join_requests": selectors.pending_join_requests(group) if can_manage else [],
        "join_form": JoinRequestForm(),
    }


@login_required
def group_detail(request, slug):
    group = permissions.access_group(request.user, slug)
    return render(request, "groups/detail.html", _detail_context(request, group))


@login_required
def edit_group(request, slug):
    group = permissions.access_group(request.user, slug)
    permissions.check_can_manage(request.user, group)
    initial = {name: getattr(group, name) for name in services.EDITABLE_FIELDS}
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The group has been updated."))
            return redirect("groups:detail", group.slug)
    return render(request, "groups/form.html", {"form": form, "group": group, "nav": "groups"})


@login_required
def members(request, slug):
    group = permissions.access_group(request.user, slug)
    if not permissions.can_see_content(request.user, group):
        raise Http404
    query = request.GET.get("q", "").strip()
    context = {"group": group, "members": selectors.members_of(group, query=query),
               "query": query, "can_manage": permissions.can_manage(request.user, group),
               "can_grant_ownership": permissions.can_grant_ownership(request.user, group),
               "role_form": RoleForm(), "nav": "groups"}
    template = "groups/_member_rows.html" if request.htmx else "groups/members.html"
    return render(request, template, context)


@login_required
def invite(request, slug):
    group = permissions.access_group(request.user, slug)
    permissions.check_can_manage(request.user, group)
    form = InviteForm(request.POST or None, group=group)
    if request.method == "POST" and "user_id" in request.POST:
        user_id = request.POST["user_id"]
        person = get_object_or_404(visible_people(request.user),
                                   pk=int(user_id) if user_id.isdigit() else 0)
        _run(request, lambda: services.add_member(actor=request.user, group=group, user=person),
             _("%(name)s was added to the group.") % {"name": person.display_name})
        return redirect("groups:invite", group.slug)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invite(actor=request.user, group=group, request=request,
                                     **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            if isinstance(result, GroupInvitation):
                messages.success(request, _("An invitation was sent to %(email)s.")
                                 % {"email": result.email})
            else:
                messages.success(request, _("%(name)s was added to the group.")
                                 % {"name": result.user.display_name})
            return redirect("groups:invite", group.slug)
    query = request.GET.get("q", "").strip()
    candidates = selectors.invite_candidates(request.user, group, query=query)[:10] if query else []
    context = {"group": group, "form": form, "query": query, "candidates": candidates,
               "invitations": selectors.pending_invitations(group), "nav": "groups"}
    template = "groups/_invite_candidates.html" if request.htmx else "groups/invite.html"
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
@require_POST
def join(request, slug):
    group = permissions.access_group(request.user, slug)
    _run(request, lambda: services.join_group(user=request.user, group=group),
         _("Welcome to %(name)s!") % {"name": group.name})
    return redirect("groups:detail", group.slug)


@login_required
def request_to_join(request, slug):
    group = permissions.access_group(request.user, slug)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST":
        if "cancel" in request.POST:
            services.cancel_join_request(user=request.user, group=group)
            messages.success(request, _("Your request has been withdrawn."))
            return redirect("groups:detail", group.slug)
        if form.is_valid():
            _run(request, lambda: services.request_to_join(user=request.user, group=group,
                                                           **form.cleaned_data),
                 _("Your request has been sent to the group's admins."))
            return redirect("groups:detail", group.slug)
    return render(request, "groups/detail.html", {**_detail_context(request, group),
                                                  "join_form": form})


@login_required
@require_POST
def decide_request(request, slug, request_id):
    group = permissions.access_group(request.user, slug)
    permissions.check_can_manage(request.user, group)
    join_request = get_object_or_404(JoinRequest, pk=request_id, group=group)
    decision = request.POST.get("decision")
    if decision not in ("approve", "deny"):
        messages.error(request, _("Choose to approve or deny the request."))
        return redirect("groups:detail", group.slug)
    approve = decision == "approve"
    name = join_request.user.display_name
    _run(request, lambda: services.decide_join_request(actor=request.user,
                                                       join_request=join_request, approve=approve),
         (_("%(name)s joined the group.") if approve else _("The request from %(name)s was "
                                                              "declined.")) % {"name": name})
    return redirect("groups:detail", group.slug)


@login_required
@require_POST
def leave(request, slug):
    group = permissions.access_group(request.user, slug)
    if _run(request, lambda: services.leave_group(user=request.user, group=group),
            _("You left %(name)s.") % {"name": group.name}):
        return redirect("groups:list")
    return redirect("groups:detail", group.slug)


@login_required
@require_POST
def archive(request, slug):
    group = permissions.access_group(request.user, slug)
    permissions.check_can_manage(request.user, group)
    archived = request.POST.get("archived", "1") == "1"
    _run(request, lambda: services.set_archived(actor=request.user, group=group,
                                                archived=archived),
         _("The group has been archived.") if archived else _("The group is active again."))
    return redirect("groups:detail", group.slug)


def _member_or_404(request, slug, user_id):
    group = permissions.access_group(request.user, slug)
    if not permissions.can_see_content(request.user, group):
        raise Http404
    membership = get_object_or_404(selectors.members_of(group), user_id=user_id)
    return group, membership.user


@login_required
@require_POST
def change_role(request, slug, user_id):
    group, person = _member_or_404(request, slug, user_id)
    permissions.check_can_manage(request.user, group)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("groups:members", group.slug)
    role = Membership.Role(form.cleaned_data["role"])
    _run(request, lambda: services.change_role(actor=request.user, group=group, user=person,
                                               role=role),
         _("%(name)s is now %(role)s.") % {"name": person.display_name,
                                           "role": str(role.label).lower()})
    return redirect("groups:members", group.slug)


@login_required
@require_POST
def remove_member(request, slug, user_id):
    group, person = _member_or_404(request, slug, user_id)
    if person != request.user:
        permissions.check_can_manage(request.user, group)
    _run(request, lambda: services.remove_member(actor=request.user, group=group, user=person),
         _("%(name)s was removed from the group.") % {"name": person.display_name})
    return redirect("groups:members", group.slug)
