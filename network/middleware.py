"""Request hygiene shared by every page and the API."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from network.realtime import latest_event_id


class RejectNulCharactersMiddleware:
    """Refuse parameters holding NUL characters with a 400.

    No field of Relais may hold one, and PostgreSQL refuses them in any text, which would
    otherwise surface as a server error deep inside a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or self._has_nul(request.GET):
            return HttpResponseBadRequest(_("Text may not contain NUL characters."))
        is_form = request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data")
        if is_form and self._has_nul(request.POST):
            return HttpResponseBadRequest(_("Text may not contain NUL characters."))
        return self.get_response(request)

    @staticmethod
    def _has_nul(params) -> bool:
        return any("\x00" in key or any("\x00" in value for value in values)
                   for key, values in params.lists())


class PageEventMiddleware:
    """Read the newest event id before a page reads anything else (``request.page_event_id``).

    A page gives it to its socket (``<body data-last-event-id>``), which then drops every
    event up to it: the page already shows their effects. That holds only if the id is read
    before the page's data. An event is stored after its transaction commits, and event ids
    are handed out in order, so every event with an id up to this one belongs to a write
    committed before this read, hence before the page read its data. Read at the end of the
    render instead, a write committed meanwhile would be missing from the page and its event
    dropped. Only requests that can draw a whole page pay for it: not htmx fragments, not
    the API, not what a script fetches or an image (their Accept header does not ask for
    HTML; a request without one is taken as a page), and a page draws it anyway.
    """

    SKIPPED_PREFIXES = ("/api/", "/static/", "/media/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and not request.headers.get("HX-Request")
                and "text/html" in request.headers.get("Accept", "text/html")
                and not request.path.startswith(self.SKIPPED_PREFIXES)):
            request.page_event_id = latest_event_id()
        return self.get_response(request)
