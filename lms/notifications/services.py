"""Sending notifications: rows for the in-app list, e-mail through the outbox.

Any app may notify; this module knows nothing of courses or grades. E-mail goes out after
commit via the ``notification.created`` event, so a notification written in a transaction
that rolls back is never mailed, and one whose mail fails is retried by the outbox.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from lms.notifications.events import NOTIFICATION_CREATED
from lms.notifications.models import Notification

MESSAGE_MAX_LENGTH = 500
SUBJECT_MAX_LENGTH = 120


def link_is_local(link: str) -> bool:
    """True for a path on this site ("/courses/7/"), never for an absolute or ``//host`` URL.

    The notification list follows links on the reader's behalf, so anything else would be
    an open redirect.
    """
    return (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(link, allowed_hosts=set(), require_https=False)
    )


def _date_in_current_language(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


# A date parameter for ``notifications_send``, written out in each recipient's language.
localised_date = lazy(_date_in_current_language, str)


def notifications_send(
    *, users: Iterable, kind: str, message, params: Mapping[str, Any] | None = None, link: str = ""
) -> list[Notification]:
    """Notify each user; ``message`` (usually ``gettext_lazy``) is translated into each one's language.

    ``params`` fill the message's ``%(name)s`` placeholders in the recipient's language too:
    pass lazy values (``gettext_lazy``, ``localised_date(day)``) for parts that depend on it.
    ``link`` is a path on this site or empty (``ValueError`` otherwise).

    Meant to be called inside the transaction of the change it reports, so that both
    commit or neither does. Inactive users are skipped. One insert for all the rows, and one
    event per notification to e-mail (each mail is then retried on its own). Returns the
    notifications written.
    """
    if link and not link_is_local(link):
        raise ValueError(f"A notification links to a path on this site, not {link!r}.")
    notifications = []
    for user in users:
        if not user.is_active:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            text = str(message) % dict(params) if params else str(message)
        notifications.append(Notification(user=user, kind=kind, message=text[:MESSAGE_MAX_LENGTH], link=link))
    if not notifications:
        return []
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(notifications)
        emailed = [notification.pk for notification in notifications if notification.user.email]
        if emailed and settings.NOTIFICATIONS_EMAIL:
            NOTIFICATION_CREATED.record_many([{"notification_ids": [pk]} for pk in emailed])
    return notifications


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own unread notifications read (all of them when no ids are given).

    Ids of other people's notifications are ignored. Returns how many were marked.
    """
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def _email_body(notification: Notification) -> str:
    base = settings.PUBLIC_BASE_URL
    lines = [notification.message, ""]
    if notification.link:
        # Through the list, so that reading the mail's link marks the notification read.
        lines.append(base + reverse("notification-open", args=[notification.pk]))
        lines.append("")
    lines.append(gettext("All your notifications: %(url)s") % {"url": base + reverse("notification-list")})
    return "\n".join(lines)


@transaction.atomic
def notifications_email(*, notification_ids: Iterable[int]) -> int:
    """E-mail the notifications not mailed yet; returns how many were sent.

    Locks the rows, so two deliveries of the same event cannot both send; a crash after
    sending and before commit sends again (at least once).
    """
    sent = 0
    pending = list(
        Notification.objects.select_for_update()
        .filter(pk__in=list(notification_ids), emailed_at__isnull=True)
        .order_by("pk")
    )
    users = get_user_model().objects.in_bulk({notification.user_id for notification in pending})
    for notification in pending:
        user = users[notification.user_id]
        if not user.email or not user.is_active:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject = (notification.message.splitlines() or [""])[0][:SUBJECT_MAX_LENGTH]
            body = _email_body(notification)
        send_mail(subject, body, None, [user.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        sent += 1
    return sent
