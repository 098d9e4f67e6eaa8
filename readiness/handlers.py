"""Reactions to lower apps' events (subscribed in ``settings.LMS_EVENT_HANDLERS``).

An event that touches officers' units marks those units dirty (cheap, in the delivery's
own transaction) and asks for a coalesced update after commit; ``readiness.sync_dirty``
then recomputes every marked unit and its ancestors at once. If the broker is away, the
beat's ``readiness.sync_dirty`` every minute picks the marks up, so none is lost.
"""

import logging

from django.db import transaction

from lms.celery import app as celery_app
from lms.events.models import Event
from organisations.models import Officer
from readiness.services import readiness_sync_full, units_mark_dirty

UNIT_KEYS = ("unit_id", "from_unit_id", "to_unit_id")
SYNC_DIRTY_TASK = "readiness.sync_dirty"
logger = logging.getLogger(__name__)


def _units_of(payload: dict) -> set[int]:
    units = {payload[key] for key in UNIT_KEYS if payload.get(key)}
    officer_id = payload.get("officer_id")
    if officer_id:
        units.update(Officer.objects.filter(pk=officer_id).values_list("unit_id", flat=True))
    return units


def _request_sync() -> None:
    try:
        celery_app.send_task(SYNC_DIRTY_TASK, retry=False)
    except Exception as error:  # broker away: the beat's periodic sync_dirty finds the marks
        logger.warning("Readiness: broker unavailable, units stay marked for the periodic update: %s", error)


def readiness_update(event: Event) -> None:
    """A certificate issued, revoked, superseded or expired; an officer joined, left,
    transferred, changed vetting status or command: mark the officer's unit(s)."""
    if units_mark_dirty(unit_ids=_units_of(event.payload)):
        transaction.on_commit(_request_sync)


def readiness_reconcile(event: Event) -> None:
    """A change that can touch any unit (a requirement profile): a full reconciliation."""
    readiness_sync_full(trigger=event.name)
