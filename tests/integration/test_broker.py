"""The embedded broker (``lms/broker.py``) with real workers: how soon a message is taken,
how fast a backlog drains, that each message is taken once, that a task whose pool process
dies is delivered again, and what seeding the demo leaves in it.

Workers here run with the transport's own options (no test ``polling_interval``), as
``./dev up`` runs them. The limits are generous (a second for a pickup that takes 0.1 s,
ten seconds for 200 no-ops that take about one): they fail on a regression to kombu's
pace of about a message a second, not on a busy CI machine.
"""

import base64
import json
import os
import signal
import statistics
import time
import uuid
from importlib import import_module
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from lms.celery import app as celery_app
from lms.events import services as event_services
from lms.events.models import Delivery
from organisations.models import PoliceService
from tests.integration.conftest import Broker, Worker, wait_until
from tests.support import events
from tests.support.handlers import handled_count
from tests.support.served import process_tree

pytestmark = pytest.mark.integration

NOOP = "events.deliver"  # with no delivery ids: returns 0 without opening the database
CATALOGUE_SEED = import_module("readiness.migrations.0002_catalogue_and_default_profiles").seed


@pytest.fixture
def embedded(tmp_path) -> Broker:
    """A filesystem broker in a folder of this test's own, with the default options."""
    return Broker("filesystem://", tmp_path / "var")


def noop_send() -> str:
    task_id = str(uuid.uuid4())
    celery_app.send_task(NOOP, args=([],), task_id=task_id)
    return task_id


def logged(workers: list[Worker], text: str) -> int:
    return sum(worker.log().count(text) for worker in workers)


def seen_within(worker: Worker, text: str, timeout: float) -> float:
    """Seconds until ``text`` is in the worker's log (read every 5 ms)."""
    began = time.monotonic()
    while text not in worker.log():
        assert time.monotonic() - began < timeout, f"{text!r} not logged within {timeout} s"
        time.sleep(0.005)
    return time.monotonic() - began


def folder_names(broker: Broker, folder: str) -> list[str]:
    return sorted(os.listdir(broker.var_dir / "broker" / folder))


def test_an_idle_worker_takes_a_message_within_a_fraction_of_a_second(embedded, start_worker):
    worker = start_worker(embedded, concurrency=2)
    pickups = []
    with embedded.publishing():
        for _ in range(7):
            time.sleep(1.2)  # idle, longer than any poll
            pickups.append(seen_within(worker, f"{NOOP}[{noop_send()}] received", timeout=10))

    assert max(pickups) < 1, pickups
    assert statistics.median(pickups) < 0.5, pickups


def test_a_worker_drains_two_hundred_messages_within_ten_seconds(embedded, start_worker):
    worker = start_worker(embedded, concurrency=2)
    with embedded.publishing():
        began = time.monotonic()
        for _ in range(200):
            noop_send()
        wait_until(lambda: logged([worker], f"Task {NOOP}[") == 400, "200 received and succeeded", timeout=60)
    seconds = time.monotonic() - began

    assert seconds < 10
    assert folder_names(embedded, "queue") == folder_names(embedded, "processed") == []


def test_workers_sharing_a_folder_take_each_message_once(embedded, start_worker, tmp_path):
    """Three workers race for 300 messages, their temporary folder on a tmpfs when there is
    one (kombu's transport moved messages through it: a copy then a delete, not a rename,
    where two workers could both read one message): each is taken once, and nothing is left
    in the broker."""
    shared_memory = Path("/dev/shm")
    temporary = Path(tempfile_in(shared_memory if shared_memory.is_dir() else tmp_path))
    workers = [start_worker(embedded, concurrency=2, env={"TMPDIR": str(temporary)}) for _ in range(3)]
    with embedded.publishing():
        ids = [noop_send() for _ in range(300)]
        wait_until(lambda: logged(workers, f"Task {NOOP}[") == 600, "300 received and succeeded", timeout=60)

    received = {task_id: logged(workers, f"{NOOP}[{task_id}] received") for task_id in ids}
    assert set(received.values()) == {1}
    assert all(logged([worker], f"Task {NOOP}[") > 0 for worker in workers)  # each took some
    assert folder_names(embedded, "queue") == folder_names(embedded, "processed") == []


def tempfile_in(parent: Path) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="lms-broker-test-", dir=parent)


@pytest.mark.django_db(transaction=True)
def test_a_late_acknowledged_task_whose_pool_process_dies_is_delivered_again(
    embedded, start_worker, event_handlers, tmp_path
):
    """``events.deliver`` (acks_late, reject_on_worker_lost): the worker puts the message back
    into the folder when its pool process is killed mid-task, and runs it again."""
    hold, runs = tmp_path / "hold", tmp_path / "runs"
    hold.touch()
    worker = start_worker(embedded, concurrency=1)
    with embedded.publishing():
        with transaction.atomic():
            event = event_services.event_record(
                name=events.HANDLED_SLOWLY, payload={"hold_file": str(hold), "runs_file": str(runs)}
            )
        wait_until(lambda: runs.exists(), "the handler to start")
        (pool_process,) = [pid for pid in process_tree(worker.process.pid) if pid != worker.process.pid]
        os.kill(pool_process, signal.SIGKILL)
        hold.unlink()

        delivery = Delivery.objects.get(event=event)
        wait_until(lambda: Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.DONE, "the redelivery")

    assert runs.read_text() == f"{event.pk}\n{event.pk}\n"  # ran twice, committed once
    assert handled_count(event) == 1
    assert "WorkerLostError" in worker.log()
    assert folder_names(embedded, "queue") == folder_names(embedded, "processed") == []


# What seeding the demo leaves for the worker --------------------------------------------


def broker_messages_in(broker: Broker) -> list[tuple[str, list]]:
    """(task name, args) of every message waiting in a filesystem broker's queue folder."""
    messages = []
    for name in folder_names(broker, "queue"):
        payload = json.loads((broker.var_dir / "broker" / "queue" / name).read_text())
        args, _kwargs, _embed = json.loads(base64.b64decode(payload["body"]))
        messages.append((payload["headers"]["task"], args))
    return messages


@pytest.mark.django_db(transaction=True)
def test_seeding_the_demo_leaves_one_coalesced_readiness_update_in_the_broker(embedded):
    """The seed runs its own deliveries (none is sent to the broker); readiness's ~440 marks
    ask for one update of the service. Nothing else waits for the worker."""
    CATALOGUE_SEED(apps, None)  # a transactional test's flush empties what migrations seeded
    with embedded.publishing():
        call_command("seed_demo", stdout=StringIO())

    service = PoliceService.objects.get(code="KNP")
    assert broker_messages_in(embedded) == [("readiness.sync_dirty", [service.pk])]
    assert not Delivery.objects.exclude(status=Delivery.Status.DONE).exists()
