"""API authentication: ``Authorization: Bearer <token>`` or the browser session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from accounts.services import authenticate_api_token

        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
            request.auth_by_token = True
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerTokenAuth(), ActiveSessionAuth(csrf=True)]
