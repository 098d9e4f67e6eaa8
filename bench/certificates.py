"""Certificate benchmark: one full render against baseline B, and a bulk run through real workers.

    .venv/bin/python bench/certificates.py [--renders 300] [--rounds 3] [--bulk 2000] [--workers 2]

Baseline B is ``baseline_ms()`` of ``../shared/bench/certificate_baseline.py`` (a bare
in-memory ReportLab page with Helvetica text and a vector QR code), measured in this
process and run. Figures:

- ``render_ms``: one full certificate, ``certificates.pdf.certificate_pdf`` plus its
  SHA-256, of an unsaved ``Certificate`` as issuing builds it: a holder name of its own
  on every page (Latin with diacritics, one in six Arabic; ``tests/support/certificates``),
  a course title, three competencies, two signatories, the platform emblem (no issuer
  logo), an expiry date, the verification code in text and QR, PDF metadata.
  ``render_ratio`` = render_ms / baseline_ms (target: at most 2). Rounds alternate the
  two; each figure is the median of its rounds' means. ``render_logo_ms`` (a PNG issuer
  logo) and ``render_bilingual_ms`` (English and French) are for information, and so are
  the ``*_cpu_ms`` figures: CPU time of this process, which other load on the machine
  does not inflate as it does wall time.
- ``bulk_seconds``: from just before creating one bulk run (``certificates.runs
  .issue_run_create``) over ``--bulk`` eligible completions to its ``finished_at``,
  through ``--workers`` real ``celery worker`` processes (one pool process each) on Redis
  and PostgreSQL: rendering, storage, serials, events and the holders' notifications
  (their e-mails are deliveries queued behind the run's chunks, so they go out after it).
  The workers are warmed first by a run of 100 for another course (a long-lived worker
  has its fonts loaded). ``bulk_ratio`` = bulk_seconds / (bulk x B / workers) (target: at
  most 2). ``worker_cpu_ms_per_certificate`` (all worker processes) and
  ``database_cpu_ms_per_certificate`` (the workers' PostgreSQL sessions, when the server
  runs on this machine) show where the time goes; ``bulk_cpu_ratio`` = the workers' CPU
  per certificate / B's CPU is about what ``bulk_ratio`` would be with a core per worker
  and nothing else running. ``rss_start_mb``/``rss_mid_mb``/``rss_end_mb``: resident memory
  of the worker processes (VmRSS, main and pool processes summed) when the run starts,
  when half is issued and at the end, to show it stays flat; ``rss_max_mb`` the peak.
  ``baseline_after_bulk_ms`` measures B again after the run, to show load drift.

PostgreSQL is ``DATABASE_URL`` when it names one, else postgres://postgres@127.0.0.1:5432/;
a database ``bench_certificates`` is created there and dropped at the end. Redis is
``CELERY_BROKER_URL`` when it names one, else redis://127.0.0.1:6379, on an empty
database number, under a key prefix of this run (its keys are deleted at the end). The
workers run with ``tests.support.worker_settings`` (the test settings: e-mail kept in
memory). The ``bulk_*``, ``rss_*`` and CPU figures are null when either service is
unreachable. It prints the figures, then one JSON line.
"""

import argparse
import contextlib
import datetime
import hashlib
import io
import json
import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "shared" / "bench"))
VAR_DIR = Path(tempfile.mkdtemp(prefix="lms-bench-"))
os.environ["LMS_VAR_DIR"] = str(VAR_DIR)
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"

import psycopg  # noqa: E402
import redis  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
BENCH_DATABASE = "bench_certificates"
WORKER_START_SECONDS = 120


