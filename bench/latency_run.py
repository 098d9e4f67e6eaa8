"""Latency bench on one setup (``bench/latency.py`` runs it once per setup; read its docstring).

    LMS_VAR_DIR=... LMS_PORT=... [DATABASE_URL=... CELERY_BROKER_URL=... CACHE_URL=...]
        .venv/bin/python bench/latency_run.py --setup NAME [--trainees 50] [--window 60]
        [--bulk 500] [--timeout 300] [--bulk-timeout 900]

The environment is the platform's, as ``bench/latency.py`` prepared it: this process runs
``./dev up`` with it and uses the same database itself (Django, ``lms.settings.base``) to
choose the trainees, to write the bulk run's completions and to count the backlog. It
prints its figures, then one JSON line.
"""

import argparse
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not (os.environ.get("LMS_VAR_DIR") and os.environ.get("LMS_PORT")):
    raise SystemExit("bench/latency_run.py runs under bench/latency.py, which sets LMS_VAR_DIR and LMS_PORT.")
DEV_ENVIRONMENT = dict(os.environ)  # what ./dev up gets: the settings module is its default
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from courses.models import Course, Enrollment  # noqa: E402
from lms.events.models import Delivery  # noqa: E402
from organisations.demo import DEMO_PASSWORD  # noqa: E402
from organisations.models import Officer, Unit  # noqa: E402
from readiness.models import CompetencyMetric, Requirement  # noqa: E402
from readiness.selectors import ROLLUP_UNIT_TYPES, readiness_profile  # noqa: E402
from tests.support.certificates import certificate_course_seed  # noqa: E402
from tests.support.trainees import CSRF_FIELD, PASSWORD, Recorder, TraineeClient  # noqa: E402

COURSE_CODE = "COP-101"
COMPETENCY = "COP"
BULK_PREFIX = "BLK"
POLL_SECONDS = 0.25
POLL_SHARE = 0.05  # of the time waited so far, once that is longer than POLL_SECONDS
START_SECONDS = 900  # ./dev up: install check, migrate, collectstatic, seed, serve
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def percentile(values: list[float | None], fraction: float) -> float | None:
    """The nearest-rank percentile; None (a wait that timed out) ranks above every value,
    and is the answer when it is the one ranked."""
    ordered = sorted(values, key=lambda value: float("inf") if value is None else value)
    if not ordered:
        return None
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def summary(values: list[float | None]) -> dict:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "p50_s": rounded(percentile(values, 0.50)),
        "p95_s": rounded(percentile(values, 0.95)),
        "max_s": rounded(percentile(values, 1.0)),
        "measured": sum(value is not None for value in values),
        "timed_out": sum(value is None for value in values),
    }


def poll_pause(waited: float) -> float:
    """Every 0.25 s, and every 5 % of the wait once it is long: a figure is within 0.25 s
    or 5 %, and a backlog does not get a second one from this bench's own requests."""
    return max(POLL_SECONDS, POLL_SHARE * waited)


# ./dev up ---------------------------------------------------------------------------------


