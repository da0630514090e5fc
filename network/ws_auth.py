"""Who is on the other end of a websocket (DESIGN.md, "Real-time").

Browsers authenticate with their session cookie and always send an Origin header, which must
name one of ALLOWED_HOSTS: that stops another site from opening a socket with the user's
cookie. Other clients (scripts, bots, mobile apps) send ``Authorization: Bearer <token>``;
they may omit Origin, but a foreign Origin is refused whatever the credentials.

A socket outlives its handshake, so the consumer asks :func:`still_authenticated` again now
and then: signing out, a revoked token, a changed password or a deactivated account close it.
"""

from importlib import import_module
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http.request import validate_host
from django.utils.crypto import constant_time_compare


def origin_is_allowed(origin: bytes) -> bool:
    try:
        hostname = urlsplit(origin.decode("latin1")).hostname
    except ValueError:
        return False
    if not hostname:
        return False
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return validate_host(hostname, allowed)


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value
    return None


class _Deny:
    async def __call__(self, scope, receive, send):
        # Refusing the handshake before accept() answers the upgrade with HTTP 403.
        await receive()
        await send({"type": "websocket.close", "code": 4403})


class SocketAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner
        self.session_auth = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        origin = _header(scope, b"origin")
        if origin is not None and not origin_is_allowed(origin):
            return await _Deny()(scope, receive, send)
        if _header(scope, b"authorization") is not None:
            token = _bearer_token(scope)
            user = await database_sync_to_async(_user_for_token)(token) if token else None
            scope = dict(scope, user=user or AnonymousUser(), auth_method="token")
            return await self.inner(scope, receive, send)
        if origin is None:
            # No Origin and no token: not a browser, and nothing to authenticate with.
            scope = dict(scope, user=AnonymousUser(), auth_method="none")
            return await self.inner(scope, receive, send)
        return await self.session_auth(dict(scope, auth_method="session"), receive, send)


def _bearer_token(scope) -> str | None:
    authorization = _header(scope, b"authorization") or b""
    scheme, _, token = authorization.decode("latin1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _user_for_token(token: str):
    from accounts.services import authenticate_api_token

    return authenticate_api_token(token)


def still_authenticated(scope) -> bool:
    """Whether the credentials a socket connected with still hold (read afresh)."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    current = get_user_model()._default_manager.filter(pk=user.pk, is_active=True).first()
    if current is None:
        return False
    if scope.get("auth_method") == "token":
        token = _bearer_token(scope)
        found = _user_for_token(token) if token else None
        return found is not None and found.pk == user.pk
    session = scope.get("session")
    if session is None or not session.session_key:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    data = engine.SessionStore(session.session_key).load()
    return (str(data.get(SESSION_KEY)) == str(user.pk)
            and constant_time_compare(data.get(HASH_SESSION_KEY, ""),
                                      current.get_session_auth_hash()))
