"""Nothing lost, nothing twice: certificates through real workers while things break.

Each test starts a redis-server of its own on a free port (the issue asks for that, and
the test stops and restarts it) and real ``celery worker`` processes on the test database,
so it runs the same on SQLite and on PostgreSQL. The outbox sweep is called from the test,
as beat would call it; the test process's ``OUTBOX_REDISPATCH_AFTER_SECONDS`` is cut short
so that messages lost with the broker are re-sent within the test.
"""

import hashlib
import time

import pytest
from django.core.files.storage import default_storage
from django.db.models import Count

from certificates.events import RUN_CHUNK_QUEUED
from certificates.models import Certificate
from certificates.runs import issue_run_create, issue_run_progress
from lms.events import services as events
from lms.events.models import Delivery
from tests.integration.conftest import Broker, Worker, wait_until
from tests.support.certificates import certificate_course_seed, completion_through_services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

COMPLETIONS = 200
ISSUE_HANDLER = "certificates.handlers.certificate_issue_on_completion"
DEADLINE_SECONDS = 60


@pytest.fixture
def worker_env(settings) -> dict[str, str]:
    """Workers store PDFs where this process reads them."""
    return {"LMS_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT)}


@pytest.fixture
def quick_redispatch(settings) -> None:
    """A message handed over 5 s ago and not yet done counts as lost (the default is 2
    minutes): the broker that held it was restarted empty. Re-sending one that was merely
    queued costs a lock wait and nothing more (a delivery runs once)."""
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 5


def busy(worker: Worker) -> bool:
    """Whether the worker is running a task (it logs each one received and finished)."""
    log = worker.log()
    return log.count("] received") > log.count("] succeeded") + log.count("] raised")


def issued_count(course) -> int:
    return Certificate.objects.filter(course=course).count()


def swept_until_quiet(what: str, condition, timeout: float = DEADLINE_SECONDS) -> None:
    """Sweep about once a second until ``condition()`` holds and no delivery is pending."""

    def swept() -> bool:
        if condition() and not Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
            return True
        events.deliveries_sweep()
        time.sleep(0.9)
        return False

    wait_until(swept, what, timeout=timeout)


def assert_exactly_once(course, completion_ids: list[int]) -> None:
    """issued / eligible = 1.000, no completion with two originals, no serial twice, and
    every PDF stored as hashed."""
    certificates = list(Certificate.objects.filter(course=course).order_by("pk"))
    issued = {certificate.completion_id for certificate in certificates}
    assert f"{len(issued) / len(completion_ids):.3f}" == "1.000"
    assert issued == set(completion_ids)
    duplicated = (
        Certificate.objects.filter(course=course, replaces__isnull=True)
        .values("completion")
        .annotate(originals=Count("pk"))
        .filter(originals__gt=1)
    )
    assert list(duplicated) == []
    assert len(certificates) == len(completion_ids)
    assert len({(certificate.issuer_id, certificate.serial) for certificate in certificates}) == len(certificates)
    assert sorted(certificate.serial for certificate in certificates) == list(range(1, len(certificates) + 1))
    for certificate in certificates:
        assert default_storage.exists(certificate.pdf.name), certificate.pdf.name
        with default_storage.open(certificate.pdf.name, "rb") as pdf:
            assert hashlib.sha256(pdf.read()).hexdigest() == certificate.pdf_sha256, certificate.code


def assert_a_second_sweep_does_nothing(course, completion_ids: list[int]) -> None:
    before = issued_count(course)
    assert events.deliveries_sweep() == 0
    time.sleep(1)
    assert events.deliveries_sweep() == 0
    assert issued_count(course) == before == len(completion_ids)


def test_a_bulk_run_survives_a_killed_worker_and_a_broker_restart(
    own_redis, start_worker, worker_env, quick_redispatch, tmp_path
):
    seed = certificate_course_seed(completions=COMPLETIONS)
    broker = Broker(own_redis.url, tmp_path / "bulk")

    with broker.publishing():
        # The run's chunks wait in the broker while the workers start (on SQLite, this
        # process's writes would otherwise queue behind theirs for the database lock).
        run = issue_run_create(course=seed.course, actor=None)
        doomed = start_worker(broker, env=worker_env)
        start_worker(broker, env=worker_env)

        # Kill a worker in the middle of a chunk, once certificates have begun to commit.
        wait_until(lambda: issued_count(seed.course) > 0 and busy(doomed), "the run to issue its first certificates")
        doomed.kill()
        own_redis.stop()  # no persistence: every queued message is gone
        assert issued_count(seed.course) < COMPLETIONS / 2
        assert not issue_run_progress(run).is_finished
        # Chunks were handed to the broker that is gone: only the sweep can bring them back.
        assert (
            Delivery.objects.filter(event__name=RUN_CHUNK_QUEUED.name, status=Delivery.Status.PENDING)
            .exclude(dispatched_at=None)
            .exists()
        )
        time.sleep(1)  # the surviving worker carries on without a broker: what it commits now is not dispatched

        own_redis.start()
        start_worker(broker, env=worker_env)
        swept_until_quiet("the sweep to finish the run", lambda: issue_run_progress(run).is_finished)

        assert_exactly_once(seed.course, seed.completion_ids)
        progress = issue_run_progress(run)
        assert (progress.total, progress.done, progress.skipped, progress.failed) == (COMPLETIONS, COMPLETIONS, 0, 0)
        run.refresh_from_db()
        assert run.finished_at is not None
        assert_a_second_sweep_does_nothing(seed.course, seed.completion_ids)


def test_completions_during_a_broker_outage_are_issued_by_the_sweep_when_it_returns(
    own_redis, start_worker, worker_env, quick_redispatch, tmp_path
):
    seed = certificate_course_seed(completions=0, prefix="OUT")
    broker = Broker(own_redis.url, tmp_path / "outage")
    start_worker(broker, env=worker_env)
    with broker.publishing():
        own_redis.stop()
        completions = [completion_through_services(seed=seed, number=number) for number in range(5)]

        # The completions and their deliveries committed; nothing reached a worker.
        deliveries = Delivery.objects.filter(handler=ISSUE_HANDLER, event__name="course.completed")
        assert deliveries.count() == 5
        assert set(deliveries.values_list("dispatched_at", "status")) == {(None, Delivery.Status.PENDING)}
        assert issued_count(seed.course) == 0

        own_redis.start()
        swept_until_quiet("the sweep to issue the certificates", lambda: issued_count(seed.course) == 5)

        ids = [completion.pk for completion in completions]
        assert_exactly_once(seed.course, ids)
        assert_a_second_sweep_does_nothing(seed.course, ids)
