from django.urls import path

from feed import views

app_name = "feed"
urlpatterns = [
    path("posts/new/", views.create_post, name="create"),
    path("posts/read/", views.record_views, name="record_views"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/card/", views.post_card, name="card"),
    path("posts/<int:pk>/edit/", views.edit_post, name="edit"),
    path("posts/<int:pk>/delete/", views.delete_post, name="delete"),
    path("posts/<int:pk>/pin/", views.pin_post, name="pin"),
    path("posts/<int:pk>/comments/", views.add_comment, name="comment"),
    path("posts/<int:pk>/react/", views.react, name="react"),
    path("posts/<int:pk>/vote/", views.vote, name="vote"),
    path("posts/<int:pk>/voters/", views.poll_voters, name="voters"),
    path("posts/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("posts/<int:pk>/receipts/", views.receipts, name="receipts"),
    path("posts/<int:pk>/receipts/rows/", views.receipt_rows, name="receipt_rows"),
    path("posts/<int:pk>/receipts/counts/", views.receipt_counts, name="receipt_counts"),
    path("posts/<int:pk>/receipts.csv", views.receipts_csv, name="receipts_csv"),
    path("posts/<int:pk>/remind/", views.remind, name="remind"),
    path("comments/<int:pk>/delete/", views.delete_comment, name="delete_comment"),
    path("attachments/<int:pk>/<str:name>", views.attachment, name="attachment"),
    path("mention-candidates/", views.mention_candidates, name="mention_candidates"),
    path("groups/<slug:slug>/posts/", views.group_posts, name="group_posts"),
]
