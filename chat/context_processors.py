import functools

from chat.selectors import unread_conversation_count


def unread_conversations(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Called by the template only where the badge is drawn (see notifications').
    return {"unread_conversation_count": functools.cache(
        lambda: unread_conversation_count(user))}
