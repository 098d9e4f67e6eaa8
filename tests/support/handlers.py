"""Outbox handlers for tests. Their effect is an audit entry, so a test counts deliveries
by counting entries; work that is rolled back leaves none."""

import time
from pathlib import Path

from lms.audit.models import AuditEntry
from lms.audit.services import audit_record
from lms.events.models import Event

HANDLED_ACTION = "test.event_handled"
HOLD_LIMIT_SECONDS = 60


def audit_event(event: Event) -> None:
    audit_record(actor=None, action=HANDLED_ACTION, target=event)


def audit_event_slowly(event: Event) -> None:
    """Audit, note the run in ``payload["runs_file"]``, then wait while
    ``payload["hold_file"]`` exists, so that a test can kill the worker mid-task.

    The note is outside the database and survives a rollback: it counts runs, where the
    audit entries count committed deliveries.
    """
    audit_event(event)
    with Path(event.payload["runs_file"]).open("a") as runs:
        runs.write(f"{event.pk}\n")
    hold = Path(event.payload["hold_file"])
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while hold.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def fail(event: Event) -> None:
    raise RuntimeError(f"handler failed on purpose for event {event.pk}")


def audit_event_then_fail(event: Event) -> None:
    audit_event(event)
    fail(event)


def handled_count(event: Event) -> int:
    """How many committed deliveries of ``event`` the handlers above made."""
    return AuditEntry.objects.filter(action=HANDLED_ACTION, target_type="events.event", target_id=str(event.pk)).count()
