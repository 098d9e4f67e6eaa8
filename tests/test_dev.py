"""``./dev up``: what its processes are given and how they stop, run against stand-ins for
Python, Celery and gunicorn that record their arguments and environment (gunicorn then
fails, so ``up`` stops within a second)."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = '#!/usr/bin/env bash\nlog="$(dirname "$0")/../../runs.log"\n'
RECORD = 'echo "$(basename "$0") $* PUBLIC_BASE_URL=${PUBLIC_BASE_URL-unset}" >> "$log"\n'
STAND_INS = {
    # Answers the lock file's digest as python would; every other command succeeds at once.
    "python": SCRIPT + RECORD + 'if [ "${1-}" = "-c" ]; then echo digest; fi\n',
    # `celery -A lms worker|beat ...` runs until it is stopped, and records that it was.
    "celery": SCRIPT + """trap 'echo "celery $3 stopped" >> "$log"; exit 0' TERM\n""" + RECORD + "sleep 20 & wait\n",
    # Fails once both Celery processes have started, as gunicorn would on a port in use.
    "gunicorn": SCRIPT
    + RECORD
    + 'for _ in $(seq 100); do [ "$(grep -c ^celery "$log")" -ge 2 ] && exit 1; sleep 0.1; done\n',
}


def dev_up(tmp_path: Path, **environment: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run a copy of ./dev up in ``tmp_path`` with the stand-ins; returns the run and the
    lines they recorded."""
    shutil.copy(REPO / "dev", tmp_path / "dev")
    (tmp_path / "requirements.lock").write_text("")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, script in STAND_INS.items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    inherited = {name: value for name, value in os.environ.items() if not name.startswith(("LMS_", "PUBLIC_"))}
    process = subprocess.run(
        ["bash", str(tmp_path / "dev"), "up"],
        env=inherited | environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return process, (tmp_path / "runs.log").read_text().splitlines()


def started(lines: list[str]) -> dict[str, str]:
    """The seed and the three processes ``up`` serves with -> the PUBLIC_BASE_URL each saw."""
    kinds = {
        "python manage.py seed_demo": "seed",
        "celery -A lms worker": "worker",
        "celery -A lms beat": "beat",
        "gunicorn lms.wsgi": "web",
    }
    seen = {}
    for line in lines:
        for start, kind in kinds.items():
            if line.startswith(start):
                seen[kind] = line.rpartition("PUBLIC_BASE_URL=")[2]
    return seen


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"LMS_PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"LMS_HOST": "localhost", "LMS_PORT": "9000"}, "http://localhost:9000"),
        ({"LMS_HOST": "0.0.0.0", "LMS_PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"LMS_PORT": "8123", "PUBLIC_BASE_URL": "https://lms.example.org"}, "https://lms.example.org"),
    ],
)
def test_up_gives_its_processes_the_address_it_serves_unless_one_is_set(tmp_path, environment, expected):
    _, lines = dev_up(tmp_path, **environment)

    seen = started(lines)

    assert seen == {"seed": expected, "worker": expected, "beat": expected, "web": expected}


def test_up_stops_the_others_when_one_process_stops(tmp_path):
    """gunicorn exits (say, its port is taken): the worker and beat are stopped too, and
    ./dev returns gunicorn's failure, instead of waiting on with them still running."""
    began = time.monotonic()

    process, lines = dev_up(tmp_path)

    assert time.monotonic() - began < 15
    assert process.returncode == 1
    assert sorted(line for line in lines if line.endswith("stopped")) == [
        "celery beat stopped",
        "celery worker stopped",
    ]
