"""Load test: trainees take an assessment in a short window while others read lessons.

    .venv/bin/python bench/load.py [--trainees 1000] [--window 600] [--web-workers 2]
        [--celery-concurrency 2] [--think 10] [--saturate 10] [--rounds 2] [--profile 100]

Exam day at national scale (issue 15): by default 1,000 trainees in a 10-minute window.
Headless, on loopback, everything real: gunicorn (``--web-workers`` sync workers, as
``./dev up`` serves) with DEBUG off, PostgreSQL, a redis-server of this run (broker and
cache) and a Celery worker of ``--celery-concurrency`` processes (certificates are issued
while the window runs). Settings are
``tests.support.served_settings`` (the test settings: MD5 password hashing, which only
signing in, before the window, touches).

PostgreSQL is ``DATABASE_URL`` when it names one, else postgres://postgres@127.0.0.1:5432/;
a database ``bench_load`` is created there and dropped at the end. ``training_seed``
(tests/support/trainees.py) writes the course (the demo's COP-101: six lessons), its
required final assessment of ten questions and ``--trainees`` enrolled trainees.

1. Before the window, every trainee signs in through the login page (a session) and
   through ``/api/v1/auth/token/`` (an API token). Each has completed the first five
   lessons (written in bulk): the window is the course's end.
2. The window (``--window`` seconds): each trainee reviews lessons done (HTML pages, a
   pause of ``--think`` seconds on average, exponentially distributed, after each); at a
   random moment of the window's first 70 % it reads the last lesson, marks it completed
   (API), starts the assessment, answers for 10-25 % of the window and submits the right
   answers (API: the course is then complete, and the worker issues a certificate while
   the window runs); then it reads on until the window closes. Figures: requests per
   second, p50/p95/p99 latency per endpoint, errors (no answer, or a status other than
   the one expected) and responses showing a traceback; the CPU seconds that gunicorn,
   the worker and the database sessions used in the window (``server_cpu_ms_per_request``
   does not grow with other load on the machine, as latency does), and those of this
   process (the clients) and the machine's load average, since the clients and whatever
   else runs on the machine share its two cores with the server.
   Target: no errors, p95 under 500 ms for every endpoint.
3. Throughput, after the window: ``--rounds`` rounds of ``--saturate`` seconds each of the
   lesson page and of an empty page (``tests/support/served_urls.py``: the same middleware
   and login check, nothing else) alternately, by twice as many clients as web workers
   with no pause. ``lesson_ratio`` = lesson pages per second / empty pages per second,
   each the median of its rounds.

4. Certificates: every completion's certificate must be issued (``issued_at``) at most
   60 s after the window closes; it waits that long, then counts those on time, and
   checks there is one certificate per completion.
5. Where the server's CPU goes (``--profile`` requests each, in this process, through
   Django's test client and every middleware, under cProfile): the lesson page, and a
   trainee's last lesson, assessment start and submit (trainees of the seed that took no
   part in the window). Per endpoint: CPU milliseconds per request, the shares of the
   database driver, the ORM, templates, DRF, this project's code and the rest (own time),
   and the functions of this project that cost most (cumulative time).

It prints the figures, then one JSON line; exits 1 when a target is missed (no error, p95
under 500 ms for every endpoint, every certificate on time).
"""

import argparse
import cProfile
import datetime
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="lms-bench-"))
os.environ["LMS_VAR_DIR"] = str(VAR_DIR)
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "bench_load"
P95_TARGET_MS = 500
CERTIFICATE_GRACE = datetime.timedelta(seconds=60)  # after the window closes
PROFILED_TRAINEES = 10  # seed trainees kept out of the window, for the profile of the exam
ASSESSMENT_SHARE = (0.1, 0.25)  # of the window, from starting the attempt to submitting it
CLOSING_SHARE = 0.05  # of the window: the last submit comes at least this long before it closes


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"The load test runs on PostgreSQL; DATABASE_URL names {urlsplit(url).scheme}.")
    return url


os.environ["DATABASE_URL"] = postgres_url()

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from courses.models import CourseCompletion  # noqa: E402
from organisations.models import User  # noqa: E402
from tests.integration.conftest import (  # noqa: E402
    Broker,
    RedisServer,
    Worker,
    database_url,
    wait_until,
    worker_start,
)
from tests.support.served import CpuSampler, WebServer, process_tree, served_environment, web_start  # noqa: E402
from tests.support.trainees import LESSONS, Recorder, TraineeClient, TrainingSeed, training_seed  # noqa: E402

