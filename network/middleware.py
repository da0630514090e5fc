"""Request hygiene shared by every page and the API."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


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
