from celery import shared_task
from django.utils import timezone

from readiness import services


@shared_task(name="readiness.sync_full", acks_late=True)
def sync_full(trigger: str = "schedule") -> int:
    """Nightly (beat) and on demand: recompute everything, append today's snapshots, then
    queue them for each active webhook (through the outbox, once per webhook and day)."""
    run = services.readiness_sync_full(trigger=trigger)
    day = timezone.localdate()
    services.snapshots_take(day=day)
    services.webhooks_notify(day=day)
    return run.rows_changed


@shared_task(name="readiness.sync_dirty", acks_late=True)
def sync_dirty(service_id: int | None = None) -> int:
    """After events, for one service (at most one message waits per service: see
    ``services.dirty_sync_request``); and every minute from beat, for every service's
    marks whose message was lost or could not be sent."""
    run = services.readiness_sync_dirty(service_id=service_id)
    return run.rows_changed if run else 0
