"""Pages for people: the directory, profiles, settings, API tokens and invitations."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.adapter import INVITATION_SESSION_KEY
from accounts.forms import ApiTokenForm, AvatarForm, ProfileForm
from accounts.models import ApiToken

PEOPLE_PER_PAGE = 50


@login_required
def directory(request):
    query, department = request.GET.get("q", "").strip(), request.GET.get("department", "")
    people = selectors.search_people(request.user, query=query, department=department)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "department": department, "nav": "people",
               "departments": selectors.departments(request.user)}
    template = "accounts/_people_results.html" if request.htmx else "accounts/directory.html"
    return render(request, template, context)


@login_required
def profile(request, user_id):
    person = get_object_or_404(selectors.visible_people(request.user), pk=user_id)
    return render(request, "accounts/profile.html", {"person": person, "nav": "people"})


@login_required
def edit_profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        services.update_profile(user=request.user, **fields)
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:edit_profile")
    return render(request, "accounts/edit_profile.html",
                  {"form": form, "avatar_form": AvatarForm()})


@login_required
@require_POST
def change_avatar(request):
    if "remove" in request.POST:
        services.remove_avatar(user=request.user)
        messages.success(request, _("Your picture has been removed."))
        return redirect("accounts:edit_profile")
    upload = request.FILES.get("avatar")
    try:
        if upload is None:
            raise ValidationError(_("Choose a picture to upload."))
        services.set_avatar(user=request.user, upload=upload)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return render(request, "accounts/edit_profile.html",
                      {"form": ProfileForm(instance=request.user), "avatar_form": AvatarForm(),
                       "avatar_error": " ".join(error.messages)}, status=400)
    messages.success(request, _("Your picture has been updated."))
    return redirect("accounts:edit_profile")


@login_required
def avatar_image(request, user_id):
    person = get_object_or_404(selectors.visible_people(request.user), pk=user_id)
    if not person.avatar:
        raise Http404
    response = FileResponse(person.avatar.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
def tokens(request):
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.create_api_token(user=request.user,
                                                       name=form.cleaned_data["name"])
            form = ApiTokenForm()
        except ValidationError as error:
            form.add_error("name", error.messages[0])
    return render(request, "accounts/tokens.html", {
        "form": form, "secret": secret, "tokens": selectors.active_tokens(request.user),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke_token(request, token_id):
    try:
        token = services.revoke_api_token(user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


def accept_invitation(request, token):
    invitation = services.find_usable_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", {"invitation": invitation})
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    get_adapter(request).stash_verified_email(request, invitation.email)
    return redirect(reverse("account_signup") + "?" + urlencode({"email": invitation.email}))
