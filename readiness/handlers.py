"""Reactions to lower apps' events (subscribed in ``settings.LMS_EVENT_HANDLERS``).

An event that touches officers' units marks those units dirty (cheap, in the delivery's
own transaction) and asks for a coalesced update after commit; ``readiness.sync_dirty``
then recomputes every marked unit of the service and its ancestors at once. The message
is single flight: it is sent only when none is pending for the service
(``services.dirty_sync_request``), so a thousand events leave one message, not a thousand.
If the broker is away, or a message is lost, the beat's ``readiness.sync_dirty`` every
minute picks the marks up, so none is lost.
"""

import logging
from functools import partial

from django.db import transaction

from certificates.events import CERTIFICATE_EXPIRED, CERTIFICATE_ISSUED, CERTIFICATE_REVOKED, CERTIFICATE_SUPERSEDED
from lms.celery import app as celery_app
from lms.events.models import Event
from lms.events.types import payload_of
from organisations.events import (
    OFFICER_COMMAND_CHANGED,
    OFFICER_JOINED,
    OFFICER_LEFT,
    OFFICER_TRANSFERRED,
    OFFICER_VETTING_CHANGED,
)
from organisations.models import Officer
from readiness.events import UNIT_CHANGED
from readiness.services import (
    dirty_sync_request,
    dirty_sync_request_withdraw,
    readiness_sync_full,
    units_mark_dirty,
)

SYNC_DIRTY_TASK = "readiness.sync_dirty"
logger = logging.getLogger(__name__)


CERTIFICATE_CHANGES = (CERTIFICATE_ISSUED, CERTIFICATE_REVOKED, CERTIFICATE_SUPERSEDED, CERTIFICATE_EXPIRED)
OFFICER_IN_UNIT = (OFFICER_JOINED, OFFICER_LEFT, OFFICER_COMMAND_CHANGED)


def _units_of(event: Event) -> set[int]:
    """The units ``event`` touches: those its payload names, and its officer's unit now."""
    units: set[int] = set()
    officer_id: int | None = None
    if event.name in {event_type.name for event_type in CERTIFICATE_CHANGES}:
        officer_id = payload_of(event, *CERTIFICATE_CHANGES)["officer_id"]
    elif event.name in {event_type.name for event_type in OFFICER_IN_UNIT}:
        officer_unit = payload_of(event, *OFFICER_IN_UNIT)
        officer_id, units = officer_unit["officer_id"], {officer_unit["unit_id"]}
    elif event.name == OFFICER_TRANSFERRED.name:
        transfer = OFFICER_TRANSFERRED.payload_of(event)
        officer_id = transfer["officer_id"]
        units = {unit for unit in (transfer["from_unit_id"], transfer["to_unit_id"]) if unit is not None}
    elif event.name == OFFICER_VETTING_CHANGED.name:
        officer_id = OFFICER_VETTING_CHANGED.payload_of(event)["officer_id"]
    else:
        units = {UNIT_CHANGED.payload_of(event)["unit_id"]}
    if officer_id:
        units.update(Officer.objects.filter(pk=officer_id).values_list("unit_id", flat=True))
    return units


def _request_sync(unit_ids: set[int]) -> None:
    """After the marks committed: one message per service that has none pending."""
    for service_id, requested_at in dirty_sync_request(unit_ids=unit_ids):
        try:
            celery_app.send_task(SYNC_DIRTY_TASK, args=(service_id,), retry=False)
        except Exception as error:  # broker away: the beat's periodic sync_dirty finds the marks
            dirty_sync_request_withdraw(service_id=service_id, requested_at=requested_at)
            logger.warning("Readiness: broker unavailable, units stay marked for the periodic update: %s", error)


def readiness_update(event: Event) -> None:
    """A certificate issued, revoked, superseded or expired; an officer joined, left,
    transferred, changed vetting status or command: mark the officer's unit(s)."""
    unit_ids = _units_of(event)
    if units_mark_dirty(unit_ids=unit_ids):
        # Robust: the delivery has committed; a database error here leaves the marks to the beat.
        transaction.on_commit(partial(_request_sync, unit_ids), robust=True)


def readiness_reconcile(event: Event) -> None:
    """A change that can touch any unit (a requirement profile): a full reconciliation."""
    readiness_sync_full(trigger=event.name)
