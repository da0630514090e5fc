from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.create_group, name="create"),
    path("<slug:slug>/", views.group_detail, name="detail"),
    path("<slug:slug>/edit/", views.edit_group, name="edit"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/request/", views.request_to_join, name="request_join"),
    path("<slug:slug>/requests/<int:request_id>/", views.decide_request, name="decide_request"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/archive/", views.archive, name="archive"),
    path("<slug:slug>/members/<int:user_id>/role/", views.change_role, name="change_role"),
    path("<slug:slug>/members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
]
