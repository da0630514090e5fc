"""Notification emails: one notification, or a digest of several, in the recipient's language,
plain text and HTML, with a one-click unsubscribe for each kind they contain (RFC 8058)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from network.links import absolute_url
from notifications.models import Notification
from notifications.texts import describe

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A link that turns off email for one kind without signing in ("*" for every kind).
    Signed, not stored: it stays valid until the secret key changes."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    kind = data.get("k")
    if kind != "*" and kind not in Notification.Kind.values:
        return None
    return data["u"], kind


def unsubscribe_url(user_id: int, kind: str) -> str:
    return absolute_url(reverse("notifications:unsubscribe",
                                args=[unsubscribe_token(user_id, kind)]))


def send(user, notifications: list[Notification]) -> None:
    with translation.override(user.language or settings.RELAIS_DEFAULT_LANGUAGE):
        items = [{"notification": n, "summary": describe(n),
                  "link": absolute_url(reverse("notifications:open", args=[n.id]))}
                 for n in notifications]
        kinds = list(dict.fromkeys(n.kind for n in notifications))
        unsubscribe = [{"label": Notification.Kind(kind).label, "url": unsubscribe_url(user.id,
                                                                                    kind)}
                       for kind in kinds]
        if len(items) == 1:
            subject = items[0]["summary"]
        else:
            subject = ngettext("%(count)d new notification in Relais",
                               "%(count)d new notifications in Relais",
                               len(items)) % {"count": len(items)}
        context = {"recipient": user, "items": items, "digest": len(items) > 1,
                   "unsubscribe": unsubscribe, "subject": subject,
                   "settings_link": absolute_url(reverse("notifications:settings")),
                   "urgent": any(n.urgent for n in notifications)}
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
        header_kind = kinds[0] if len(kinds) == 1 else "*"
        one_click = unsubscribe_url(user.id, header_kind)
        if context["urgent"]:
            subject = _("Urgent: %(subject)s") % {"subject": subject}
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[user.email],
        headers={"List-Unsubscribe": f"<{one_click}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Auto-Submitted": "auto-generated"})
    message.attach_alternative(html, "text/html")
    message.send()
