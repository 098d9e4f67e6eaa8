from django.db.models import QuerySet

from lms.notifications.models import Notification


def notification_list(*, user, is_unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first (only the unread ones if asked)."""
    queryset = Notification.objects.filter(user=user)
    if is_unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
