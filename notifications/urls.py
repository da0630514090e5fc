from django.urls import path

from notifications import settings_views, views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("badge/", views.badge, name="badge"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("unsubscribe/<str:token>/", settings_views.unsubscribe, name="unsubscribe"),
]
