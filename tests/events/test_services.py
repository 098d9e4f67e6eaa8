from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from lms.celery import app as celery_app
from lms.events import services
from lms.events.models import Delivery, Event
from tests.support import events
from tests.support.handlers import handled_count

AUDIT = "tests.support.handlers.audit_event"
FAIL = "tests.support.handlers.fail"


def record(name: str = events.HANDLED, payload: dict | None = None) -> Event:
    with transaction.atomic():
        return services.event_record(name=name, payload=payload or {})


def delivery_of(event: Event) -> Delivery:
    return Delivery.objects.get(event=event)


# Recording -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_events_record_refuses_to_run_outside_a_transaction(handlers):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.event_record(name=events.HANDLED, payload={})

    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0


@pytest.mark.django_db
def test_events_record_writes_one_delivery_per_event_and_handler(settings, django_capture_on_commit_callbacks):
    settings.LMS_EVENT_HANDLERS = {"unit.moved": [AUDIT, FAIL]}

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        recorded = services.events_record(name="unit.moved", payloads=[{"unit": 1}, {"unit": 2}])

    assert [(event.name, event.payload) for event in Event.objects.all()] == [
        ("unit.moved", {"unit": 1}),
        ("unit.moved", {"unit": 2}),
    ]
    assert [event.pk for event in recorded] == list(Event.objects.values_list("pk", flat=True))
    assert list(Delivery.objects.values_list("event_id", "handler", "status", "attempts", "dispatched_at")) == [
        (recorded[0].pk, AUDIT, Delivery.Status.PENDING, 0, None),
        (recorded[0].pk, FAIL, Delivery.Status.PENDING, 0, None),
        (recorded[1].pk, AUDIT, Delivery.Status.PENDING, 0, None),
        (recorded[1].pk, FAIL, Delivery.Status.PENDING, 0, None),
    ]
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_events_record_without_handlers_keeps_the_event_and_dispatches_nothing(
    settings, django_capture_on_commit_callbacks
):
    settings.LMS_EVENT_HANDLERS = {}

    with django_capture_on_commit_callbacks() as callbacks:
        event = record(name="nobody.listens")

    assert list(Event.objects.values_list("pk", "name")) == [(event.pk, "nobody.listens")]
    assert Delivery.objects.count() == 0
    assert callbacks == []


