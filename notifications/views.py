from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from network.ids import parse_id
from notifications import selectors, services
from notifications.texts import describe


def _rows(entries):
    return [{"notification": e.latest, "entry": e, "text": describe(e.latest, actors=e.actors)}
            for e in entries]


@login_required
def notification_list(request):
    unread_only = request.GET.get("filter") == "unread"
    before = parse_id(request.GET.get("before"))
    unread, earlier, next_before = selectors.centre(request.user, unread_only=unread_only,
                                                    before_id=before)
    context = {"unread_rows": _rows(unread), "rows": _rows(earlier), "more": bool(next_before),
               "unread_only": unread_only, "next_before": next_before,
               "nav": "notifications"}
    template = ("notifications/_rows.html" if request.htmx and before
                else "notifications/list.html")
    return render(request, template, context)


@login_required
def open_notification(request, pk):
    """Mark the notification read, then go where it points."""
    notification = selectors.notifications_for(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    # Every line about the same thing is read once it is opened.
    services.mark_targets_read(user=request.user, target_type=notification.target_type,
                               target_ids=[notification.target_id])
    if not url_has_allowed_host_and_scheme(notification.url, {request.get_host()}):
        return redirect("notifications:list")
    return redirect(notification.url)


@login_required
@require_POST
def mark_read(request):
    ids = [i for i in map(parse_id, request.POST.getlist("id")) if i is not None]
    services.mark_read(user=request.user, ids=ids)
    if request.htmx:
        return badge(request)
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()},
                                       require_https=request.is_secure()):
        return HttpResponseRedirect(next_url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_all_read(user=request.user)
    return redirect("notifications:list")


@login_required
def badge(request):
    return render(request, "notifications/_badge.html",
                  {"count": selectors.unread_count(request.user)})
