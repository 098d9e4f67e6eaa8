"""Fault drills: trainees complete a course over HTTP while Redis, a worker and PostgreSQL fail.

    .venv/bin/python bench/faults.py [--trainees 60] [--redis-outage 60] [--web-workers 2]

Everything real and private to the run: a PostgreSQL cluster of its own (``initdb`` on a
free port, ``tests/support/served.py``; never the shared server, since the drill restarts
it), a redis-server of its own (broker and cache), two Celery workers and gunicorn
(``--web-workers`` sync workers, DEBUG off). ``training_seed`` writes the course (six
lessons and a required assessment) and ``--trainees`` trainees, who all sign in (a session
and an API token) before the drills. A trainee's course is: read each lesson page, mark it
completed (API), start the assessment, submit the right answers (API); a step that fails
is tried again a second later, as a person would. Each drill has its own third of the
trainees:

1. **Redis stopped** for ``--redis-outage`` seconds (longer if no course was completed in
   that time yet) while the first third take the course, starting spread over the outage.
   One more person signs in through the login page and the token endpoint during the
   outage: both must work (the sign-in throttles count in the web process while their
   Redis cache is away, ``lms/counters.py``).
2. **A worker killed** with SIGKILL (main and pool processes) while it runs a task, during
   the second third's courses; another worker is started in its place.
3. **PostgreSQL restarted** (fast shutdown: every session ends) while the web and worker
   processes hold idle connections (``CONN_MAX_AGE``, with ``CONN_HEALTH_CHECKS``); then
   the last third take the course at once: none of these requests may fail.

The outbox sweep runs about once a second from this process, as beat would, with messages
counted lost after 5 s (``OUTBOX_REDISPATCH_AFTER_SECONDS``; the default is 2 minutes).
After recovery the checks: every trainee completed the course, every completion has
exactly one certificate, no delivery is left pending or failed, readiness is consistent
(after the periodic ``readiness_sync_dirty``, ``readiness_sync_full`` changes 0 rows, and
the headquarters count every trainee certified in the course's competencies), no response
showed a traceback, and no trainee request failed in any drill (none needed a retry).
It prints what happened, then one JSON line, and exits 1 when a check failed.
``tests/integration/test_faults.py`` runs it small (the CI version).
"""

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="lms-drill-"))
os.environ["LMS_VAR_DIR"] = str(VAR_DIR)
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
DRILL_DATABASE = "lms_drill"
STEP_TRIES = 30  # a second apart: longer than any outage of the CI drill's steps
RECOVERY_SECONDS = 180

from tests.support.served import PrivatePostgres, postgres_bin_dir, served_environment, web_start  # noqa: E402

BIN_DIR = postgres_bin_dir()
if BIN_DIR is None:
    raise SystemExit("The drill needs the PostgreSQL server binaries (initdb, pg_ctl).")
CLUSTER = PrivatePostgres(BIN_DIR)  # started in __main__, where it is destroyed at the end
os.environ["DATABASE_URL"] = CLUSTER.url()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from courses.models import CourseCompletion  # noqa: E402
from lms.events import services as events  # noqa: E402
from lms.events.models import Delivery  # noqa: E402
from organisations.models import Unit  # noqa: E402
from readiness.models import CompetencyMetric  # noqa: E402
from readiness.services import readiness_sync_dirty, readiness_sync_full  # noqa: E402
from tests.integration.conftest import Broker, RedisServer, Worker, database_url, worker_start  # noqa: E402
from tests.support.trainees import Recorder, TraineeClient, TrainingSeed, training_seed  # noqa: E402


def busy(worker: Worker) -> bool:
    """Whether the worker is running a task (it logs each one received and finished)."""
    log = worker.log()
    return log.count("] received") > log.count("] succeeded") + log.count("] raised")


def step(call: Callable, expected: int, *, also: tuple[int, ...] = ()) -> requests.Response:
    """Call until the response has the expected status (a person tries again a second
    later); ``also``: statuses that mean a lost response's request had been done."""
    for _ in range(STEP_TRIES):
        response = call()
        if response is not None and response.status_code in (expected, *also):
            return response
        time.sleep(1)
    raise RuntimeError(f"A trainee's step still failed after {STEP_TRIES} tries: {response and response.status_code}")


def course_take(client: TraineeClient, seed: TrainingSeed, *, pause: float, rng: random.Random) -> bool:
    """Read and complete every lesson, take the assessment; returns whether it passed."""
    for lesson_id in seed.lesson_ids:
        step(lambda lesson_id=lesson_id: client.lesson_read(lesson_id), 200)
        time.sleep(rng.uniform(0, pause))
        step(lambda lesson_id=lesson_id: client.lesson_complete(lesson_id), 200)
    # 200: the attempt that a request whose answer was lost had started.
    attempt = step(lambda: client.attempt_start(seed.assessment_id), 201, also=(200,)).json()
    time.sleep(rng.uniform(0, pause))
    return step(lambda: client.attempt_submit(attempt, seed.correct_choices), 200).json()["passed"] is True


