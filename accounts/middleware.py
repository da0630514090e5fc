import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


class UserPreferencesMiddleware:
    """Render every page in the signed-in user's language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_user_preferences(request, user)
        else:
            timezone.deactivate()
        return self.get_response(request)


def activate_user_preferences(request, user) -> None:
    """Also called by the API once a token has identified the user (after the middleware)."""
    if user.language in dict(settings.LANGUAGES):
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


def mfa_is_required_for(user) -> bool:
    policy = settings.RELAIS_MFA_REQUIRED
    return policy == "all" or (policy == "admins" and user.is_staff)


def has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]).exists()


class MandatoryMFAMiddleware:
    """Where RELAIS_MFA_REQUIRED asks for it, send users without a second factor to enrol."""

    # The service worker is fetched by the browser itself, which cannot follow a redirect to
    # a page; health checks come from load balancers.
    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/favicon", "/sw.js", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (settings.RELAIS_MFA_REQUIRED != "none" and user is not None
                and user.is_authenticated and not getattr(request, "auth_by_token", False)
                and not request.path.startswith(self.EXEMPT_PREFIXES)
                and mfa_is_required_for(user) and not has_second_factor(user)):
            message = _("Your organisation requires two-factor authentication. "
                        "Set up an authenticator app to continue.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=403)
            messages.warning(request, message)
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
