from django.contrib import admin
from django.urls import include, path

from documents import views as documents_views
from feed import views as feed_views
from network import views
from network.api import api
from notifications.views_push import service_worker

urlpatterns = [
    path("", feed_views.home, name="home"),
    path("", include("feed.urls")),
    path("notifications/", include("notifications.urls")),
    path("chat/", include("chat.urls")),
    path("documents/", documents_views.index, name="documents"),
    path("", include("documents.urls")),
    path("search/", include("search.urls")),
    path("desks/", include("desk.urls")),
    path("i18n/language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("sw.js", service_worker, name="service_worker"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("groups/", include("groups.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
