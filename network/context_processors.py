from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site


def organisation_name(request) -> str:
    """The organisation's name: the Site's name (set in the admin), else the setting."""
    name = get_current_site(request).name
    return settings.RELAIS_ORGANISATION_NAME if name in ("", "example.com") else name


def _latest_event_id() -> int:
    from network.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def relais(request):
    return {
        "organisation_name": organisation_name(request),
        "signup_mode": settings.RELAIS_SIGNUP_MODE,
        # Called by the template only where a page opens the socket (see socket.js).
        "latest_event_id": _latest_event_id,
    }
