"""The outbox end to end: real worker processes, a real broker, the test database."""

import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from lms.celery import app as celery_app
from lms.events import services
from lms.events.models import Delivery, Event
from organisations.models import User
from tests.factories import UserFactory
from tests.integration.conftest import Broker, Worker, wait_until
from tests.support import events
from tests.support.handlers import handled_count

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def status(delivery: Delivery) -> str:
    delivery.refresh_from_db()
    return delivery.status


def test_a_committed_event_is_delivered_by_a_real_worker(worker):
    with transaction.atomic():
        event = services.event_record(name=events.HANDLED, payload={"officer": 1})
    delivery = Delivery.objects.get(event=event)
    assert delivery.dispatched_at is not None  # handed to the broker on commit

    wait_until(lambda: status(delivery) == Delivery.Status.DONE, "the worker to deliver the event")

    assert handled_count(event) == 1
    assert (delivery.attempts, delivery.last_error) == (1, "")


def log_line(worker: Worker, text: str) -> str | None:
    return next((line for line in worker.log().splitlines() if text in line), None)


def blocked_on_a_lock() -> bool:
    """Whether a session is waiting for a lock (PostgreSQL shows it; SQLite waits unseen)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_duplicate_message_waits_for_the_running_delivery_and_does_nothing(worker, tmp_path):
    """Why late acknowledgement is safe for events.deliver: a redelivered message for a
    delivery that a worker is running waits for its row lock, then finds it done."""
    hold, runs = tmp_path / "hold", tmp_path / "runs"
    hold.touch()
    with transaction.atomic():
        event = services.event_record(
            name=events.HANDLED_SLOWLY, payload={"hold_file": str(hold), "runs_file": str(runs)}
        )
    delivery = Delivery.objects.get(event=event)
    wait_until(lambda: runs.exists(), "the handler to start")

    duplicate = celery_app.send_task(services.DELIVER_TASK, args=([delivery.pk],))
    wait_until(lambda: log_line(worker, f"events.deliver[{duplicate.id}] received"), "the duplicate to arrive")
    wait_until(blocked_on_a_lock, "the duplicate to wait for the delivery's row lock")
    hold.unlink()

    finished = wait_until(
        lambda: log_line(worker, f"events.deliver[{duplicate.id}] succeeded"), "the duplicate to finish"
    )
    assert finished.endswith(": 0")  # the task's result: no delivery run
    assert status(delivery) == Delivery.Status.DONE
    assert runs.read_text() == f"{event.pk}\n"
    assert (handled_count(event), delivery.attempts) == (1, 1)


def test_an_event_survives_a_broker_outage(own_redis, start_worker, event_handlers, tmp_path):
    broker = Broker(own_redis.url, tmp_path / "outage")
    # No sweep from this test: the worker's scheduler sweeps every second, as beat does in
    # production. The worker runs through the outage and reconnects by itself.
    worker = start_worker(broker, beat=True, env={"OUTBOX_SWEEP_SECONDS": "1"})
    with broker.publishing():
        own_redis.stop()

        began = time.monotonic()
        with transaction.atomic():
            UserFactory(username="recorded.during.outage")
            event = services.event_record(name=events.HANDLED, payload={"during": "outage"})
        assert time.monotonic() - began < 2  # dispatch gave up at once instead of holding the request

        # The change and its event committed; the delivery waits for the sweep.
        assert User.objects.filter(username="recorded.during.outage").exists()
        assert Event.objects.filter(pk=event.pk, name=events.HANDLED).exists()
        delivery = Delivery.objects.get(event=event)
        assert (delivery.status, delivery.dispatched_at, delivery.attempts) == (Delivery.Status.PENDING, None, 0)
        wait_until(lambda: log_line(worker, "Cannot connect to redis://"), "the worker to notice the outage")

        own_redis.start()

        wait_until(lambda: status(delivery) == Delivery.Status.DONE, "the sweep to deliver the event")
        assert handled_count(event) == 1
        assert delivery.attempts == 1

        # This process publishes again too, as soon as the broker is back.
        with transaction.atomic():
            later = services.event_record(name=events.HANDLED, payload={"during": "recovery"})
        assert Delivery.objects.get(event=later).dispatched_at is not None
        wait_until(lambda: handled_count(later) == 1, "the worker to deliver the later event")

    assert handled_count(event) == 1
    assert own_redis.password not in worker.log()


def test_a_worker_killed_mid_task_leaves_the_delivery_for_the_sweep(
    private_broker, start_worker, event_handlers, settings, tmp_path
):
    hold, runs = tmp_path / "hold", tmp_path / "runs"
    hold.touch()
    first = start_worker(private_broker)
    with private_broker.publishing():
        with transaction.atomic():
            event = services.event_record(
                name=events.HANDLED_SLOWLY, payload={"hold_file": str(hold), "runs_file": str(runs)}
            )
        delivery = Delivery.objects.get(event=event)
        wait_until(lambda: runs.exists() and runs.read_text() == f"{event.pk}\n", "the handler to start")

        first.kill()
        hold.unlink()

        # The handler's work and the attempt rolled back with the killed transaction.
        assert status(delivery) == Delivery.Status.PENDING
        assert (delivery.attempts, delivery.delivered_at) == (0, None)
        assert handled_count(event) == 0

        start_worker(private_broker)
        settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 1

        def swept_and_done() -> bool:
            services.deliveries_sweep()
            return status(delivery) == Delivery.Status.DONE

        wait_until(swept_and_done, "the sweep to hand the delivery to the new worker")

    assert handled_count(event) == 1
    assert delivery.attempts == 1
    assert Path(runs).read_text() == f"{event.pk}\n{event.pk}\n"  # ran twice, committed once