def courses_take(
    clients: list[TraineeClient], seed: TrainingSeed, *, spread: float, pause: float
) -> tuple[list[bool], list[threading.Thread]]:
    """Every client takes the course in a thread of its own, starting within ``spread`` s."""
    results = [False] * len(clients)

    def take(index: int) -> None:
        rng = random.Random(index)
        time.sleep(rng.uniform(0, spread))
        results[index] = course_take(clients[index], seed, pause=pause, rng=rng)

    threads = [threading.Thread(target=take, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    return results, threads


def swept_until(condition: Callable[[], bool], what: str) -> float:
    """Sweep the outbox about once a second until ``condition()`` holds and nothing is
    pending; returns the seconds it took."""
    began = time.monotonic()
    while not (condition() and not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()):
        if time.monotonic() - began > RECOVERY_SECONDS:
            raise RuntimeError(f"No recovery after {RECOVERY_SECONDS} s: {what}")
        events.deliveries_sweep()
        time.sleep(1)
    return time.monotonic() - began


def certified(seed: TrainingSeed) -> Callable[[], bool]:
    def check() -> bool:
        completions = CourseCompletion.objects.filter(course_id=seed.course_id).count()
        return Certificate.objects.filter(course_id=seed.course_id).count() >= completions

    return check


def idle_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=60, help="a third for each drill")
    parser.add_argument("--redis-outage", type=float, default=60, help="seconds")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn sync workers")
    arguments = parser.parse_args()
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 5

    seed = training_seed(trainees=arguments.trainees, prefix="DR")
    media_root = Path(settings.MEDIA_ROOT)
    redis_server = RedisServer(VAR_DIR)
    web = None
    try:
        redis_server.start()
        broker = Broker(redis_server.url, VAR_DIR)
        worker_env = {"LMS_TEST_MEDIA_ROOT": str(media_root)}
        workers = [
            worker_start(broker=broker, log_path=VAR_DIR / f"worker-{number}.log", env=worker_env) for number in (1, 2)
        ]
        environment = served_environment(
            database_url=database_url(),
            broker=broker,
            media_root=media_root,
            cache_url=redis_server.url.removesuffix("/0") + "/1",
        )
        web = web_start(environment=environment, workers=arguments.web_workers, log_path=VAR_DIR / "web.log")
        with broker.publishing():
            report = drills(arguments, seed, web.base_url, redis_server, broker, workers, worker_env)
    finally:
        if web is not None:
            web.stop()
        for worker in Worker.started:  # every worker of the run, the killed one too (it is gone)
            worker.stop()
        redis_server.stop()
    print(json.dumps(report))
    return 0 if all(report["checks"].values()) else 1


def drills(arguments, seed: TrainingSeed, base_url: str, redis_server, broker, workers, worker_env) -> dict:
    recorder = Recorder()
    clients = [TraineeClient(base_url, username, recorder) for username in seed.usernames]
    for client in clients:
        client.sign_in()
    third = len(clients) // 3
    groups = [clients[:third], clients[third : 2 * third], clients[2 * third :]]
    passed: list[bool] = []
    report: dict = {"trainees": len(clients), "web_workers": arguments.web_workers}

    # 1. Redis stopped while the first third take the course.
    outage = arguments.redis_outage
    print(f"Drill 1: Redis stopped for {outage:.0f} s while {len(groups[0])} trainees take the course")
    mark = time.monotonic()
    results, threads = courses_take(groups[0], seed, spread=outage * 0.6, pause=1.0)
    time.sleep(1)
    stopped_at, stopped = timezone.now(), time.monotonic()
    redis_server.stop()
    time.sleep(outage / 2)
    # A person who was not signed in yet: the login page and the token endpoint.
    newcomer = TraineeClient(base_url, seed.usernames[-1], Recorder())
    sign_in_statuses = [newcomer.page_sign_in(), newcomer.token_obtain()]
    time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
    # On a busy machine the courses run slower: the outage lasts until one was completed in it.
    completed_in_outage = CourseCompletion.objects.filter(course_id=seed.course_id, completed_at__gte=stopped_at)
    while not completed_in_outage.exists() and time.monotonic() - stopped < outage + RECOVERY_SECONDS:
        time.sleep(0.5)
    redis_server.start()
    restarted_at, outage = timezone.now(), time.monotonic() - stopped
    for thread in threads:
        thread.join()
    passed += results
    during = CourseCompletion.objects.filter(
        course_id=seed.course_id, completed_at__gte=stopped_at, completed_at__lt=restarted_at
    ).count()
    recovery = swept_until(certified(seed), "certificates after the Redis outage")
    report["redis_outage"] = {
        "seconds": round(outage, 1),
        "completions_during": during,
        "statuses": dict(recorder.statuses(since=mark)),
        "sign_in_statuses": [response.status_code if response is not None else 0 for response in sign_in_statuses],
        "sign_in_traceback": bool(newcomer.recorder.tracebacks),
        "recovery_seconds": round(recovery, 1),
    }
    print(f"  {report['redis_outage']}")

    # 2. A worker killed in the middle of a task.
    print(f"Drill 2: a worker killed (SIGKILL) mid-task while {len(groups[1])} trainees take the course")
    mark = time.monotonic()
    results, threads = courses_take(groups[1], seed, spread=3, pause=0.3)
    deadline = time.monotonic() + 60
    doomed = None
    while doomed is None and time.monotonic() < deadline:
        doomed = next((worker for worker in workers if busy(worker)), None)
        time.sleep(0.005)
    if doomed is not None:
        doomed.kill()
        workers.remove(doomed)
        workers.append(worker_start(broker=broker, log_path=VAR_DIR / "worker-3.log", env=worker_env))
    for thread in threads:
        thread.join()
    passed += results
    recovery = swept_until(certified(seed), "certificates after the worker was killed")
    report["worker_killed"] = {
        "killed_mid_task": doomed is not None,
        "statuses": dict(recorder.statuses(since=mark)),
        "recovery_seconds": round(recovery, 1),
    }
    print(f"  {report['worker_killed']}")

    # 3. PostgreSQL restarted under idle connections, then everyone at once.
    time.sleep(2)  # every process's connection goes idle
    idle = idle_connections()
    print(f"Drill 3: PostgreSQL restarted with {idle} idle connections, then {len(groups[2])} trainees at once")
    CLUSTER.restart()
    connection.close()  # this process's session ended with the server; Django reconnects on the next query
    mark = time.monotonic()
    results, threads = courses_take(groups[2], seed, spread=0, pause=0.3)
    for thread in threads:
        thread.join()
    passed += results
    after_restart = recorder.statuses(since=mark)
    recovery = swept_until(certified(seed), "certificates after the PostgreSQL restart")
    report["postgres_restart"] = {
        "idle_connections": idle,
        "statuses": dict(after_restart),
        "recovery_seconds": round(recovery, 1),
    }
    print(f"  {report['postgres_restart']}")

    # After recovery.
    dirty = readiness_sync_dirty()  # as beat runs it every minute
    full = readiness_sync_full(trigger="fault drill")
    completions = CourseCompletion.objects.filter(course_id=seed.course_id)
    certificates = Certificate.objects.filter(course_id=seed.course_id)
    twice = completions.annotate(issued=Count("certificates")).filter(issued__gt=1).count()
    unissued = completions.filter(certificates=None).count()
    # Every trainee's station rolls up to the headquarters: all of them hold the course's competencies.
    headquarters = Unit.objects.get(service__code="DR", parent=None)
    certified_at_headquarters = dict(
        CompetencyMetric.objects.filter(unit=headquarters).values_list("competency__code", "certified")
    )
    deliveries = dict(Delivery.objects.values_list("status").annotate(count=Count("pk")).order_by())
    report |= {
        "passed": sum(passed),
        "completions": completions.count(),
        "certificates": certificates.count(),
        "completions_with_two_certificates": twice,
        "completions_without_certificate": unissued,
        "deliveries": deliveries,
        "readiness_dirty_sync_rows": dirty.rows_changed if dirty else 0,
        "readiness_full_sync_rows_changed": full.rows_changed,
        "readiness_certified_at_headquarters": certified_at_headquarters,
        "tracebacks": recorder.tracebacks[:5],
        "statuses": dict(recorder.statuses()),
    }
    report["checks"] = {
        "every_trainee_passed": sum(passed) == len(clients),
        "every_completion_recorded": completions.count() == len(clients),
        "one_certificate_each": certificates.count() == len(clients) and twice == 0 and unissued == 0,
        "no_delivery_pending_or_failed": set(deliveries) <= {Delivery.Status.DONE},
        "readiness_consistent": full.rows_changed == 0,
        "readiness_counts_every_trainee": {code: n for code, n in certified_at_headquarters.items() if n}
        == dict.fromkeys(seed.competencies, len(clients)),
        "no_traceback": not recorder.tracebacks and not report["redis_outage"]["sign_in_traceback"],
        "completions_during_redis_outage": report["redis_outage"]["completions_during"] > 0,
        "worker_killed_mid_task": report["worker_killed"]["killed_mid_task"],
        "idle_connections_before_restart": idle > 0,
        "no_trainee_failure_during_redis_outage": set(report["redis_outage"]["statuses"]) <= {200, 201},
        "sign_in_during_redis_outage": report["redis_outage"]["sign_in_statuses"] == [302, 200],
        "no_trainee_failure_with_a_worker_killed": set(report["worker_killed"]["statuses"]) <= {200, 201},
        "no_failure_after_postgres_restart": set(after_restart) <= {200, 201},
    }
    for name, ok in report["checks"].items():
        print(f"  {'ok    ' if ok else 'FAILED'} {name}")
    return report


if __name__ == "__main__":
    status = 1
    try:
        CLUSTER.init()
        connection.settings_dict["TEST"]["NAME"] = DRILL_DATABASE
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        status = main()
    finally:
        connection.close()
        CLUSTER.destroy()  # the database goes with the cluster
        shutil.rmtree(VAR_DIR, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    sys.exit(status)