@pytest.mark.django_db
def test_nothing_is_recorded_or_dispatched_when_the_transaction_rolls_back(
    handlers, django_capture_on_commit_callbacks, broker_messages
):
    def change_that_fails():
        with transaction.atomic():
            services.event_record(name=events.HANDLED, payload={})
            raise ValueError("the change that the event describes fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValueError, match="fails"):
        change_that_fails()

    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert callbacks == []
    assert broker_messages() == []


# Dispatching -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_deliveries_are_dispatched_on_commit(handlers, django_capture_on_commit_callbacks, broker_messages):
    with django_capture_on_commit_callbacks() as callbacks:
        event = record()
        delivery = delivery_of(event)
        assert delivery.dispatched_at is None
        assert broker_messages() == []  # nothing is sent before the commit

    before = timezone.now()
    for callback in callbacks:
        callback()

    delivery.refresh_from_db()
    assert before <= delivery.dispatched_at <= timezone.now()
    assert delivery.status == Delivery.Status.PENDING
    assert broker_messages() == [("events.deliver", [[delivery.pk]])]


@pytest.mark.django_db
def test_held_deliveries_are_not_sent_on_commit_but_run_in_process_or_swept(
    handlers, django_capture_on_commit_callbacks, broker_messages
):
    """The demo seed runs its deliveries itself: the broker gets no message for them."""
    with django_capture_on_commit_callbacks(execute=True), services.deliveries_held():
        held = record()
    with django_capture_on_commit_callbacks(execute=True):
        sent = record()  # the hold ends with its block

    assert broker_messages() == [("events.deliver", [[delivery_of(sent).pk]])]
    assert delivery_of(held).dispatched_at is None
    assert services.deliveries_due() == [delivery_of(held).pk]  # the sweep's, if nobody runs it
    assert services.deliveries_run_pending() == 2
    assert (handled_count(held), handled_count(sent)) == (1, 1)


@pytest.mark.django_db
def test_a_broker_failure_leaves_deliveries_pending_for_the_sweep(
    handlers, django_capture_on_commit_callbacks, broker_messages, caplog
):
    # The one mock in these tests: it stands for a broker that cannot be reached.
    unreachable = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(celery_app, "send_task", side_effect=unreachable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = record(payload={"officer": 7})

    assert list(Event.objects.values_list("pk", "payload")) == [(event.pk, {"officer": 7})]  # committed
    delivery = delivery_of(event)
    assert (delivery.status, delivery.dispatched_at, delivery.attempts) == (Delivery.Status.PENDING, None, 0)
    assert "broker unavailable, 1 deliveries left for the sweep" in caplog.text
    assert services.deliveries_due() == [delivery.pk]

    assert services.deliveries_sweep() == 1

    delivery.refresh_from_db()
    assert delivery.dispatched_at is not None
    assert broker_messages() == [("events.deliver", [[delivery.pk]])]
    assert services.deliveries_due() == []


@pytest.mark.django_db
def test_dispatch_stops_at_the_first_failed_batch_and_marks_only_what_was_sent(handlers, broker_messages):
    count = services.DISPATCH_BATCH_SIZE + 5
    with transaction.atomic():
        services.events_record(name=events.HANDLED, payloads=[{"n": n} for n in range(count)])
    ids = list(Delivery.objects.order_by("id").values_list("id", flat=True))
    Delivery.objects.update(dispatched_at=None)  # as if the broker had been down at commit
    broker_messages()

    real_send_task = celery_app.send_task
    calls = iter([real_send_task, mock.Mock(side_effect=OperationalError("connection lost"))])
    with mock.patch.object(celery_app, "send_task", side_effect=lambda *a, **k: next(calls)(*a, **k)):
        sent = services.deliveries_dispatch(delivery_ids=ids)

    first_batch = ids[: services.DISPATCH_BATCH_SIZE]
    assert sent == services.DISPATCH_BATCH_SIZE
    assert set(Delivery.objects.filter(dispatched_at__isnull=False).values_list("id", flat=True)) == set(first_batch)
    assert broker_messages() == [("events.deliver", [first_batch])]
    assert services.deliveries_due() == ids[services.DISPATCH_BATCH_SIZE :]


# Running ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_delivery_run_runs_the_handler_once(handlers):
    event = record()
    delivery = delivery_of(event)

    before = timezone.now()
    assert services.delivery_run(delivery_id=delivery.pk) is True
    assert services.delivery_run(delivery_id=delivery.pk) is False

    assert handled_count(event) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Delivery.Status.DONE, 1, "")
    assert before <= delivery.delivered_at <= timezone.now()


@pytest.mark.django_db
def test_delivery_run_of_an_unknown_delivery_does_nothing():
    assert services.delivery_run(delivery_id=987654) is False


@pytest.mark.django_db
def test_a_failing_handler_backs_off_then_gives_up(handlers, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    delivery = delivery_of(record(name=events.FAILING))

    for attempt, backoff in [(1, 10), (2, 20)]:
        before = timezone.now()
        assert services.delivery_run(delivery_id=delivery.pk) is False
        after = timezone.now()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, attempt)
        assert before + timedelta(seconds=backoff) <= delivery.next_attempt_at <= after + timedelta(seconds=backoff)
        assert f"RuntimeError: handler failed on purpose for event {delivery.event_id}" in delivery.last_error
        assert delivery.delivered_at is None

    assert services.delivery_run(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert "RuntimeError: handler failed on purpose" in delivery.last_error

    # Given up: neither run again nor swept.
    assert services.delivery_run(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert services.deliveries_due(now=timezone.now() + timedelta(days=1)) == []


def test_backoff_doubles_up_to_an_hour():
    assert [services._backoff(attempts).total_seconds() for attempts in (1, 2, 3, 4, 9, 10, 30)] == [
        10,
        20,
        40,
        80,
        2560,
        3600,
        3600,
    ]


@pytest.mark.django_db
def test_a_failing_handler_leaves_none_of_its_work_behind(handlers):
    event = record(name=events.FAILING_AFTER_WORK)

    assert services.delivery_run(delivery_id=delivery_of(event).pk) is False

    assert handled_count(event) == 0  # its audit entry rolled back with it
    assert delivery_of(event).attempts == 1


@pytest.mark.django_db
def test_a_handler_that_cannot_be_imported_counts_as_a_failure(settings):
    settings.LMS_EVENT_HANDLERS = {"unit.moved": ["tests.support.handlers.no_such_handler"]}
    delivery = delivery_of(record(name="unit.moved"))

    assert services.delivery_run(delivery_id=delivery.pk) is False

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert "ImportError" in delivery.last_error


@pytest.mark.django_db
def test_delivery_retry_revives_failed_deliveries_only(handlers, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    failed = delivery_of(record(name=events.FAILING))
    services.delivery_run(delivery_id=failed.pk)
    done = delivery_of(record())
    services.delivery_run(delivery_id=done.pk)
    pending = delivery_of(record())
    Delivery.objects.filter(pk=failed.pk).update(dispatched_at=timezone.now())

    before = timezone.now()
    assert services.delivery_retry(delivery_ids=[failed.pk, done.pk, pending.pk]) == 1

    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.dispatched_at) == (Delivery.Status.PENDING, 0, None)
    assert before <= failed.next_attempt_at <= timezone.now()
    assert Delivery.objects.get(pk=done.pk).status == Delivery.Status.DONE
    assert services.deliveries_due() == [failed.pk, pending.pk]


@pytest.mark.django_db
def test_deliveries_run_pending_delivers_everything_pending_here(handlers, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    events_handled = [record(), record()]
    failing = delivery_of(record(name=events.FAILING))

    assert services.deliveries_run_pending() == 2

    assert [handled_count(event) for event in events_handled] == [1, 1]
    assert Delivery.objects.get(pk=failing.pk).status == Delivery.Status.FAILED
    assert services.deliveries_run_pending() == 0


# Sweeping --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deliveries_due_picks_what_nobody_is_working_on(handlers, settings):
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 120
    now = timezone.now()
    ago = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731

    def delivery(**fields) -> int:
        pk = delivery_of(record()).pk
        Delivery.objects.filter(pk=pk).update(**fields)
        return pk

    never_dispatched = delivery(dispatched_at=None, next_attempt_at=ago(1))
    retry_due = delivery(dispatched_at=ago(60), next_attempt_at=ago(5), attempts=1)
    stale = delivery(dispatched_at=ago(121), next_attempt_at=ago(130))
    delivery(dispatched_at=ago(1), next_attempt_at=ago(2))  # freshly dispatched: a worker has it
    delivery(dispatched_at=ago(60), next_attempt_at=now + timedelta(seconds=30), attempts=1)  # retry not yet due
    delivery(dispatched_at=None, next_attempt_at=now + timedelta(seconds=30))  # never dispatched, not due yet
    delivery(dispatched_at=None, next_attempt_at=ago(1), status=Delivery.Status.DONE)
    delivery(dispatched_at=None, next_attempt_at=ago(1), status=Delivery.Status.FAILED)

    assert services.deliveries_due(now=now) == [never_dispatched, retry_due, stale]
    assert services.deliveries_due(now=now, limit=2) == [never_dispatched, retry_due]


@pytest.mark.django_db
def test_deliveries_sweep_dispatches_what_is_due(handlers, broker_messages):
    pending = delivery_of(record())
    Delivery.objects.update(dispatched_at=None)
    broker_messages()

    assert services.deliveries_sweep() == 1
    assert services.deliveries_sweep() == 0  # just handed over: not due again yet

    assert broker_messages() == [("events.deliver", [[pending.pk]])]