EXPECTED = {
    "GET /lessons/{id}/": 200,
    "GET /bench/empty/": 200,
    "POST /api/v1/lessons/{id}/complete/": 200,
    "POST /api/v1/assessments/{id}/attempts/": 201,
    "POST /api/v1/attempts/{id}/submit/": 200,
}


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (values need not be sorted)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def server_groups(web: WebServer, worker: Worker, sessions: psycopg.Connection) -> dict[str, Callable[[], list[int]]]:
    """The processes that serve the trainees, by kind, for ``CpuSampler``: gunicorn, the
    Celery worker, and the database sessions (``sessions`` lists them; none count when
    PostgreSQL runs on another machine)."""
    database = connection.settings_dict["NAME"]

    def database_sessions() -> list[int]:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        return [pid for (pid,) in sessions.execute(query, [database]).fetchall()]

    return {
        "web": lambda: process_tree(web.process.pid),
        "worker": lambda: process_tree(worker.process.pid),
        "database": database_sessions,
    }


def trainee_window(client: TraineeClient, seed: TrainingSeed, *, ends_at: float, think: float, rng: random.Random):
    """One trainee's window (see the module docstring); returns whether the submit passed."""
    window = ends_at - time.monotonic()
    assess_at = time.monotonic() + rng.uniform(0, window * (1 - ASSESSMENT_SHARE[1] - CLOSING_SHARE))
    passed = None
    reading = rng.randrange(len(seed.lesson_ids) - 1)
    time.sleep(rng.uniform(0, max(0.0, min(think, assess_at - time.monotonic()))))  # not all in the first second
    while time.monotonic() < ends_at:
        if passed is None and time.monotonic() >= assess_at:
            last_lesson = seed.lesson_ids[-1]
            client.lesson_read(last_lesson)
            client.lesson_complete(last_lesson)
            started = client.attempt_start(seed.assessment_id)
            time.sleep(window * rng.uniform(*ASSESSMENT_SHARE))
            submitted = (
                started is not None
                and started.status_code == 201
                and client.attempt_submit(started.json(), seed.correct_choices)
            )
            passed = bool(submitted) and submitted.status_code == 200 and submitted.json()["passed"] is True
        else:
            # Reviewing the lessons done; reading stops when it is time for the assessment.
            client.lesson_read(seed.lesson_ids[reading % (len(seed.lesson_ids) - 1)])
            reading += 1
        until = ends_at if passed is not None else min(ends_at, assess_at)
        time.sleep(min(rng.expovariate(1 / think), max(0.0, until - time.monotonic())))
    return passed


def saturate(clients: list[TraineeClient], read, seconds: float) -> float:
    """Pages per second answered while every client requests with no pause."""
    stop_at = time.monotonic() + seconds
    counts = [0] * len(clients)

    def loop(index: int) -> None:
        while time.monotonic() < stop_at:
            response = read(clients[index])
            if response is None or response.status_code != 200:
                raise SystemExit(f"A saturating request failed: {response and response.status_code}")
            counts[index] += 1

    began = time.monotonic()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(loop, range(len(clients))))
    return sum(counts) / (time.monotonic() - began)


