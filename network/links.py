"""Absolute links for messages sent outside a request (emails from tasks)."""

from django.conf import settings
from django.contrib.sites.models import Site


def absolute_url(path: str) -> str:
    """``path`` on the Site's domain (set in the admin), for emails sent by tasks."""
    scheme = "https" if settings.HTTPS else "http"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"
