"""Events readiness writes for its own handlers (see ``lms.events.types`` for the contract)."""

from typing import TypedDict

from lms.events.types import EventType


class ProfileChanged(TypedDict):
    """A requirement profile changed: every unit of its type is measured again."""

    profile_id: int


class UnitChanged(TypedDict):
    """A joint assessment or handover decision was recorded for the unit."""

    unit_id: int


class SyncRequested(TypedDict):
    requested_by: int


class WebhookDue(TypedDict):
    """The webhook is owed the snapshots of ``day`` (ISO date)."""

    webhook_id: int
    day: str


PROFILE_CHANGED = EventType[ProfileChanged]("readiness.profile_changed")
UNIT_CHANGED = EventType[UnitChanged]("readiness.unit_changed")
SYNC_REQUESTED = EventType[SyncRequested]("readiness.sync_requested")
WEBHOOK_DUE = EventType[WebhookDue]("readiness.webhook_due")