def endpoint_figures(recorder: Recorder, since: float, seconds: float) -> dict[str, dict]:
    by_endpoint: dict[str, list] = defaultdict(list)
    for sample in recorder.samples:
        if sample.at >= since:
            by_endpoint[sample.endpoint].append(sample)
    figures = {}
    for endpoint, samples in sorted(by_endpoint.items()):
        latencies = [sample.seconds * 1000 for sample in samples]
        figures[endpoint] = {
            "requests": len(samples),
            "per_second": round(len(samples) / seconds, 2),
            "p50_ms": round(percentile(latencies, 0.50), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "max_ms": round(max(latencies), 1),
            "errors": sum(sample.status != EXPECTED.get(endpoint) for sample in samples),
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--window", type=float, default=600, help="seconds")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--celery-concurrency", type=int, default=2, help="the Celery worker's processes")
    parser.add_argument("--profile", type=int, default=100, help="requests per endpoint profiled (0: none)")
    parser.add_argument("--think", type=float, default=10, help="mean seconds of reading between pages")
    parser.add_argument("--saturate", type=float, default=10, help="seconds per throughput round and page")
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds")
    parser.add_argument("--seed", type=int, default=2026, help="of the random pauses")
    arguments = parser.parse_args()

    seed = training_seed(trainees=arguments.trainees + PROFILED_TRAINEES, lessons_done=LESSONS - 1)
    media_root = Path(settings.MEDIA_ROOT)
    redis_server = RedisServer(VAR_DIR)
    redis_server.start()
    broker = Broker(redis_server.url, VAR_DIR)
    worker = web = None
    try:
        worker = worker_start(
            broker=broker,
            log_path=VAR_DIR / "worker.log",
            concurrency=arguments.celery_concurrency,
            env={"LMS_TEST_MEDIA_ROOT": str(media_root)},
        )
        environment = served_environment(
            database_url=database_url(),
            broker=broker,
            media_root=media_root,
            cache_url=redis_server.url.removesuffix("/0") + "/1",
        )
        web = web_start(environment=environment, workers=arguments.web_workers, log_path=VAR_DIR / "web.log")
        # A session on the maintenance database, which does not hold the benchmark's open.
        with psycopg.connect(urlsplit(database_url())._replace(path="/postgres").geturl(), autocommit=True) as sessions:
            return run(arguments, seed, web.base_url, server_groups(web, worker, sessions))
    finally:
        if web is not None:
            web.stop()
        if worker is not None:
            worker.stop()
        redis_server.stop()


def run(arguments: argparse.Namespace, seed: TrainingSeed, base_url: str, servers: dict) -> int:
    recorder = Recorder()
    clients = [TraineeClient(base_url, username, recorder) for username in seed.usernames[: arguments.trainees]]
    began = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(TraineeClient.sign_in, clients))
    sign_in_seconds = time.monotonic() - began

    window_opens, cpu_began, load_began = time.monotonic(), time.process_time(), os.getloadavg()[0]
    ends_at = window_opens + arguments.window
    results: list[bool | None] = [None] * len(clients)

    def take(index: int) -> None:
        rng = random.Random(arguments.seed * 100_003 + index)
        results[index] = trainee_window(clients[index], seed, ends_at=ends_at, think=arguments.think, rng=rng)

    threads = [threading.Thread(target=take, args=(index,)) for index in range(len(clients))]
    with CpuSampler(servers) as sampler:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    window_seconds, window_closed = time.monotonic() - window_opens, timezone.now()
    client_cpu_seconds, load_ended = time.process_time() - cpu_began, os.getloadavg()[0]
    server_cpu = sampler.seconds()
    figures = endpoint_figures(recorder, window_opens, window_seconds)
    window_samples = [sample for sample in recorder.samples if sample.at >= window_opens]
    errors = sum(item["errors"] for item in figures.values())

    completions = CourseCompletion.objects.filter(course_id=seed.course_id)
    certificates = Certificate.objects.filter(course_id=seed.course_id)
    deadline = window_closed + CERTIFICATE_GRACE
    while certificates.count() < completions.count() and timezone.now() < deadline:
        time.sleep(0.5)
    on_time = certificates.filter(issued_at__lte=deadline).count()
    last_issued = certificates.order_by("-issued_at").values_list("issued_at", flat=True).first()
    last_after_close = (last_issued - window_closed).total_seconds() if last_issued else None

    throughput = Recorder()
    saturating = [
        TraineeClient(base_url, username, throughput) for username in seed.usernames[: 2 * arguments.web_workers]
    ]
    for client, signed_in in zip(saturating, clients, strict=False):
        client.session.cookies.update(signed_in.session.cookies)

    def lesson_read(client: TraineeClient):
        return client.lesson_read(random.choice(seed.lesson_ids))

    saturate(saturating, lesson_read, 2)  # warm-up
    saturate(saturating, TraineeClient.empty_read, 2)
    lesson_rounds, empty_rounds = [], []
    for _ in range(arguments.rounds):
        lesson_rounds.append(saturate(saturating, lesson_read, arguments.saturate))
        empty_rounds.append(saturate(saturating, TraineeClient.empty_read, arguments.saturate))
    lesson_rps, empty_rps = statistics.median(lesson_rounds), statistics.median(empty_rounds)
    throughput_tracebacks = len(throughput.tracebacks)

    wait_until(lambda: certificates.count() >= completions.count(), "a certificate for every completion", timeout=300)
    completed, issued = completions.count(), certificates.count()  # before the profile adds its own
    one_each = certificates.values("completion").distinct().count() == issued == completed

    p95_worst = max(item["p95_ms"] for item in figures.values())
    print(
        f"Load test: {arguments.trainees} trainees, a {arguments.window:.0f} s window, "
        f"{arguments.web_workers} gunicorn "
        f"workers, PostgreSQL, Redis, a Celery worker of {arguments.celery_concurrency} processes (sign-in before "
        f"the window: {sign_in_seconds:.1f} s)"
    )
    print(
        f"  {len(window_samples)} requests in {window_seconds:.1f} s: {len(window_samples) / window_seconds:.1f}/s "
        f"(clients' CPU {client_cpu_seconds:.1f} s; load average {load_began:.1f} at the start, {load_ended:.1f} "
        "at the end)"
    )
    cpu = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in server_cpu.items())
    print(
        f"  CPU used in the window: {cpu} ({sum(server_cpu.values()) / window_seconds:.2f} cores; "
        f"{sum(server_cpu.values()) * 1000 / len(window_samples):.1f} ms per request)"
    )
    print(f"  {'endpoint':42} {'requests':>8} {'/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} errors")
    for endpoint, item in figures.items():
        print(
            f"  {endpoint:42} {item['requests']:8d} {item['per_second']:6.1f} {item['p50_ms']:7.1f} "
            f"{item['p95_ms']:7.1f} {item['p99_ms']:7.1f} {item['max_ms']:7.1f} {item['errors']:6d}"
        )
    passed = sum(result is True for result in results)
    print(
        f"  assessments passed {passed} of {len(results)}; errors {errors}; responses with a traceback "
        f"{len(recorder.tracebacks) + throughput_tracebacks}"
    )
    print(f"  worst p95 {p95_worst:.1f} ms (target < {P95_TARGET_MS} ms)")
    print(
        f"  throughput with {len(saturating)} clients and no pause: lesson page {lesson_rps:.1f}/s, empty page "
        f"{empty_rps:.1f}/s, ratio {lesson_rps / empty_rps:.3f}"
    )
    last_text = "none" if last_after_close is None else f"{last_after_close:.1f} s after it"
    print(
        f"  completions {completed}, certificates {issued} "
        f"({'one each' if one_each else 'NOT one each'}); {on_time} issued within {CERTIFICATE_GRACE.seconds} s "
        f"of the window's close (the last: {last_text})"
    )
    profiles = profile_endpoints(seed, requests=arguments.profile) if arguments.profile else {}
    for endpoint, profile in profiles.items():
        areas = ", ".join(f"{area} {share:.0%}" for area, share in profile["areas"].items())
        print(f"  profile {endpoint}: {profile['cpu_ms']:.1f} ms CPU per request; own time: {areas}")
        for line in profile["top"]:
            print(f"      {line['cumulative_ms']:7.2f} ms  {line['function']}")
    targets_met = {
        "no_error": errors == 0 and len(recorder.tracebacks) + throughput_tracebacks == 0,
        "p95": p95_worst < P95_TARGET_MS,
        "certificates_on_time": on_time == completed and one_each,
    }
    verdicts = ", ".join(f"{name} {'met' if met else 'MISSED'}" for name, met in targets_met.items())
    print(f"  targets: {verdicts}")
    for line in recorder.tracebacks[:3]:
        print(f"  traceback: {line[:500]}")
    print(
        json.dumps(
            {
                "trainees": arguments.trainees,
                "window_seconds": round(window_seconds, 1),
                "web_workers": arguments.web_workers,
                "requests": len(window_samples),
                "requests_per_second": round(len(window_samples) / window_seconds, 2),
                "errors": errors,
                "client_cpu_seconds": round(client_cpu_seconds, 1),
                "server_cpu_seconds": {name: round(seconds, 1) for name, seconds in server_cpu.items()},
                "server_cpu_ms_per_request": round(sum(server_cpu.values()) * 1000 / len(window_samples), 1),
                "load_average": [round(load_began, 2), round(load_ended, 2)],
                "tracebacks": len(recorder.tracebacks) + throughput_tracebacks,
                "assessments_passed": passed,
                "p95_worst_ms": p95_worst,
                "p95_target_met": errors == 0 and p95_worst < P95_TARGET_MS,
                "endpoints": figures,
                "lesson_rps": round(lesson_rps, 1),
                "empty_rps": round(empty_rps, 1),
                "lesson_ratio": round(lesson_rps / empty_rps, 3),
                "completions": completed,
                "certificates": issued,
                "certificate_each": one_each,
                "certificates_on_time": on_time,
                "last_certificate_after_close_s": last_after_close and round(last_after_close, 1),
                "celery_concurrency": arguments.celery_concurrency,
                "profiles": profiles,
                "targets_met": targets_met,
            }
        )
    )
    return 0 if all(targets_met.values()) else 1


