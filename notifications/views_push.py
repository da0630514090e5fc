"""The service worker of web push, served from the site's root so its scope is every page."""

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

SERVICE_WORKER = "relais/sw.js"


@require_GET
@never_cache
def service_worker(request):
    # Not cached, so a new version reaches browsers at their next visit.
    path = finders.find(SERVICE_WORKER)
    if path is None:
        raise Http404
    with open(path, "rb") as file:
        response = HttpResponse(file.read(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
