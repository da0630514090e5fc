"""The JSON API at /api/v1/: assembles each app's router and maps errors to JSON."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from network.api_auth import API_AUTH

api = NinjaAPI(
    title="Relais API",
    version="1",
    description="The Relais JSON API. Authenticate with `Authorization: Bearer <token>` "
                "(create a token in your settings) or with the browser session and CSRF token.",
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
)


def validation_detail(error: ValidationError):
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages]
                for field, messages in error.message_dict.items()}
    return " ".join(str(m) for m in error.messages)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, {"detail": validation_detail(exc)}, status=422)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    detail = str(exc) or "You may not do this."
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Authentication required."}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


# Added last, so it only answers paths no other router knows: a JSON 404, not the HTML page.
unknown_paths = Router(auth=None)


@unknown_paths.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}",
                             include_in_schema=False)
def unknown_path(request, rest: str):
    raise Http404


def _register_routers():
    from accounts.api import router as accounts_router
    from chat.api import router as chat_router
    from desk.api import router as desk_router
    from desk.api_metrics import router as desk_metrics_router
    from documents.api import router as documents_router
    from feed.api import router as feed_router
    from groups.api import router as groups_router
    from notifications.api import router as notifications_router
    from notifications.api_push import router as push_router
    from notifications.api_settings import router as settings_router
    from search.api import router as search_router

    api.add_router("/", accounts_router)
    api.add_router("/groups", groups_router)
    api.add_router("/", feed_router)
    api.add_router("/", chat_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/me", push_router)
    api.add_router("/me", settings_router)
    api.add_router("/", documents_router)
    api.add_router("/search", search_router)
    api.add_router("/", desk_metrics_router)
    api.add_router("/", desk_router)
    api.add_router("", unknown_paths)


_register_routers()
