"""Web push: one message per delivery to every browser the person subscribed, encrypted for
that browser and signed with the server's VAPID key (notifications.vapid)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import re
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from py_vapid import VapidException
from pywebpush import WebPushException, webpush

from notifications import vapid
from notifications.models import Notification, PushSubscription
from notifications.texts import describe

logger = logging.getLogger(__name__)
GONE = (404, 410)  # the push service forgot this subscription: remove it
P256DH_BYTES, AUTH_BYTES = 65, 16
# Connect, read: delivery waits for each push service in turn.
TIMEOUT_SECONDS = (5, 10)


def payload(notifications: list[Notification], *, previews: bool) -> dict:
    """What the service worker shows. Without previews the body never carries what someone
    wrote: a lock screen on a ward is seen by patients and visitors."""
    latest = max(n.created for n in notifications)
    common = {"urgent": any(n.urgent for n in notifications),
              "timestamp": int(latest.timestamp() * 1000), "lang": translation.get_language()}
    if len(notifications) == 1:
        n = notifications[0]
        body = n.title if previews and n.title else _("Open Relais to read it.")
        return {"title": describe(n), "body": body, "tag": f"notification-{n.id}",
                "url": reverse("notifications:open", args=[n.id]), **common}
    count = len(notifications)
    return {"title": ngettext("%(count)d new notification", "%(count)d new notifications",
                              count) % {"count": count},
            "body": _("Open Relais to see them."), "tag": "notifications-digest",
            "url": reverse("notifications:list"), **common}


def subscriptions_for(user):
    """The browsers that receive this person's pushes, newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created", "-id")


# --- Which endpoints the server may POST to ---------------------------------------------------

def endpoint_allowed(endpoint: str) -> bool:
    """An https URL on a known push service (RELAIS_PUSH_SERVICE_HOSTS, subdomains included),
    so a subscription cannot aim the server at an internal address."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower().rstrip(".")
        if parts.port == 0:  # also raises ValueError on a port that is not a number
            return False
    except ValueError:
        return False
    if parts.scheme == "http" and settings.RELAIS_PUSH_ALLOW_HTTP_LOOPBACK:
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    if parts.scheme != "https" or not host:
        return False
    return any(host == allowed or host.endswith("." + allowed)
               for allowed in settings.RELAIS_PUSH_SERVICE_HOSTS)


BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _key_bytes(value: str) -> bytes | None:
    """The bytes of a base64url value (as browsers send keys, padded or not), or None."""
    if not isinstance(value, str) or len(value) > 200 or not BASE64URL.fullmatch(value):
        return None
    bare = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        return None


def check_subscription(*, endpoint: str, p256dh: str, auth: str) -> None:
    """Raise ValidationError (field: message) unless this is what a browser's
    ``PushSubscription.toJSON()`` gives for a push service the server may call."""
    errors = {}
    max_length = PushSubscription._meta.get_field("endpoint").max_length
    if not endpoint or len(endpoint) > max_length:
        errors["endpoint"] = _("The endpoint must be a URL of at most %(max)d characters.") % {
            "max": max_length}
    elif not endpoint_allowed(endpoint):
        errors["endpoint"] = _("The endpoint must be an https address of a known push service "
                               "(%(hosts)s).") % {
            "hosts": ", ".join(settings.RELAIS_PUSH_SERVICE_HOSTS)}
    point = _key_bytes(p256dh)
    if point is None or len(point) != P256DH_BYTES or point[0] != 4:
        errors["keys.p256dh"] = _("keys.p256dh must be the browser's public key: an "
                                  "uncompressed P-256 point of 65 bytes, in base64url.")
    secret = _key_bytes(auth)
    if secret is None or len(secret) != AUTH_BYTES:
        errors["keys.auth"] = _("keys.auth must be the browser's secret of 16 bytes, in "
                                "base64url.")
    if errors:
        raise ValidationError(errors)


# --- Sending ----------------------------------------------------------------------------------

def _session() -> requests.Session:
    session = requests.Session()
    # A push service answers; it never sends the server elsewhere (an internal address).
    session.max_redirects = 0
    return session


def send(user, notifications: list[Notification], *, previews: bool) -> int:
    """Push to each of the person's browsers; returns how many accepted it. A failure is
    logged and never raised: email and the in-app list still reach the person."""
    subscriptions = list(PushSubscription.objects.filter(user=user))
    if not subscriptions:
        return 0
    try:
        key = vapid.private_key()
    except ImproperlyConfigured as error:
        logger.error("Web push to user %s skipped: %s", user.id, error)
        return 0
    with translation.override(user.language or settings.RELAIS_DEFAULT_LANGUAGE):
        data = json.dumps(payload(notifications, previews=previews))
    urgent = any(n.urgent for n in notifications)
    accepted = 0
    with _session() as session:
        for subscription in subscriptions:
            if _send_one(subscription, data, key, urgent=urgent, session=session):
                accepted += 1
    return accepted


def _send_one(subscription: PushSubscription, data: str, key, *, urgent: bool,
              session: requests.Session) -> bool:
    if not endpoint_allowed(subscription.endpoint):
        logger.warning("Push subscription %s skipped: its endpoint is not on a push service "
                       "of RELAIS_PUSH_SERVICE_HOSTS", subscription.id)
        return False
    try:
        webpush(
            subscription_info={"endpoint": subscription.endpoint,
                               "keys": {"p256dh": subscription.p256dh,
                                        "auth": subscription.auth}},
            data=data, vapid_private_key=key,
            vapid_claims={"sub": settings.RELAIS_PUSH_CONTACT},
            ttl=settings.RELAIS_PUSH_TTL_SECONDS,
            headers={"Urgency": "high" if urgent else "normal"},
            timeout=TIMEOUT_SECONDS, requests_session=session)
    except WebPushException as error:
        if error.status_code in GONE:
            logger.info("Push subscription %s is gone (%s): removed", subscription.id,
                        error.status_code)
            subscription.delete()
        else:
            logger.warning("Push to subscription %s failed: %s", subscription.id, error)
        return False
    except VapidException as error:
        logger.error("Push to subscription %s not signed (check RELAIS_PUSH_CONTACT, a "
                     "mailto: or https: URL): %s", subscription.id, error)
        return False
    except requests.RequestException as error:
        logger.warning("Push to subscription %s failed: %s", subscription.id, error)
        return False
    except ValueError as error:  # keys stored by something other than the API
        logger.warning("Push subscription %s has keys that cannot be used: %s",
                       subscription.id, error)
        return False
    PushSubscription.objects.filter(id=subscription.id).update(last_success_at=timezone.now())
    return True
