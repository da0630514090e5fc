"""``{% off_duty_notice person %}``: tell whoever is about to write to someone that they are
off duty, and when notifications will reach them. A template tag, so that pages of apps that
may not import notifications (the profile, in accounts) can show it too."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone

from notifications.schedule import Availability
from notifications.selectors import availability_of

register = template.Library()


def back_at_text(moment: datetime, *, now: datetime | None = None) -> str:
    """A short time in the active (the viewer's) time zone: "17:00" later today, "Mon 07:00"
    within the week, "Mon 14 Oct 07:00" after."""
    local = timezone.localtime(moment)
    days = (local.date() - timezone.localtime(now or timezone.now()).date()).days
    pattern = "H:i" if days == 0 else "D H:i" if days < 7 else "D j M H:i"
    return formats.date_format(local, pattern)


@register.inclusion_tag("notifications/_off_duty.html", takes_context=True)
def off_duty_notice(context, person, state: Availability | None = None):
    """Nothing when ``person`` can be reached now. ``state`` saves the queries when the
    caller has it already (``notifications.selectors.availability_of``)."""
    if state is None:
        state = availability_of([person])[person.id]
    if state.available:
        return {"show": False}
    viewer = context.get("user")
    return {"show": True, "person": person,
            "yourself": viewer is not None and viewer.pk == person.pk,
            "when": back_at_text(state.until) if state.until else ""}
