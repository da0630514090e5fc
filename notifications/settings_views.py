"""The notification settings page and the unsubscribe links of emails."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from notifications import schedule, services, settings_selectors, vapid
from notifications.email import read_unsubscribe_token
from notifications.forms import GroupLevelsForm, PreferencesForm
from notifications.models import Notification


def _moment(when: datetime, tz, now: datetime) -> str:
    """ "Monday 07:00" within the coming week, with the date beyond it."""
    local = when.astimezone(tz)
    if local - now.astimezone(tz) < timedelta(days=6):
        return dateformat.format(local, "l H:i")
    return dateformat.format(local, "l j F, H:i")


def describe_availability(state, now: datetime) -> dict:
    """The state of someone's hours in words: a headline and what it means."""
    available, until, reason = (state.availability.available, state.availability.until,
                                state.availability.reason)
    tz = schedule.zone(state.time_zone)
    at = {"time": _moment(until, tz, now)} if until else {}
    if available:
        headline = _("You are reachable now")
        detail = {
            "always": _("You have no working hours, so email and push reach you at any time."),
            "working": _("Until %(time)s, the end of your working hours."),
            "on_call": (_("You are on call until %(time)s.") if until
                        else _("You are on call until you change your status.")),
        }[reason]
    else:
        headline = (_("Held until %(time)s") % at if until
                    else _("Held until you change your status"))
        detail = (_("You are off duty: email and push wait until then, except urgent ones.")
                  if reason == "off_duty" else
                  _("Outside your working hours, email and push wait until you are back, "
                    "except urgent ones."))
    return {"available": available, "headline": headline, "detail": detail % at}


def _forms(request, state, section):
    data = request.POST if request.method == "POST" else None
    return (
        PreferencesForm(data if section == "preferences" else None, state=state),
        GroupLevelsForm(data if section == "groups" else None,
                        groups=settings_selectors.member_groups(request.user),
                        levels=settings_selectors.group_levels(request.user)),
    )


@login_required
def settings_page(request):
    section = request.POST.get("section") if request.method == "POST" else None
    if section == "unmute":
        return _unmute(request)
    now = timezone.now()
    state = settings_selectors.settings_state(request.user, now=now)
    preferences_form, groups_form = _forms(request, state, section)
    if section == "preferences" and preferences_form.is_valid():
        try:
            services.update_settings(user=request.user, **preferences_form.service_arguments())
        except ValidationError as error:
            preferences_form.add_service_errors(error)
        else:
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:settings")
    elif section == "groups" and groups_form.is_valid():
        with transaction.atomic():
            for group, level in groups_form.changes():
                services.set_group_level(user=request.user, group=group, level=level)
        messages.success(request, _("Your group settings have been saved."))
        return redirect(reverse("notifications:settings") + "#groups")
    invalid = preferences_form.errors or groups_form.errors
    return render(request, "notifications/settings.html", {
        "nav": "notifications", "preferences_form": preferences_form,
        "groups_form": groups_form, "state": state,
        "now": describe_availability(state, now),
        "mutes": settings_selectors.mutes(request.user),
        "vapid_public_key": vapid.application_server_key(),
    }, status=422 if invalid else 200)


def _unmute(request):
    scope = request.POST.get("scope", "")
    mute = settings_selectors.mutes(request.user).filter(scope=scope).first()
    if mute is not None:
        services.set_muted(user=request.user, scope=scope, muted=False)
        messages.success(request, _("“%(label)s” is no longer muted.")
                         % {"label": mute.label or scope})
    return redirect(reverse("notifications:settings") + "#muted")


def _kind_label(kind: str) -> str:
    return _("all notifications") if kind == "*" else Notification.Kind(kind).label


# Mail clients POST the one-click body (RFC 8058) with no session: the signed token is the proof.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET only asks: hospital mail gateways open every link to scan it. POST unsubscribes,
    from the page's button or from a mail client's one-click ``List-Unsubscribe=One-Click``."""
    found = read_unsubscribe_token(token)
    person = (User.objects.filter(id=found[0], is_active=True).first()
              if found is not None else None)
    if person is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    kind = found[1]
    with translation.override(person.language or translation.get_language()):
        done = request.method == "POST"
        if done:
            services.unsubscribe_email(user=person, kind=kind)
        return render(request, "notifications/unsubscribe.html", {
            "done": done, "every_kind": kind == "*", "kind_label": _kind_label(kind),
            "token": token, "nav": "notifications"})
