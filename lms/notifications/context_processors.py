from functools import cache

from lms.notifications.selectors import notification_unread_count


def unread(request) -> dict:
    """``unread_notifications``: the signed-in user's unread count, for the navigation.

    A callable that the template calls when it shows the count, so the one COUNT query
    runs only then, and once (the result is kept for the request).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": cache(lambda: notification_unread_count(user=user))}
