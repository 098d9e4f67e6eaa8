"""Webhooks (R1): one outbox event per active webhook for a day's snapshots.

Also the API's on-demand reconciliation: both go out through the outbox, so a broker
outage delays them and loses nothing.
"""

import datetime

from django.db import transaction

from lms.audit.services import audit_record
from lms.events.models import Event
from organisations.models import User
from readiness.events import SYNC_REQUESTED, WEBHOOK_DUE, WebhookDue
from readiness.models import Webhook


@transaction.atomic
def readiness_sync_request(*, actor: User) -> Event:
    """Queue a full reconciliation (``handlers.readiness_reconcile``) and audit who asked."""
    event = SYNC_REQUESTED.record({"requested_by": actor.pk})
    audit_record(actor=actor, action=SYNC_REQUESTED.name, target=event, after={"event": event.pk})
    return event


@transaction.atomic
def webhooks_notify(*, day: datetime.date) -> int:
    """Record one outbox event per active webhook to send ``day``'s snapshots
    (``readiness.webhooks.webhook_deliver``). Idempotent: a webhook already notified of the
    day is skipped, so a repeated nightly task sends nothing twice. Returns how many events."""
    count = 0
    for webhook_id in Webhook.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True):
        payload: WebhookDue = {"webhook_id": webhook_id, "day": day.isoformat()}
        sent = Event.objects.filter(name=WEBHOOK_DUE.name, payload__webhook_id=webhook_id, payload__day=payload["day"])
        if sent.exists():
            continue
        WEBHOOK_DUE.record(payload)
        count += 1
    return count
