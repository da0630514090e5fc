from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("people/", views.directory, name="directory"),
    path("people/<int:user_id>/", views.profile, name="profile"),
    path("settings/profile/", views.edit_profile, name="edit_profile"),
    path("settings/avatar/", views.change_avatar, name="avatar"),
    path("settings/tokens/", views.tokens, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("avatars/<int:user_id>.jpg", views.avatar_image, name="avatar_image"),
]
