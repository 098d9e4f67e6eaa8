"""Latency as a newcomer meets it: completion -> certificate, completion -> readiness, a bulk run.

    .venv/bin/python bench/latency.py [--trainees 50] [--window 60] [--bulk 500]
        [--setups defaults,postgres] [--timeout 300] [--no-targets] [--keep]

For each setup, one after the other, ``bench/latency_run.py`` runs ``./dev up`` itself in a
scratch ``LMS_VAR_DIR`` on a spare ``LMS_PORT`` (install check, migrate, collectstatic,
``seed_demo``, then gunicorn with two workers, a Celery worker of concurrency 2 and beat),
so the platform is started exactly as a newcomer starts it, in the environment of the
calling shell, less what would point it elsewhere:

- **defaults**: ``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``CACHE_URL`` dropped: the
  SQLite file, the filesystem broker and the file cache in the scratch folder (so the CI
  job on PostgreSQL measures the defaults too);
- **postgres**: a throwaway database ``bench_latency_<pid>`` on the server of
  ``DATABASE_URL`` when that names PostgreSQL, else postgres://postgres@127.0.0.1:5432/;
  broker (db 0) and cache (db 1) on a redis-server of this run on a spare port
  (``tests.integration.conftest.RedisServer``).

Measuring starts once ``./dev up`` reports the seed done (its next step begins): the
backlog that seeding leaves for the worker is part of what is measured, as it is part of a
newcomer's first minutes.

1. **Trainees** (``--trainees``): demo officers without an account, not enrolled in COP-101
   and holding no valid certificate with its competency COP, active and not excluded by
   vetting, in leaf units (so no trainee's figure is another's roll-up) whose profile counts
   every eligible officer for COP; taken in turn from each such unit. Over HTTP, before the
   window: demo.trainer issues each an activation code, each activates their account (a
   token), demo.trainer enrols them in COP-101, demo.leader reads their units' readiness
   (the baseline). In the window (``--window`` s) each trainee starts in a slot of its own
   (stratified: completions spread evenly) and reads then completes every lesson
   (``GET /api/v1/lessons/<id>/``, ``POST .../complete/``); the response to the last one is
   the completion (the enrolment must then read "completed").
2. **completion -> certificate downloadable**: until the trainee, polling ``GET
   /api/v1/certificates/?course=<id>`` with their token, sees a valid certificate and ``GET``
   its ``pdf`` path answers 200 with a PDF.
3. **completion -> readiness updated**: until demo.leader's ``GET
   /api/v1/readiness/units/<unit>/`` shows the unit's COP ``certified`` raised by this
   trainee. Syncs recompute from the records, so baseline + k means k of the unit's trainees
   are counted: the k-th to complete is credited then (never before their completion).
   Both poll every 0.25 s, and every 5 % of the wait once that is longer than 5 s: a figure
   is within 0.25 s or 5 %, and a backlog gets no second one from the bench's own polling.
4. **bulk start -> 100 %**: then ``certificate_course_seed`` (tests/support/certificates.py)
   writes a course with ``--bulk`` completions (no certificate, no event); demo.admin starts
   an issue run on its page (``/courses/<id>/certificates/issue/``) and polls ``GET
   /api/v1/certificate-runs/<id>/`` every 0.25 s: from sending the form to nothing pending.

Targets, on each setup: certificate p95 <= 5 s, readiness p95 <= 15 s, the bulk run <= 60
s, every trainee measured, no error; with both setups, the defaults' figures within 2 x of
PostgreSQL + Redis. It prints each setup's figures, the ratios, then one JSON line (the
defaults' figures under their names, PostgreSQL's prefixed ``pg_``, ``ratio_*``), and
exits 1 when a target is missed (``--no-targets``: report only) or 2 when a run broke.
``tests/integration/test_latency.py`` runs it small in CI.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHELL_ENVIRONMENT = dict(os.environ)
RUN_DIR = Path(tempfile.mkdtemp(prefix="lms-latency-"))
os.environ["LMS_VAR_DIR"] = str(RUN_DIR)  # the settings that the helpers below import write nothing to var/

from tests.integration.conftest import RedisServer  # noqa: E402
from tests.support.served import free_port  # noqa: E402

SETUPS = ("defaults", "postgres")
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
TARGETS = {"certificate_p95_s": 5.0, "readiness_p95_s": 15.0, "bulk_s": 60.0}
RATIO_TARGET = 2.0
RATIOS = {"certificate": "certificate_p95_s", "readiness": "readiness_p95_s", "bulk": "bulk_s"}  # of the defaults / pg_
POLL_SECONDS = 0.25
# What the calling shell may set that would point the platform at another database,
# broker, cache, folder or port than this run's.
PLATFORM_VARIABLES = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "LMS_VAR_DIR", "LMS_PORT", "LMS_HOST")
PLATFORM_PREFIXES = ("CELERY_BROKER_", "LMS_TEST_", "MEDIA_ROOT", "STATIC_ROOT")


class Setup:
    """What one setup runs on: its scratch folder, port and environment; for PostgreSQL +
    Redis, the throwaway database and the redis-server, removed by ``close``."""

    def __init__(self, name: str):
        self.name = name
        self.var_dir = RUN_DIR / name
        self.var_dir.mkdir()
        self.redis: RedisServer | None = None
        self.database: tuple[str, str] | None = None  # (maintenance URL, name)
        self.environment = {
            key: value
            for key, value in SHELL_ENVIRONMENT.items()
            if key not in PLATFORM_VARIABLES and not key.startswith(PLATFORM_PREFIXES)
        } | {"LMS_VAR_DIR": str(self.var_dir), "LMS_PORT": str(free_port())}

    def open(self) -> None:
        if self.name != "postgres":
            return
        server = SHELL_ENVIRONMENT.get("DATABASE_URL", "")
        if not server.startswith(("postgres://", "postgresql://")):
            server = DEFAULT_POSTGRES_URL
        name = f"bench_latency_{os.getpid()}"
        maintenance = urlsplit(server)._replace(path="/postgres").geturl()
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        self.database = (maintenance, name)
        self.redis = RedisServer(self.var_dir)
        self.redis.start()
        self.environment |= {
            "DATABASE_URL": urlsplit(server)._replace(path=f"/{name}").geturl(),
            "CELERY_BROKER_URL": self.redis.url,
            "CACHE_URL": self.redis.url.removesuffix("/0") + "/1",
        }

    def close(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.database is not None:
            maintenance, name = self.database
            with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_figures(arguments: argparse.Namespace, name: str) -> dict:
    """Run ``bench/latency_run.py`` on the setup, echoing its lines; its last is its JSON."""
    setup = Setup(name)
    try:
        setup.open()
        command = [sys.executable, "-u", str(ROOT / "bench" / "latency_run.py"), "--setup", name]
        for option in ("trainees", "window", "bulk", "timeout", "bulk_timeout"):
            command += [f"--{option.replace('_', '-')}", str(getattr(arguments, option))]
        process = subprocess.Popen(
            command, cwd=ROOT, env=setup.environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if not line.startswith("{"):
                print(line, end="", flush=True)
        process.wait()
        if process.returncode != 0 or not lines or not lines[-1].startswith("{"):
            raise RuntimeError(f"the {name} setup broke ({process.returncode}); logs in {setup.var_dir}")
        return json.loads(lines[-1])
    finally:
        setup.close()


def checks(figures: dict) -> dict[str, bool]:
    bulk = figures["bulk"]
    return {
        "certificate_p95": within(figures["certificate"]["p95_s"], TARGETS["certificate_p95_s"]),
        "readiness_p95": within(figures["readiness"]["p95_s"], TARGETS["readiness_p95_s"]),
        "bulk": within(bulk["seconds"], TARGETS["bulk_s"]) and bulk.get("done") == bulk.get("total"),
        "every_trainee_measured": figures["completions"] == figures["trainees"]
        and figures["certificate"]["timed_out"] == figures["readiness"]["timed_out"] == 0
        and figures["failed_trainees"] == 0,
        "no_error": figures["errors"] == figures["tracebacks"] == 0,
    }


def within(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, a reference under one polling step counting as one step."""
    if value is None or reference is None:
        return None
    return round(value / max(reference, POLL_SECONDS), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=50)
    parser.add_argument("--window", type=float, default=60, help="seconds over which the trainees complete")
    parser.add_argument("--bulk", type=int, default=500, help="certificates in the bulk run")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of {', '.join(SETUPS)}")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a trainee waits for each measure")
    parser.add_argument("--bulk-timeout", type=float, default=900, help="seconds the bulk run is waited for")
    parser.add_argument("--no-targets", action="store_true", help="report only: exit 0 whatever the figures")
    parser.add_argument("--keep", action="store_true", help=f"keep the scratch folders (logs) under {RUN_DIR}")
    arguments = parser.parse_args()
    setups = [name.strip() for name in arguments.setups.split(",") if name.strip()]
    if not setups or set(setups) - set(SETUPS):
        parser.error(f"--setups takes some of {', '.join(SETUPS)}")

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()
    print(
        f"Latency bench, {started}: {arguments.trainees} trainees, a bulk run of {arguments.bulk}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    results = {name: setup_figures(arguments, name) for name in setups}

    report: dict = {"started": started, "trainees": arguments.trainees, "bulk_size": arguments.bulk}
    met: dict[str, bool] = {}
    for name, figures in results.items():
        prefix = "" if name == "defaults" else "pg_"
        for measure in ("certificate", "readiness"):
            for key in ("p50_s", "p95_s", "max_s"):
                report[f"{prefix}{measure}_{key}"] = figures[measure][key]
        report[f"{prefix}bulk_s"] = figures["bulk"]["seconds"]
        met |= {f"{prefix}{check}": ok for check, ok in checks(figures).items()}
    if len(results) == len(SETUPS):
        print(f"Defaults / PostgreSQL + Redis (target: at most {RATIO_TARGET:g}):")
        for measure, key in RATIOS.items():
            report[f"ratio_{measure}"] = value = ratio(report[key], report[f"pg_{key}"])
            met[f"ratio_{measure}"] = value is not None and value <= RATIO_TARGET
            print(f"  {measure:12} {value if value is not None else 'n/a'}")
    report["load_average_end"] = round(os.getloadavg()[0], 2)
    report["targets_met"] = met
    report["setups"] = results
    missed = sorted(check for check, ok in met.items() if not ok)
    print(f"Targets: {'all met' if not missed else 'missed: ' + ', '.join(missed)}")
    print(json.dumps(report))
    return 1 if missed and not arguments.no_targets else 0


if __name__ == "__main__":
    status = 2
    try:
        status = main()
    except Exception as error:  # a broken run is never mistaken for a missed target
        print(f"latency: {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        if "--keep" not in sys.argv:
            shutil.rmtree(RUN_DIR, ignore_errors=True)
    sys.exit(status)