class DevUp:
    """``./dev up`` in a process group of its own; its output goes to ``log_path``, and the
    moments its steps begin (its ``==>`` lines) are noted."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.steps: list[tuple[float, str]] = []
        self.began = time.monotonic()
        self.process = subprocess.Popen(
            [str(ROOT / "dev"), "up"],
            cwd=ROOT,
            env=DEV_ENVIRONMENT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        with self.log_path.open("wb") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                text = ANSI.sub("", line.decode(errors="replace")).strip()
                if text.startswith("==> "):
                    self.steps.append((time.monotonic(), text[4:]))

    def step_began(self, word: str) -> float | None:
        return next((at for at, text in self.steps if word in text), None)

    def seeded_at(self) -> float | None:
        """When the step after the seed began (the seed's end), once it has."""
        seeding = next((index for index, (_, text) in enumerate(self.steps) if "Seeding" in text), None)
        if seeding is None or seeding + 1 >= len(self.steps):
            return None
        return self.steps[seeding + 1][0]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def serving(self, base_url: str) -> float:
        """Wait until the seed is done and ``/healthz`` answers 200; returns when."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"./dev up exited ({self.process.returncode}) before serving:\n{self.log()[-5000:]}")
            if self.seeded_at() is not None:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(base_url + "/healthz", timeout=5).status_code == 200:
                        return time.monotonic()
            time.sleep(0.2)
        raise RuntimeError(f"./dev up did not serve within {START_SECONDS} s:\n{self.log()[-5000:]}")

    def stop(self) -> None:
        """TERM, as Ctrl-C would (./dev then stops all three), then KILL whatever is left."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=5)


# People -----------------------------------------------------------------------------------


class StaffClient(TraineeClient):
    """A demo account, with the demo password: demo.trainer, demo.leader, demo.admin."""

    password = DEMO_PASSWORD

    def token_obtain(self) -> requests.Response:
        return expect(super().token_obtain(), 200, f"{self.username}'s token")

    def page_sign_in(self) -> requests.Response:
        return expect(super().page_sign_in(), 302, f"{self.username} signing in")

    def copy(self) -> "StaffClient":
        """The same account on a connection of its own (one per thread)."""
        other = StaffClient(self.base_url, self.username, self.recorder)
        other.token = self.token
        return other


def expect(response: requests.Response | None, status: int, what: str) -> requests.Response:
    if response is None or response.status_code != status:
        body = "" if response is None else response.text[:300]
        raise RuntimeError(f"{what}: answered {response and response.status_code}, not {status} {body}")
    return response


@dataclass
class Trainee:
    officer_id: int
    service_number: str
    unit_id: int
    client: TraineeClient | None = None
    completed_at: float | None = None  # time.monotonic() when the completing response arrived
    certificate_at: float | None = None
    readiness_at: float | None = None
    failure: str = ""
    is_settled: bool = False  # its own thread is over

    def seconds(self, at: float | None) -> float | None:
        return None if at is None else at - self.completed_at


def trainees_choose(count: int) -> tuple[int, list[Trainee]]:
    """COP-101's id and ``count`` officers who fit (``bench/latency.py``, 1), taken in turn
    from each unit so that they spread as far as they go. Reads only."""
    course = Course.objects.get(code=COURSE_CODE)
    if COMPETENCY not in course.competencies:
        raise RuntimeError(f"{COURSE_CODE} no longer develops {COMPETENCY}.")
    measured = CompetencyMetric.objects.filter(competency_id=COMPETENCY).values("unit_id")
    units = []
    for unit in Unit.objects.filter(children__isnull=True, pk__in=measured).order_by("code"):
        profile = readiness_profile(unit)
        narrowed = Requirement.objects.filter(profile=profile, competency_id=COMPETENCY).exclude(
            population=Requirement.Population.ALL
        )
        if unit.unit_type not in ROLLUP_UNIT_TYPES and profile is not None and not narrowed.exists():
            units.append(unit)
    holders = {
        officer_id
        for officer_id, competencies in Certificate.objects.filter(status=Certificate.Status.VALID).values_list(
            "officer_id", "competencies"
        )
        if COMPETENCY in competencies
    }
    candidates = [
        [
            officer
            for officer in Officer.objects.filter(unit=unit, is_active=True, user__isnull=True)
            .exclude(vetting_status=Officer.VettingStatus.EXCLUDED)
            .exclude(pk__in=Enrollment.objects.filter(course=course).values("officer_id"))
            .order_by("service_number")
            if officer.pk not in holders
        ]
        for unit in units
    ]
    chosen: list[Trainee] = []
    while len(chosen) < count and any(candidates):
        for officers in candidates:
            if officers and len(chosen) < count:
                officer = officers.pop(0)
                chosen.append(Trainee(officer.pk, officer.service_number, officer.unit_id))
    if len(chosen) < count:
        raise RuntimeError(f"The demo has {len(chosen)} officers who fit; ask for fewer trainees.")
    return course.pk, chosen


def threads_run(calls: list, *, width: int) -> None:
    """Run the calls ``width`` at a time; raise the first failure."""
    pending, failures, lock = list(calls), [], threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not pending or failures:
                    return
                call = pending.pop(0)
            try:
                call()
            except Exception as error:
                failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def trainees_prepare(base_url: str, trainees: list[Trainee], course_id: int, recorder: Recorder) -> None:
    """demo.trainer issues each trainee an activation code, each activates their account
    (which answers a token), then demo.trainer enrols them all. Two at a time: activation
    counts each attempt per address before checking it, and all of these share one address."""
    trainer = StaffClient(base_url, "demo.trainer", recorder)
    trainer.token_obtain()

    def activate(trainee: Trainee) -> None:
        code = expect(
            trainer.copy().request(
                "POST",
                "POST /api/v1/officers/{id}/activation-code/",
                f"/api/v1/officers/{trainee.officer_id}/activation-code/",
            ),
            201,
            f"an activation code for {trainee.service_number}",
        ).json()["code"]
        client = TraineeClient(base_url, trainee.service_number, recorder)
        answer = expect(
            client.request(
                "POST",
                "POST /api/v1/auth/activate/",
                "/api/v1/auth/activate/",
                json={"service_number": trainee.service_number, "code": code, "password": PASSWORD},
            ),
            200,
            f"activating {trainee.service_number}",
        )
        client.token = answer.json()["token"]
        trainee.client = client

    threads_run([lambda trainee=trainee: activate(trainee) for trainee in trainees], width=2)
    enrolled = expect(
        trainer.request(
            "POST",
            "POST /api/v1/courses/{id}/enrol/",
            f"/api/v1/courses/{course_id}/enrol/",
            json={"officers": [trainee.officer_id for trainee in trainees]},
        ),
        200,
        "enrolling the trainees",
    ).json()["enrolled"]
    if enrolled != len(trainees):
        raise RuntimeError(f"demo.trainer enrolled {enrolled} of {len(trainees)} trainees.")


def unit_certified(leader: StaffClient, unit_id: int) -> int | None:
    """The unit's COP ``certified`` as demo.leader reads it; None when it did not answer."""
    response = leader.request("GET", "GET /api/v1/readiness/units/{id}/", f"/api/v1/readiness/units/{unit_id}/")
    if response is None or response.status_code != 200:
        return None
    for line in response.json()["competencies"]:
        if line["code"] == COMPETENCY:
            return line["certified"]
    raise RuntimeError(f"Unit {unit_id} shows demo.leader no {COMPETENCY} line.")


# The window -------------------------------------------------------------------------------


def course_take(trainee: Trainee, course_id: int) -> None:
    """Read and complete every lesson in order; note when the completing response arrived."""
    client = trainee.client
    outline = expect(
        client.request("GET", "GET /api/v1/courses/{id}/", f"/api/v1/courses/{course_id}/"), 200, "the outline"
    ).json()
    for lesson_id in [lesson["id"] for module in outline["modules"] for lesson in module["lessons"]]:
        expect(client.request("GET", "GET /api/v1/lessons/{id}/", f"/api/v1/lessons/{lesson_id}/"), 200, "a lesson")
        answer = expect(
            client.request("POST", "POST /api/v1/lessons/{id}/complete/", f"/api/v1/lessons/{lesson_id}/complete/"),
            200,
            "completing a lesson",
        )
    completed_at = time.monotonic()
    enrollments = expect(
        client.request("GET", "GET /api/v1/enrollments/", f"/api/v1/enrollments/?course={course_id}&page_size=500"),
        200,
        "the enrolment",
    ).json()["results"]
    # Their own: a trainee who commands a unit leads it, and sees its officers' enrolments too.
    statuses = [item["status"] for item in enrollments if item["officer"]["id"] == trainee.officer_id]
    if answer.json()["progress"] != 100 or statuses != ["completed"]:
        raise RuntimeError(f"every lesson done, yet the enrolment reads {statuses}: {COURSE_CODE} asks for more now")
    trainee.completed_at = completed_at


def certificate_wait(trainee: Trainee, course_id: int, timeout: float) -> None:
    """Poll the trainee's certificates of the course, then the PDF, until it downloads."""
    client = trainee.client
    while (waited := time.monotonic() - trainee.completed_at) < timeout:
        listed = client.request("GET", "GET /api/v1/certificates/", f"/api/v1/certificates/?course={course_id}")
        if listed is not None and listed.status_code == 200:
            valid = [item for item in listed.json()["results"] if item["status"] == "valid"]
            if valid:
                pdf = client.request("GET", "GET /api/v1/certificates/{code}/pdf/", valid[0]["pdf"])
                if pdf is not None and pdf.status_code == 200 and pdf.content.startswith(b"%PDF"):
                    trainee.certificate_at = time.monotonic()
                    return
        time.sleep(poll_pause(waited))


def trainee_run(trainee: Trainee, course_id: int, *, starts_at: float, timeout: float) -> None:
    time.sleep(max(0.0, starts_at - time.monotonic()))
    try:
        course_take(trainee, course_id)
        certificate_wait(trainee, course_id, timeout)
    except Exception as error:
        trainee.failure = f"{type(error).__name__}: {error}"
    finally:
        trainee.is_settled = True


def readiness_watch(leader: StaffClient, members: list[Trainee], baseline: int, timeout: float) -> None:
    """Poll one unit's readiness while a completed member is not reflected yet: a count of
    baseline + k credits the unit's first k completers (``bench/latency.py``, 3)."""
    while True:
        now = time.monotonic()
        completed = sorted((t for t in members if t.completed_at is not None), key=lambda t: t.completed_at)
        waiting = [t for t in completed if t.readiness_at is None and now - t.completed_at < timeout]
        if not waiting:
            if all(t.is_settled for t in members) and all(
                t.completed_at is None or t.readiness_at is not None or now - t.completed_at >= timeout for t in members
            ):
                return
            time.sleep(POLL_SECONDS)
            continue
        certified = unit_certified(leader, members[0].unit_id)
        seen = time.monotonic()
        if certified is not None:
            for trainee in completed[: max(0, certified - baseline)]:
                if trainee.readiness_at is None:
                    trainee.readiness_at = seen
        time.sleep(poll_pause(seen - waiting[0].completed_at))


def backlog() -> dict:
    """Messages waiting in the broker's queue, and outbox deliveries not done yet."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("redis"):
        import redis

        queued = redis.Redis.from_url(url).llen("celery")
    else:
        folder = settings.BROKER_DIR / "queue"
        queued = sum(1 for _ in folder.iterdir()) if folder.exists() else 0
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING).count()
    connection.close()  # nothing of this process stays open beside the platform's
    return {"queued_messages": queued, "pending_deliveries": pending}


# The run ------------------------------------------------------------------------------------


def trainees_phase(arguments: argparse.Namespace, base_url: str, recorder: Recorder) -> dict:
    course_id, trainees = trainees_choose(arguments.trainees)
    connection.close()
    prepared_from = time.monotonic()
    say(f"{len(trainees)} trainees chosen; activating their accounts and enrolling them over HTTP")
    trainees_prepare(base_url, trainees, course_id, recorder)
    leader = StaffClient(base_url, "demo.leader", recorder)
    leader.token_obtain()
    units: dict[int, list[Trainee]] = defaultdict(list)
    for trainee in trainees:
        units[trainee.unit_id].append(trainee)
    baselines = {unit_id: unit_certified(leader, unit_id) for unit_id in units}
    if None in baselines.values():
        raise RuntimeError(f"demo.leader could not read every unit's readiness: {baselines}")
    at_window = backlog()

    opens = time.monotonic()
    load_at_window = os.getloadavg()[0]
    say(f"the window opens (backlog {at_window}); waiting for every certificate and readiness figure")
    rng = random.Random(2026)
    threads = [
        threading.Thread(
            target=trainee_run,
            args=(trainee, course_id),
            kwargs={
                "starts_at": opens + arguments.window * (index + rng.random()) / len(trainees),
                "timeout": arguments.timeout,
            },
        )
        for index, trainee in enumerate(trainees)
    ]
    threads += [
        threading.Thread(target=readiness_watch, args=(leader.copy(), members, baselines[unit_id], arguments.timeout))
        for unit_id, members in units.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    completed = [t for t in trainees if t.completed_at is not None]
    completions = [t.completed_at for t in completed]
    return {
        "trainees": len(trainees),
        "units": len(units),
        "window_s": arguments.window,
        "preparing_s": round(opens - prepared_from, 1),
        "backlog_at_window": at_window,
        "load_at_window": round(load_at_window, 2),
        "completions": len(completed),
        "completions_span_s": round(max(completions) - min(completions), 1) if completions else None,
        "trainee_phase_s": round(time.monotonic() - opens, 1),
        "certificate": summary([t.seconds(t.certificate_at) for t in completed]),
        "readiness": summary([t.seconds(t.readiness_at) for t in completed]),
        "failed_trainees": sum(bool(t.failure) for t in trainees),
        "failures": [f"{t.service_number}: {t.failure}" for t in trainees if t.failure][:5],
    }


def bulk_phase(arguments: argparse.Namespace, base_url: str, recorder: Recorder) -> dict:
    """``--bulk`` completions without certificates, then an issue run that demo.admin starts
    on the course's page and follows through the API until nothing is pending."""
    course_id = certificate_course_seed(completions=arguments.bulk, prefix=BULK_PREFIX).course.pk
    at_start = backlog()
    say(f"the bulk run of {arguments.bulk} starts (backlog {at_start})")
    admin = StaffClient(base_url, "demo.admin", recorder)
    admin.page_sign_in()
    admin.token_obtain()
    page = f"/courses/{course_id}/certificates/issue/"
    form = expect(admin.request("GET", "GET /courses/{id}/certificates/issue/", page), 200, "the bulk run's form")
    began = time.monotonic()
    started = expect(
        admin.request(
            "POST",
            "POST /courses/{id}/certificates/issue/",
            page,
            data={
                "csrfmiddlewaretoken": CSRF_FIELD.search(form.content)[1].decode(),
                "kind": "issue",
                "session": "",
                "reason": "",
            },
            allow_redirects=False,
            headers={"Referer": base_url + page},
        ),
        302,
        "starting the bulk run",
    )
    run_id = int(re.search(r"/certificate-runs/(\d+)/", started.headers["Location"])[1])
    progress: dict = {}
    seconds = None
    while time.monotonic() - began < arguments.bulk_timeout:
        answer = admin.request("GET", "GET /api/v1/certificate-runs/{id}/", f"/api/v1/certificate-runs/{run_id}/")
        if answer is not None and answer.status_code == 200:
            progress = answer.json()
            if progress["pending"] == 0:
                seconds = round(time.monotonic() - began, 2)
                break
        time.sleep(POLL_SECONDS)
    return {"seconds": seconds, "backlog_at_start": at_start, **progress}


def say(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", flush=True)


def figures_print(figures: dict) -> None:
    def shown(value: float | None) -> str:
        return f"{value:7.2f}" if value is not None else "    n/a"

    print(
        f"{figures['label']}: {figures['trainees']} trainees in {figures['units']} units, "
        f"a {figures['window_s']:.0f} s window"
    )
    print(
        f"  ./dev up seeded {figures['until_seeded_s']:.1f} s after its start (seed_demo {figures['seed_s']:.1f} s) "
        f"and served {figures['seeded_to_serving_s']:.1f} s later; accounts and enrolment over HTTP took "
        f"{figures['preparing_s']:.1f} s"
    )
    print(f"  backlog when the window opened: {figures['backlog_at_window']}")
    print(f"  {'completion ->':28} {'p50 s':>7} {'p95 s':>7} {'max s':>7}  measured  timed out")
    for label, key in (("certificate downloadable", "certificate"), ("unit readiness updated", "readiness")):
        item = figures[key]
        print(
            f"  {label:28} {shown(item['p50_s'])} {shown(item['p95_s'])} {shown(item['max_s'])}  "
            f"{item['measured']:8d}  {item['timed_out']:9d}"
        )
    bulk = figures["bulk"]
    print(
        f"  bulk run of {bulk.get('total', '?')}: start -> 100 % {shown(bulk['seconds']).strip()} s "
        f"({bulk.get('done', '?')} issued, {bulk.get('failed', '?')} failed); backlog at its start "
        f"{bulk['backlog_at_start']}"
    )
    print(
        f"  completions spread over {figures['completions_span_s']} s; failed trainees {figures['failed_trainees']}; "
        f"errors {figures['errors']}; tracebacks {figures['tracebacks']}; load average "
        f"{figures['load_average'][0]} at the window, {figures['load_average'][1]} at the end"
    )
    for failure in figures["failures"]:
        print(f"  failure: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", required=True, help="its name, for the figures")
    parser.add_argument("--trainees", type=int, default=50)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--bulk", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--bulk-timeout", type=float, default=900)
    arguments = parser.parse_args()

    var_dir = Path(settings.VAR_DIR)
    base_url = f"http://127.0.0.1:{os.environ['LMS_PORT']}"
    recorder = Recorder()
    dev = DevUp(var_dir / "dev-up.log")
    say(f"./dev up in {var_dir} on {base_url}")
    try:
        serving = dev.serving(base_url)
        seeded = dev.seeded_at()
        say(f"seeded {seeded - dev.began:.1f} s after the start, serving {serving - seeded:.1f} s later")
        figures = trainees_phase(arguments, base_url, recorder)
        figures["bulk"] = bulk_phase(arguments, base_url, recorder)
    finally:
        dev.stop()
    figures |= {
        "setup": arguments.setup,
        "label": {"defaults": "Defaults (SQLite, filesystem broker)", "postgres": "PostgreSQL + Redis"}.get(
            arguments.setup, arguments.setup
        ),
        "until_seeded_s": round(seeded - dev.began, 1),
        "seed_s": round(seeded - (dev.step_began("Seeding") or dev.began), 1),
        "seeded_to_serving_s": round(serving - seeded, 1),
        "errors": sum(sample.status == 0 or sample.status >= 500 for sample in recorder.samples),
        "tracebacks": len(recorder.tracebacks),
        "load_average": [figures["load_at_window"], round(os.getloadavg()[0], 2)],
    }
    figures_print(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
