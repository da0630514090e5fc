"""The project's URLs plus a bare reference view, so both go through the same middleware."""

from django.http import JsonResponse
from django.urls import path

from groups.models import Group
from network.urls import urlpatterns as relais_urlpatterns

REFERENCE_IDS: list[int] = []


def bare_groups(request):
    rows = Group.objects.filter(id__in=REFERENCE_IDS[:50]).order_by("id").values(
        "id", "slug", "name", "description", "visibility")
    return JsonResponse({"items": list(rows)})


urlpatterns = [path("bare/groups", bare_groups), *relais_urlpatterns]
