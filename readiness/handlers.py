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

from lms.celery import app as celery_app
from lms.events.models import Event
from organisations.models import Officer
from readiness.services import (
    dirty_sync_request,
    dirty_sync_request_withdraw,
    readiness_sync_full,
    units_mark_dirty,
)

UNIT_KEYS = ("unit_id", "from_unit_id", "to_unit_id")
SYNC_DIRTY_TASK = "readiness.sync_dirty"
logger = logging.getLogger(__name__)


def _units_of(payload: dict) -> set[int]:
    units = {payload[key] for key in UNIT_KEYS if payload.get(key)}
    officer_id = payload.get("officer_id")
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
    unit_ids = _units_of(event.payload)
    if units_mark_dirty(unit_ids=unit_ids):
        # Robust: the delivery has committed; a database error here leaves the marks to the beat.
        transaction.on_commit(partial(_request_sync, unit_ids), robust=True)


def readiness_reconcile(event: Event) -> None:
    """A change that can touch any unit (a requirement profile): a full reconciliation."""
    readiness_sync_full(trigger=event.name)
