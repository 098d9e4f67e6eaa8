"""Outbox handlers of notifications (subscribed in ``settings.LMS_EVENT_HANDLERS``)."""

from lms.events.models import Event
from lms.notifications.events import NOTIFICATION_CREATED
from lms.notifications.services import notifications_email


def notification_email(event: Event) -> None:
    notifications_email(notification_ids=NOTIFICATION_CREATED.payload_of(event)["notification_ids"])
