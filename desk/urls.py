from django.urls import path

from desk import views, views_metrics, views_settings, views_ticket

app_name = "desk"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views_settings.create_desk, name="create"),
    path("mine/", views.my_requests, name="my_requests"),
    path("messages/<int:pk>/ticket/", views_ticket.ticket_from_message, name="from_message"),
    path("<slug:slug>/", views.desk_home, name="desk"),
    path("<slug:slug>/queue/", views.queue_fragment, name="queue"),
    path("<slug:slug>/new/", views.new_request, name="new_request"),
    path("<slug:slug>/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("<slug:slug>/tickets/<int:number>/", views_ticket.ticket, name="ticket"),
    path("<slug:slug>/tickets/<int:number>/files/<int:document_id>/", views_ticket.ticket_file,
         name="ticket_file"),
    path("<slug:slug>/tickets/<int:number>/update/", views_ticket.ticket_update, name="ticket_update"),
    path("<slug:slug>/tickets/<int:number>/comment/", views_ticket.ticket_comment,
         name="ticket_comment"),
    path("<slug:slug>/tickets/<int:number>/me-too/", views_ticket.ticket_me_too, name="ticket_me_too"),
    path("<slug:slug>/tickets/<int:number>/reopen/", views_ticket.ticket_reopen, name="ticket_reopen"),
    path("<slug:slug>/settings/", views_settings.desk_settings, name="settings"),
    path("<slug:slug>/settings/forms/new/", views_settings.edit_form, name="form_new"),
    path("<slug:slug>/settings/forms/<int:form_id>/", views_settings.edit_form,
         name="form_edit"),
    path("<slug:slug>/metrics/", views_metrics.metrics, name="metrics"),
    path("<slug:slug>/metrics.csv", views_metrics.metrics_csv, name="metrics_csv"),
]
