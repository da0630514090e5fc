"""API authentication: ``Authorization: Bearer <token>`` or the browser session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from accounts.middleware import activate_user_preferences
        from accounts.services import authenticate_api_token

        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
            request.auth_by_token = True
            # The preferences middleware ran before the token was read: answer in the
            # token owner's language and time zone, as for a browser session.
            activate_user_preferences(request, user)
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerTokenAuth(), ActiveSessionAuth(csrf=True)]
