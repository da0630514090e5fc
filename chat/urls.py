from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.index, name="index"),
    path("direct/", views.start_direct, name="start_direct"),
    path("new/", views.new_direct, name="new"),
    path("sidebar/", views.sidebar, name="sidebar"),
    path("unread/", views.unread_count, name="unread"),
    path("<int:pk>/mention-candidates/", views.mention_candidates, name="mention_candidates"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("<int:pk>/messages/", views.messages_window, name="messages"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("<int:pk>/urgent/", views.set_urgent_allowed, name="urgent"),
    path("<int:pk>/mute/", views.mute, name="mute"),
    path("messages/<int:pk>/", views.message_fragment, name="message"),
    path("messages/<int:pk>/thread/", views.thread, name="thread"),
    path("messages/<int:pk>/edit/", views.edit, name="edit"),
    path("messages/<int:pk>/delete/", views.delete, name="delete"),
    path("messages/<int:pk>/react/", views.react, name="react"),
    path("messages/<int:pk>/follow/", views.follow, name="follow"),
    path("messages/<int:pk>/history/", views.edit_history, name="edit_history"),
]
