import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from chat.consumers import RelaisConsumer  # noqa: E402
from network.ws_auth import SocketAuthMiddleware  # noqa: E402

websocket_urlpatterns = [path("ws/", RelaisConsumer.as_asgi())]

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": SocketAuthMiddleware(URLRouter(websocket_urlpatterns)),
})

# Everything the server needs is loaded: its objects are kept out of every later collection.
from network.gc_tuning import tune_for_server  # noqa: E402

tune_for_server()
