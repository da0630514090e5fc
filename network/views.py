from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseNotAllowed, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from accounts.services import update_profile
from groups.selectors import groups_for


@login_required
def home(request):
    my_groups = groups_for(request.user, member=True)
    return render(request, "network/home.html", {"my_groups": my_groups, "nav": "feed"})


def set_language(request):
    """Switch the interface language; a signed-in user keeps the choice in their profile."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            update_profile(user=request.user, language=language)
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE, max_age=365 * 24 * 3600)
    return response


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request):
    # Resolved per request: with the manifest storage, static() needs collectstatic to have run,
    # which must not be a condition for importing the URLs (manage.py check, migrate).
    return HttpResponsePermanentRedirect(static("relais/favicon.svg"))
