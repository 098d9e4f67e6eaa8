"""Events notifications writes (see ``lms.events.types`` for the contract)."""

from typing import TypedDict

from lms.events.types import EventType


class NotificationCreated(TypedDict):
    """Notifications to e-mail after commit (one per event, so one failure retries alone)."""

    notification_ids: list[int]


NOTIFICATION_CREATED = EventType[NotificationCreated]("notification.created")
