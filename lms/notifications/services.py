"""Sending notifications: rows for the in-app list, e-mail through the outbox.

Any app may notify; this module knows nothing of courses or grades. E-mail goes out after
commit via the ``notification.created`` event, so a notification written in a transaction
that rolls back is never mailed, and one whose mail fails is retried by the outbox.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from lms.events.services import event_record
from lms.notifications.models import Notification

CREATED_EVENT = "notification.created"


def notifications_send(
    *, users: Iterable, kind: str, message, params: Mapping[str, Any] | None = None, link: str = ""
) -> list[Notification]:
    """Notify each user; ``message`` (usually ``gettext_lazy``) is translated into each one's language.

    Precondition: called inside the transaction of the change it reports. Inactive users
    are skipped. Returns the notifications written.
    """
    notifications = []
    for user in users:
        if not user.is_active:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            text = str(message) % dict(params or {}) if params else str(message)
        notifications.append(Notification(user=user, kind=kind, message=text[:500], link=link))
    if not notifications:
        return []
    Notification.objects.bulk_create(notifications)
    emailed = [n.pk for n in notifications if n.user.email]
    if emailed and settings.NOTIFICATIONS_EMAIL:
        event_record(name=CREATED_EVENT, payload={"notification_ids": emailed})
    return notifications


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


@transaction.atomic
def notifications_email(*, notification_ids: Iterable[int]) -> int:
    """E-mail the notifications not mailed yet; returns how many were sent.

    Locks the rows, so two deliveries of the same event cannot both send; a crash after
    sending and before commit sends again (at least once).
    """
    sent = 0
    pending = (
        Notification.objects.select_for_update()
        .filter(pk__in=list(notification_ids), emailed_at__isnull=True)
        .order_by("pk")
    )
    users = get_user_model().objects.in_bulk({n.user_id for n in pending})
    for notification in pending:
        user = users[notification.user_id]
        if not user.email or not user.is_active:
            continue
        link = f"{settings.PUBLIC_BASE_URL}{notification.link}" if notification.link.startswith("/") else ""
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject = notification.message[:120]
        send_mail(subject, f"{notification.message}\n\n{link}".strip(), None, [user.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        sent += 1
    return sent
