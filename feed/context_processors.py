import functools

from feed.selectors import awaiting_acknowledgement_count


def nav_counts(request):
    """The navigation badge: required announcements the user has not acknowledged yet."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Templates call a callable when they first use it: fragments that never show the badge
    # never pay for the query, and pages that show it twice pay once.
    return {"awaiting_ack_count": functools.cache(lambda: awaiting_acknowledgement_count(user))}
