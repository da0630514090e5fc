"""The site plus a page that shows only the web push card (the settings page that includes it
is built separately): tests/e2e/test_push.py."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from network.urls import urlpatterns as site
from notifications import vapid

CARD_PAGE = """{% extends "base.html" %}{% block content %}
<div class="page-head"><h1>Notification settings</h1></div>
{% include "notifications/_push_optin.html" %}{% endblock %}"""


def push_card(request):
    key = None if request.GET.get("unconfigured") else vapid.application_server_key()
    template = engines["django"].from_string(CARD_PAGE)
    return HttpResponse(template.render({"vapid_public_key": key}, request))


urlpatterns = [path("test/push-card/", push_card), *site]
