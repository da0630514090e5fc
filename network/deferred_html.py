"""Parts of a page that differ per request, put into HTML that is shared between requests.

Rendered HTML can be reused by other readers and later requests (feed cards are, see
feed.card_html) only if it holds nothing of the request that drew it. Three such things are
drawn as markers instead and filled in by ``fill`` when the page is served:

- the CSRF token of the forms, which is the reader's;
- the reader's avatar (beside a comment box, say);
- relative times ("5 minutes ago"), which age while the HTML waits.

Each marker is an HTML tag or a form input that user content cannot hold: text is escaped
and rich text is cleaned by nh3, which drops unknown elements and every ``<input>``.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CSRF_MARK = "relais-deferred-csrf"
# What {% csrf_token %} draws when the context's token is CSRF_MARK.
CSRF_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_MARK}">'
RELATIVE_TIME = re.compile(r'<relais-ago t="([^"<>]+)"></relais-ago>')


class ViewerMark:
    """Stands for the reader where shared HTML draws them: ``{% avatar user %}`` draws a
    marker (whatever avatar() makes of these initials), and the reader is nobody's author
    (their own items are named by the caller)."""

    id = pk = None
    avatar = None
    avatar_hue = 0
    initials = "relais-deferred-viewer"
    is_authenticated = True


VIEWER = ViewerMark()


def relative_time_mark(value: datetime) -> SafeString:
    return mark_safe(f'<relais-ago t="{value.isoformat()}"></relais-ago>')  # noqa: S308 - a datetime


def csrf_input(request) -> tuple[str, str]:
    """(marker, the request's own input): the token is read once per page, not per piece."""
    return CSRF_INPUT, CSRF_INPUT.replace(CSRF_MARK, escape(get_token(request)))


def fill(html: str, replacements: dict[str, str]) -> SafeString:
    """``html`` with each marker of ``replacements`` (the CSRF input, the reader's avatars)
    replaced by this request's HTML, and the relative times of now put in place."""
    for mark, value in replacements.items():
        html = html.replace(mark, value)
    html = RELATIVE_TIME.sub(lambda match: escape(str(naturaltime(
        datetime.fromisoformat(match.group(1))))), html)
    return mark_safe(html)  # noqa: S308 - rendered templates and escaped values
