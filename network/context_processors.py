from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site

from network.realtime import latest_event_id


def organisation_name(request) -> str:
    """The organisation's name: the Site's name (set in the admin), else the setting."""
    name = get_current_site(request).name
    return settings.RELAIS_ORGANISATION_NAME if name in ("", "example.com") else name


def relais(request):
    # Read before the page's data by PageEventMiddleware (see there and socket.js); a page
    # drawn without it (a test's RequestFactory) reads it when the template asks.
    page_event_id = getattr(request, "page_event_id", None)
    return {
        "organisation_name": organisation_name(request),
        "signup_mode": settings.RELAIS_SIGNUP_MODE,
        "latest_event_id": latest_event_id if page_event_id is None else page_event_id,
    }
