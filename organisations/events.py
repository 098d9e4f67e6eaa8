"""Events organisations writes; readiness and the password-reset mail subscribe to them
(``settings.LMS_EVENT_HANDLERS``). See ``lms.events.types`` for the contract."""

from typing import TypedDict

from lms.events.types import EventType


class OfficerUnit(TypedDict):
    """An officer joined, left or changed command in a unit."""

    officer_id: int
    unit_id: int


class OfficerTransferred(TypedDict):
    officer_id: int
    from_unit_id: int | None  # None: the officer had no unit before
    to_unit_id: int


class OfficerVettingChanged(TypedDict):
    officer_id: int


class PasswordResetRequested(TypedDict):
    email: str


OFFICER_JOINED = EventType[OfficerUnit]("officer.joined")
OFFICER_LEFT = EventType[OfficerUnit]("officer.left")
OFFICER_TRANSFERRED = EventType[OfficerTransferred]("officer.transferred")
OFFICER_VETTING_CHANGED = EventType[OfficerVettingChanged]("officer.vetting_changed")
OFFICER_COMMAND_CHANGED = EventType[OfficerUnit]("officer.command_changed")
PASSWORD_RESET_REQUESTED = EventType[PasswordResetRequested]("account.password_reset_requested")
