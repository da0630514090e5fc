"""/api/v1/me/push-subscriptions: a browser turns web push on or off for its person."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from ninja import Field, Router, Schema, Status

from notifications import push, services

router = Router(tags=["notifications"])


class PushKeysIn(Schema):
    p256dh: str
    auth: str


class PushSubscriptionIn(Schema):
    """What the browser's ``PushSubscription.toJSON()`` gives."""

    endpoint: str
    expiration_time: float | None = Field(None, alias="expirationTime")
    keys: PushKeysIn


class PushSubscriptionOut(Schema):
    id: int
    endpoint: str
    created: datetime
    last_success_at: datetime | None


class PushEndpointIn(Schema):
    endpoint: str


@router.get("/push-subscriptions", response=list[PushSubscriptionOut],
            url_name="push_subscriptions", summary="The browsers that receive my web push")
def list_subscriptions(request):
    return push.subscriptions_for(request.auth)


@router.post("/push-subscriptions", response={201: PushSubscriptionOut},
             url_name="push_subscriptions", summary="Receive web push on this browser")
def subscribe(request, payload: PushSubscriptionIn):
    """Send the JSON of `PushSubscription.toJSON()`. An endpoint another person subscribed
    moves to you (a shared ward computer)."""
    push.check_subscription(endpoint=payload.endpoint, p256dh=payload.keys.p256dh,
                            auth=payload.keys.auth)
    subscription = services.subscribe_push(
        user=request.auth, endpoint=payload.endpoint, p256dh=payload.keys.p256dh,
        auth=payload.keys.auth, user_agent=request.headers.get("User-Agent", ""))
    return Status(201, subscription)


@router.delete("/push-subscriptions", response={204: None},
               url_name="push_subscriptions", summary="Stop web push on a browser")
def unsubscribe(request, payload: PushEndpointIn):
    """`{"endpoint": …}`: one of your own subscriptions; any other endpoint is 404."""
    if not services.unsubscribe_push(user=request.auth, endpoint=payload.endpoint):
        raise Http404
    return Status(204, None)
