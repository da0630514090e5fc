import functools

from notifications.selectors import unread_count


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Templates call a callable when they first use it: fragments that never show the badge
    # never pay for the query, and pages that show it twice pay once.
    return {"unread_notification_count": functools.cache(lambda: unread_count(user))}
