from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("documents/", views.index, name="index"),
    path("documents/<int:pk>/", views.document_detail, name="detail"),
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/<int:pk>/view/", views.view_inline, name="view"),
    path("documents/<int:pk>/versions/", views.new_version, name="new_version"),
    path("documents/<int:pk>/versions/<int:number>/download/", views.download,
         name="version_download"),
    path("documents/<int:pk>/versions/<int:number>/view/", views.view_inline,
         name="version_view"),
    path("documents/<int:pk>/edit/", views.edit, name="edit"),
    path("documents/<int:pk>/move/", views.move, name="move"),
    path("documents/<int:pk>/trash/", views.trash, name="trash"),
    path("documents/<int:pk>/restore/", views.restore, name="restore"),
    path("groups/<slug:slug>/documents/", views.library, name="library"),
    path("groups/<slug:slug>/documents/upload/", views.upload, name="upload"),
    path("groups/<slug:slug>/documents/trash/", views.trash_list, name="trash_list"),
    path("groups/<slug:slug>/documents/folders/new/", views.create_folder, name="create_folder"),
    path("groups/<slug:slug>/documents/folders/<int:folder_id>/", views.library, name="folder"),
    path("groups/<slug:slug>/documents/folders/<int:folder_id>/rename/", views.rename_folder,
         name="rename_folder"),
    path("groups/<slug:slug>/documents/folders/<int:folder_id>/delete/", views.delete_folder,
         name="delete_folder"),
]