def postgres_url() -> str | None:
    """The PostgreSQL server to use, if one answers (its URL), else None."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    maintenance = urlsplit(url)._replace(scheme="postgresql", path="/postgres").geturl()
    try:
        psycopg.connect(maintenance, connect_timeout=3).close()
    except psycopg.Error:
        return None
    return url


def redis_url() -> str | None:
    """An empty database on the Redis server to use, if one answers, else None."""
    configured = os.environ.get("CELERY_BROKER_URL", "")
    url = configured if configured.startswith(("redis://", "rediss://")) else DEFAULT_REDIS_URL
    try:
        for number in range(15, -1, -1):
            candidate = urlsplit(url)._replace(path=f"/{number}").geturl()
            if redis.Redis.from_url(candidate, socket_connect_timeout=2, socket_timeout=2).dbsize() == 0:
                return candidate
    except redis.RedisError:
        return None
    return url  # every database holds keys: share one, the key prefix keeps the run apart


POSTGRES_URL = postgres_url()
if POSTGRES_URL:
    os.environ["DATABASE_URL"] = POSTGRES_URL

import django  # noqa: E402

django.setup()
# Instantiating the variable fonts into this run's font cache is worth no log lines here.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("lms.pdf").setLevel(logging.WARNING)

from certificate_baseline import baseline_ms  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from certificates.codes import code_new  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from certificates.pdf import certificate_pdf  # noqa: E402
from certificates.runs import issue_run_create, issue_run_progress  # noqa: E402
from lms.settings.base import broker_transport_options  # noqa: E402
from tests.support.broker import celery_broker  # noqa: E402
from tests.support.certificates import COURSE_TITLE, SIGNATORIES, certificate_course_seed, officer_name  # noqa: E402

WARM_UP_NAMES = 5000  # officer_name() indices of warm-ups, apart from those measured


# Rendering -------------------------------------------------------------------------------


def holder_name(index: int) -> str:
    return " ".join(officer_name(index))


def sample_certificate(index: int, *, bilingual: bool = False) -> Certificate:
    """An unsaved certificate with what issuing copies into one."""
    issued_at = timezone.now()
    return Certificate(
        code=code_new(),
        serial=index + 1,
        holder_name=holder_name(index),
        holder_service_number=f"NNP-{index:06d}",
        course_code="POC-101",
        course_title=COURSE_TITLE,
        course_title_translated="Protection des civils et droits humains dans l'action policière" if bilingual else "",
        languages=["en", "fr"] if bilingual else ["en"],
        competencies=["POC", "HR", "COP"],
        signatories=[{"name": name, "title": title} for name, title in SIGNATORIES],
        issuer_name="United Nations Integrated Mission in Numara",
        issued_at=issued_at,
        expires_on=(issued_at + datetime.timedelta(days=730)).date(),
    )


def issuer_logo() -> bytes:
    """A PNG logo of the size an organisation would upload (1200 x 400, colour, alpha)."""
    image = Image.new("RGBA", (1200, 400), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 380, 380), fill=(0, 92, 169, 255))
    draw.rectangle((420, 120, 1180, 280), fill=(30, 60, 110, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class Timing:
    """Mean milliseconds per render: wall clock, and CPU time of this process (which the
    load of other processes on the machine does not inflate)."""

    wall_ms: float
    cpu_ms: float


def timed(function, count: int) -> Timing:
    began, began_cpu = time.perf_counter(), time.process_time()
    function()
    return Timing((time.perf_counter() - began) * 1000 / count, (time.process_time() - began_cpu) * 1000 / count)


def render(count: int, *, logo: bytes | None = None, bilingual: bool = False, start: int = 0) -> Timing:
    """One render plus hash (the certificates are built beforehand)."""
    certificates = [sample_certificate(start + index, bilingual=bilingual) for index in range(count)]

    def render_all() -> None:
        for certificate in certificates:
            hashlib.sha256(certificate_pdf(certificate, logo=logo)).hexdigest()

    return timed(render_all, count)


def baseline(count: int) -> Timing:
    """Baseline B; its own mean is the wall figure, the CPU figure includes its 10 warm-up renders."""
    wall: list[float] = []
    timing = timed(lambda: wall.append(baseline_ms(n=count)), count + 10)
    return Timing(wall[0], timing.cpu_ms)


@dataclass
class RenderFigures:
    render: Timing
    baseline: Timing
    logo: Timing
    bilingual: Timing
    pdf_bytes: int


def render_figures(renders: int, rounds: int) -> RenderFigures:
    """Every render has a holder name of its own (``officer_name`` indices never repeat)."""
    logo = issuer_logo()
    for bilingual in (False, True):  # warm-up: fonts, shaping of the fixed texts, the logo
        render(20, bilingual=bilingual, start=WARM_UP_NAMES + 20 * bilingual)
    render(5, logo=logo, start=WARM_UP_NAMES + 40)
    baseline_rounds, render_rounds = [], []
    for number in range(rounds):
        baseline_rounds.append(baseline(renders))
        render_rounds.append(render(renders, start=number * renders))

    def median(timings: list[Timing]) -> Timing:
        return Timing(statistics.median(t.wall_ms for t in timings), statistics.median(t.cpu_ms for t in timings))

    half, measured = renders // 2, rounds * renders
    return RenderFigures(
        render=median(render_rounds),
        baseline=median(baseline_rounds),
        logo=render(half, logo=logo, start=measured),
        bilingual=render(half, bilingual=True, start=measured + half),
        pdf_bytes=len(certificate_pdf(sample_certificate(0))),
    )


# Workers ---------------------------------------------------------------------------------


def database_url() -> str:
    """The URL of the benchmark database (after ``create_test_db``), for the workers."""
    database = connection.settings_dict
    user = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        user += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    return f"postgres://{user}@{host}:{database['PORT'] or 5432}/{quote(database['NAME'], safe='')}"


def rss_mb(pids: list[int]) -> float:
    """VmRSS of the processes, in MiB (0 for a process that is gone)."""
    total_kib = 0
    for process in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
    return total_kib / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes (those that are gone count 0)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def database_backends() -> list[int]:
    """Process ids of the other sessions on the benchmark database (the workers')."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _children(pid: int) -> list[int]:
    return [
        int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and _parent(int(entry.name)) == pid
    ]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Workers:
    broker_url: str
    transport_options: dict
    media_root: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)  # main and pool processes, once started

    def start(self, count: int) -> None:
        environment = {name: value for name, value in os.environ.items() if not name.startswith("CELERY_BROKER_")}
        environment |= {
            "DJANGO_SETTINGS_MODULE": "tests.support.worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "LMS_TEST_BROKER_TRANSPORT_OPTIONS": json.dumps(self.transport_options),
            "LMS_TEST_MEDIA_ROOT": str(self.media_root),
            "LMS_VAR_DIR": str(VAR_DIR),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        for number in range(count):
            log = VAR_DIR / f"worker-{number + 1}.log"
            command = [
                *(sys.executable, "-m", "celery", "-A", "lms", "worker"),
                *("--pool", "prefork", "--concurrency", "1", "--queues", "celery", "--loglevel", "WARNING"),
                *("--hostname", f"bench-{number + 1}-{uuid.uuid4().hex[:6]}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ]
            with log.open("ab") as output:
                self.processes.append(
                    subprocess.Popen(
                        command,
                        cwd=ROOT,
                        env=environment,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            self.logs.append(log)
        deadline = time.monotonic() + WORKER_START_SECONDS
        # The pool process is forked once the worker is up: wait for it.
        while not all(_children(process.pid) for process in self.processes):
            if any(process.poll() is not None for process in self.processes) or time.monotonic() > deadline:
                raise SystemExit("A worker did not start:\n" + "\n".join(log.read_text() for log in self.logs))
            time.sleep(0.2)
        # The pool keeps its process (no task or memory limit per child): find them once.
        self.pids = [pid for process in self.processes for pid in (process.pid, *_children(process.pid))]

    def rss_mb(self) -> float:
        return rss_mb(self.pids)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# Bulk ------------------------------------------------------------------------------------


@dataclass
class BulkFigures:
    bulk_seconds: float
    rss_start_mb: float
    rss_mid_mb: float
    rss_end_mb: float
    rss_max_mb: float
    warmup_seconds: float
    worker_cpu_seconds: float
    database_cpu_seconds: float | None
    bench_cpu_seconds: float


def run_until_issued(course, *, expected: int, workers: Workers, samples: list[tuple[int, float]]) -> float:
    """Create a bulk run of the course, wait until every item is settled, and return the
    seconds from just before its creation to its ``finished_at`` (set by the worker that
    settles the last chunk), so that how often this process looks does not matter. It
    looks twice a second, and notes (items settled, worker RSS) each time."""
    began = timezone.now()
    run = issue_run_create(course=course, actor=None)
    while True:
        progress = issue_run_progress(run)
        samples.append((progress.total - progress.pending, workers.rss_mb()))
        if progress.is_finished:
            break
        if (timezone.now() - began).total_seconds() > 3600:
            raise SystemExit(f"The run is not finished after an hour: {progress}")
        time.sleep(0.5)
    if (progress.total, progress.done) != (expected, expected):
        raise SystemExit(f"The run did not issue every certificate: {progress}")
    run.refresh_from_db()
    return (run.finished_at - began).total_seconds()


def bulk_figures(*, count: int, worker_count: int, broker_url: str) -> BulkFigures:
    warmup = certificate_course_seed(completions=100, prefix="WARM", first_name=count)
    seed = certificate_course_seed(completions=count, prefix="BULK")
    transport_options = {"global_keyprefix": f"lms-bench-{uuid.uuid4().hex}:"}
    workers = Workers(broker_url, transport_options, Path(settings.MEDIA_ROOT))
    options = broker_transport_options(broker_url, VAR_DIR / "broker") | transport_options
    try:
        with celery_broker(broker_url, options):
            workers.start(worker_count)
            warmup_seconds = run_until_issued(warmup.course, expected=100, workers=workers, samples=[])
            samples: list[tuple[int, float]] = []
            backends = database_backends()
            cpu_before = (cpu_seconds(workers.pids), cpu_seconds(backends), time.process_time())
            bulk_seconds = run_until_issued(seed.course, expected=count, workers=workers, samples=samples)
            cpu_after = (cpu_seconds(workers.pids), cpu_seconds(backends), time.process_time())
            # The database's share is known only when it runs on this machine.
            is_local = all(Path(f"/proc/{pid}").exists() for pid in backends) and bool(backends)
    finally:
        workers.stop()
        client = redis.Redis.from_url(broker_url)
        for key in client.scan_iter(match=f"{transport_options['global_keyprefix']}*"):
            client.delete(key)
    issued = Certificate.objects.filter(course=seed.course)
    if issued.count() != count or issued.values("completion").distinct().count() != count:
        raise SystemExit("The bulk run did not issue exactly one certificate per completion.")
    middle = min(samples, key=lambda sample: abs(sample[0] - count / 2))
    return BulkFigures(
        bulk_seconds=bulk_seconds,
        rss_start_mb=samples[0][1],
        rss_mid_mb=middle[1],
        rss_end_mb=samples[-1][1],
        rss_max_mb=max(rss for _, rss in samples),
        warmup_seconds=warmup_seconds,
        worker_cpu_seconds=cpu_after[0] - cpu_before[0],
        database_cpu_seconds=cpu_after[1] - cpu_before[1] if is_local else None,
        bench_cpu_seconds=cpu_after[2] - cpu_before[2],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=300, help="renders per round (baseline and certificate)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bulk", type=int, default=2000, help="certificates of the bulk run")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the bulk run")
    arguments = parser.parse_args()

    figures = render_figures(arguments.renders, arguments.rounds)
    render_ratio = figures.render.wall_ms / figures.baseline.wall_ms
    print(f"Certificate benchmark: {arguments.rounds} rounds of {arguments.renders} renders (wall, CPU)")
    print(f"  baseline B (bare ReportLab page)  {figures.baseline.wall_ms:7.2f} ms  {figures.baseline.cpu_ms:7.2f} ms")
    print(
        f"  full certificate + SHA-256        {figures.render.wall_ms:7.2f} ms  {figures.render.cpu_ms:7.2f} ms  "
        f"({render_ratio:.2f} x B; target <= 2; {figures.pdf_bytes / 1024:.1f} KiB)"
    )
    print(f"    with a PNG issuer logo          {figures.logo.wall_ms:7.2f} ms  {figures.logo.cpu_ms:7.2f} ms")
    print(
        f"    bilingual (English and French)  {figures.bilingual.wall_ms:7.2f} ms  {figures.bilingual.cpu_ms:7.2f} ms"
    )

    bulk: BulkFigures | None = None
    after: Timing | None = None
    broker_url = redis_url()
    if POSTGRES_URL is None or broker_url is None:
        missing = " and ".join(
            name for name, url in (("PostgreSQL", POSTGRES_URL), ("Redis", broker_url)) if url is None
        )
        print(f"  bulk: skipped, {missing} not reachable")
    else:
        bulk = bulk_figures(count=arguments.bulk, worker_count=arguments.workers, broker_url=broker_url)
        after = baseline(arguments.renders)
        print_bulk(bulk, figures, after, arguments)

    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    def per_certificate_ms(seconds: float | None) -> float | None:
        return None if seconds is None else seconds * 1000 / arguments.bulk

    target_seconds = arguments.bulk * figures.baseline.wall_ms / arguments.workers / 1000
    worker_cpu_ms = per_certificate_ms(bulk and bulk.worker_cpu_seconds)
    print(
        json.dumps(
            {
                "render_ms": round(figures.render.wall_ms, 3),
                "baseline_ms": round(figures.baseline.wall_ms, 3),
                "render_ratio": round(render_ratio, 3),
                "render_cpu_ms": round(figures.render.cpu_ms, 3),
                "baseline_cpu_ms": round(figures.baseline.cpu_ms, 3),
                "render_logo_ms": round(figures.logo.wall_ms, 3),
                "render_bilingual_ms": round(figures.bilingual.wall_ms, 3),
                "pdf_bytes": figures.pdf_bytes,
                "bulk_certificates": arguments.bulk if bulk else None,
                "bulk_workers": arguments.workers if bulk else None,
                "bulk_seconds": rounded(bulk and bulk.bulk_seconds, 2),
                "bulk_ratio": rounded(bulk and bulk.bulk_seconds / target_seconds, 3),
                "bulk_cpu_ratio": rounded(worker_cpu_ms and worker_cpu_ms / figures.baseline.cpu_ms, 3),
                "baseline_after_bulk_ms": rounded(after and after.wall_ms, 3),
                "worker_cpu_ms_per_certificate": rounded(worker_cpu_ms, 2),
                "database_cpu_ms_per_certificate": rounded(per_certificate_ms(bulk and bulk.database_cpu_seconds), 2),
                "rss_start_mb": rounded(bulk and bulk.rss_start_mb, 1),
                "rss_mid_mb": rounded(bulk and bulk.rss_mid_mb, 1),
                "rss_end_mb": rounded(bulk and bulk.rss_end_mb, 1),
                "rss_max_mb": rounded(bulk and bulk.rss_max_mb, 1),
            }
        )
    )


def print_bulk(bulk: BulkFigures, figures: RenderFigures, after: Timing, arguments: argparse.Namespace) -> None:
    count, workers = arguments.bulk, arguments.workers
    target_seconds = count * figures.baseline.wall_ms / workers / 1000
    per_certificate = 1000 / count
    worker_cpu_ms = bulk.worker_cpu_seconds * per_certificate
    database_cpu = (
        "unknown (not on this machine)"
        if bulk.database_cpu_seconds is None
        else f"{bulk.database_cpu_seconds * per_certificate:.1f} ms"
    )
    print(
        f"  bulk: {count} certificates, {workers} workers on PostgreSQL + Redis "
        f"(after a warm-up run of 100: {bulk.warmup_seconds:.1f} s)"
    )
    print(
        f"    wall time                       {bulk.bulk_seconds:7.2f} s  "
        f"({bulk.bulk_seconds / target_seconds:.2f} x {count} x B / {workers}; target <= 2)"
    )
    print(
        f"    {count / bulk.bulk_seconds:.1f} certificates/s, "
        f"{bulk.bulk_seconds * workers * 1000 / count:.1f} ms of wall time per certificate per worker"
    )
    print(
        f"    CPU per certificate: workers {worker_cpu_ms:.1f} ms ({worker_cpu_ms / figures.baseline.cpu_ms:.2f} x B's "
        f"CPU), PostgreSQL {database_cpu}, this process (polling) {bulk.bench_cpu_seconds * per_certificate:.1f} ms"
    )
    print(f"    baseline B measured again after the run: {after.wall_ms:.2f} ms (machine load drift)")
    print(
        f"    worker RSS start / middle / end {bulk.rss_start_mb:7.1f} / {bulk.rss_mid_mb:.1f} / "
        f"{bulk.rss_end_mb:.1f} MiB (peak {bulk.rss_max_mb:.1f})"
    )


if __name__ == "__main__":
    database_ready = False
    if POSTGRES_URL:
        connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
        original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        database_ready = True
    try:
        main()
    finally:
        if database_ready:
            connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(VAR_DIR, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)  # the test settings' temporary folder