AREAS = (  # by the file a function is in (or a built-in's name); the first match names the area
    ("database driver", ("/psycopg/", "/psycopg_binary/", "sqlite3", "psycopg")),
    ("ORM", ("/django/db/",)),
    ("templates", ("/django/template/", "/django/templatetags/")),
    ("DRF", ("/rest_framework/",)),
    ("Django's request handling, middleware, sessions, auth", ("/django/",)),
    ("the test client (not served)", ("/django/test/",)),
    (
        "this project",
        tuple(
            f"{ROOT}/{app}/"
            for app in ("lms", "organisations", "courses", "assessments", "certificates", "readiness", "templates")
        ),
    ),
)


def _area(filename: str, name: str) -> str:
    where = name if filename == "~" else filename  # a built-in: its name says whose it is
    for area, parts in AREAS:
        if any(part in where for part in parts):
            return area
    return "Python built-ins" if filename == "~" else "other libraries"


def _profiled(calls: list[Callable[[], object]]) -> dict:
    """The first half of ``calls`` measured (CPU ms per call, without a profiler's overhead),
    the second run under cProfile: own time by area, and this project's costliest
    functions (cumulative time, per call, with the profiler's overhead)."""
    measured, profiled = calls[: len(calls) // 2], calls[len(calls) // 2 :]
    began = time.process_time()
    for call in measured:
        call()
    cpu_ms = (time.process_time() - began) * 1000 / len(measured)
    profiler = cProfile.Profile(time.process_time)
    for call in profiled:
        profiler.runcall(call)
    stats = pstats.Stats(profiler).stats
    own: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (_calls, _primitive, tottime, _cumulative, _callers) in stats.items():
        own[_area(filename, name)] += tottime
    total = sum(own.values()) or 1
    project = [
        (cumulative, f"{Path(filename).relative_to(ROOT)}:{line} {name}")
        for (filename, line, name), (_calls, _primitive, _tottime, cumulative, _callers) in stats.items()
        if filename.startswith(str(ROOT)) and not any(part in filename for part in ("/.venv/", "/tests/", "/bench/"))
    ]
    top = sorted(project, reverse=True)[:6]
    return {
        "cpu_ms": round(cpu_ms, 2),
        "areas": {area: round(seconds / total, 3) for area, seconds in sorted(own.items(), key=lambda item: -item[1])},
        "top": [{"function": name, "cumulative_ms": round(seconds * 1000 / len(profiled), 2)} for seconds, name in top],
    }


def profile_endpoints(seed: TrainingSeed, *, requests: int) -> dict[str, dict]:
    """Where a request's CPU goes, per endpoint of the window (see the module docstring)."""
    reader = Client()
    reader.force_login(User.objects.get(username=seed.usernames[0]))
    lessons = seed.lesson_ids[:-1]
    reader.get(f"/lessons/{lessons[0]}/")  # warm: the first request of a process loads templates and URLs
    profiles = {
        "GET /lessons/{id}/": _profiled(
            [lambda lesson=lesson: reader.get(f"/lessons/{lesson}/") for lesson in (lessons * requests)[:requests]]
        )
    }
    examinees = []
    for username in seed.usernames[-PROFILED_TRAINEES:]:
        client = APIClient()
        client.force_authenticate(User.objects.get(username=username))
        examinees.append(client)
    last = seed.lesson_ids[-1]
    profiles["POST /api/v1/lessons/{id}/complete/"] = _profiled(
        [lambda client=client: client.post(f"/api/v1/lessons/{last}/complete/") for client in examinees]
    )
    attempts = []
    profiles["POST /api/v1/assessments/{id}/attempts/"] = _profiled(
        [
            lambda client=client: attempts.append(
                (client, client.post(f"/api/v1/assessments/{seed.assessment_id}/attempts/").json())
            )
            for client in examinees
        ]
    )

    def submit(client: APIClient, attempt: dict) -> None:
        answers = [
            {
                "question": question["id"],
                "choices": [c["id"] for c in question["choices"] if c["text"] in seed.correct_choices],
            }
            for question in attempt["questions"]
        ]
        answered = client.post(f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers}, format="json")
        if answered.status_code != 200:
            raise SystemExit(f"A profiled submit answered {answered.status_code}: {answered.content[:300]!r}")

    profiles["POST /api/v1/attempts/{id}/submit/"] = _profiled(
        [lambda client=client, attempt=attempt: submit(client, attempt) for client, attempt in attempts]
    )
    return profiles


if __name__ == "__main__":
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        status = main()
    finally:
        connection.close()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    sys.exit(status)
