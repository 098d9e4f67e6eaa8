"""Recording domain events and delivering them to their handlers.

Delivery is at least once: a handler may run again after a crash between its work and
the commit that marks it done, so every handler must be idempotent. When a handler
writes only to the database, its work and the "done" mark commit together and it runs
exactly once.
"""

import logging
import traceback
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from lms.celery import app as celery_app
from lms.events.models import Delivery, Event

logger = logging.getLogger(__name__)

DISPATCH_BATCH_SIZE = 100
DELIVER_TASK = "events.deliver"
_dispatch_held: ContextVar[bool] = ContextVar("outbox_dispatch_held", default=False)


def handlers_for(name: str) -> list[str]:
    return list(settings.LMS_EVENT_HANDLERS.get(name, []))


def events_record(
    *, name: str, payloads: Iterable[Mapping[str, object]], dispatch_batch_size: int = DISPATCH_BATCH_SIZE
) -> list[Event]:
    """Write events and their deliveries inside the caller's transaction.

    Precondition: called inside ``transaction.atomic`` together with the change the events
    describe, so that both commit or neither does. Dispatch to the broker happens on commit,
    ``dispatch_batch_size`` deliveries per task message: 1 spreads heavy handlers (a bulk
    run's chunks) over every worker.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Record events inside the transaction of the change they describe.")
    now = timezone.now()
    events = Event.objects.bulk_create(Event(name=name, payload=payload, occurred_at=now) for payload in payloads)
    handlers = handlers_for(name)
    if handlers and events:
        deliveries = Delivery.objects.bulk_create(
            Delivery(event=event, handler=handler, next_attempt_at=now) for event in events for handler in handlers
        )
        if not _dispatch_held.get():
            transaction.on_commit(
                partial(deliveries_dispatch, delivery_ids=[d.pk for d in deliveries], batch_size=dispatch_batch_size)
            )
    return events


@contextmanager
def deliveries_held() -> Iterator[None]:
    """Inside: deliveries recorded are not handed to the broker on commit.

    For a caller that runs them itself right after its commit (``deliveries_run_pending``:
    the demo seed), so that the broker is not left with messages whose work is done. If
    the caller stops before running them, they are pending and never dispatched: the
    sweep hands them over."""
    token = _dispatch_held.set(True)
    try:
        yield
    finally:
        _dispatch_held.reset(token)


def event_record(*, name: str, payload: Mapping[str, object]) -> Event:
    """One event of any name, untyped (tests, tools); apps record through their ``EventType``."""
    return events_record(name=name, payloads=[payload])[0]


def deliveries_dispatch(*, delivery_ids: list[int], batch_size: int = DISPATCH_BATCH_SIZE) -> int:
    """Hand deliveries to the broker; stops quietly at the first failure (the sweep resends).

    Returns how many were handed over.
    """
    sent: list[int] = []
    for start in range(0, len(delivery_ids), batch_size):
        batch = delivery_ids[start : start + batch_size]
        try:
            celery_app.send_task(DELIVER_TASK, args=(batch,), retry=False)
        except Exception as error:  # broker down or unreachable: the sweep will resend
            logger.warning(
                "Outbox: broker unavailable, %d deliveries left for the sweep: %s", len(delivery_ids) - len(sent), error
            )
            break
        sent.extend(batch)
    if sent:
        Delivery.objects.filter(pk__in=sent).update(dispatched_at=timezone.now())
    return len(sent)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2 ** (attempts - 1), 3600))


def delivery_run(*, delivery_id: int) -> bool:
    """Run one pending delivery's handler. Returns True when the handler succeeded now.

    Locks the delivery row for the duration, so two workers given the same delivery run
    it once: the second finds it done.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("event")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return False
        delivery.attempts += 1
        try:
            handler = import_string(delivery.handler)
            with transaction.atomic():
                handler(delivery.event)
        except Exception:
            delivery.last_error = traceback.format_exc(limit=20)[-4000:]
            if delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
                logger.error("Outbox: %s gave up after %d attempts", delivery, delivery.attempts)
            else:
                delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
                logger.warning("Outbox: %s failed, attempt %d", delivery, delivery.attempts)
            delivery.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
            return False
        delivery.status = Delivery.Status.DONE
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["attempts", "status", "delivered_at", "last_error"])
        return True


def deliveries_due(*, now: datetime | None = None, limit: int = 5000) -> list[int]:
    """Pending deliveries that nobody is known to be working on: never handed to the
    broker, due for a retry, or handed over so long ago that the message must be lost."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=F("next_attempt_at")) | Q(dispatched_at__lte=stale))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def deliveries_sweep() -> int:
    """Re-dispatch what is due. Returns how many deliveries were handed to the broker."""
    return deliveries_dispatch(delivery_ids=deliveries_due())


def deliveries_run_pending() -> int:
    """Deliver every pending delivery in this process, now (seeding, maintenance)."""
    done = 0
    for delivery_id in (
        Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("id").values_list("id", flat=True)
    ):
        done += delivery_run(delivery_id=delivery_id)
    return done


def delivery_retry(*, delivery_ids: Iterable[int]) -> int:
    """Give failed deliveries a fresh set of attempts (an admin's action after a fix)."""
    return Delivery.objects.filter(pk__in=list(delivery_ids), status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), dispatched_at=None
    )
