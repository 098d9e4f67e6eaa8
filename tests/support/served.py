"""Processes that the load test and the fault drills start: a PostgreSQL cluster of their
own and the project served by gunicorn.

``PrivatePostgres`` is a throwaway cluster on a free port (``initdb`` in a temporary
folder), so that a drill may restart it without touching the PostgreSQL others use. As
root, the cluster runs as the ``postgres`` system user (the server refuses to run as root).
``web_start`` serves ``lms.wsgi`` with ``tests.support.served_settings`` on a database and
broker of the caller's choosing, like ``tests.integration.conftest.worker_start`` does for
workers. ``CpuSampler`` tells how much CPU those processes used while something ran.
"""

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60


def postgres_bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, else Debian's newest version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder, trust authentication on 127.0.0.1 only.

    ``fsync`` is off: a fast shutdown (``restart``) writes everything anyway, and nothing
    here must survive a crash of the machine.
    """

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="lms-pg-"))
        self.data = self.directory / "data"
        self.log_path = self.directory / "postgres.log"
        self.user = "postgres" if os.geteuid() == 0 else None

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        runner = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*runner, *command], check=True, capture_output=True, cwd=self.directory)

    def init(self) -> None:
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w", "start"
        )

    def restart(self) -> None:
        """Fast shutdown (every session is ended, idle ones included), then start again."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


def served_environment(*, database_url: str, broker, media_root: Path, cache_url: str = "") -> dict[str, str]:
    """The environment of a web process on this database and ``Broker``
    (``tests.integration.conftest.Broker``): that of a worker, and the cache."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CELERY_BROKER_")}
    return environment | {
        "DJANGO_SETTINGS_MODULE": "tests.support.served_settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker.url,
        "LMS_TEST_BROKER_TRANSPORT_OPTIONS": json.dumps(broker.extra_options),
        "LMS_VAR_DIR": str(broker.var_dir),
        "LMS_TEST_MEDIA_ROOT": str(media_root),
        "CACHE_URL": cache_url,
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class WebServer:
    """gunicorn serving the project (sync workers, as ``./dev up`` and the README run it)."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def web_start(*, environment: dict[str, str], workers: int, log_path: Path, timeout: int | None = 60) -> WebServer:
    """Start gunicorn on a free port and wait until ``/healthz`` answers. ``timeout``: a
    worker's seconds per request; None leaves it to ``gunicorn.conf.py`` (WEB_TIMEOUT_SECONDS)."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "lms.wsgi", "--bind", f"127.0.0.1:{port}"),
        *("--workers", str(workers), "--graceful-timeout", "5", "--backlog", "512"),
        *(("--timeout", str(timeout)) if timeout is not None else ()),
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = WebServer(process, port, log_path)
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start ({process.returncode}):\n{server.log()}")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(server.base_url + "/healthz", timeout=5) as response,
        ):
            if response.status == 200:
                return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"gunicorn did not answer within {START_SECONDS} s:\n{server.log()}")
        time.sleep(0.2)


# CPU time of processes (Linux /proc), to tell the server's share of a loaded machine ------


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's or a Celery worker's pool)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of one process; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuSampler:
    """CPU seconds used by changing sets of processes while it runs: ``pids()`` is asked
    about once a second (so a process that appears meanwhile, such as a new database
    session, counts from its start; one that ends counts until its last sample)."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]):
        self.groups = groups
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, *, initial: bool) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                value = cpu_seconds(pid)
                if value is None:
                    continue
                self.first.setdefault((name, pid), value if initial else 0.0)
                self.last[(name, pid)] = value

    def _run(self) -> None:
        while not self.stopping.wait(1):
            self._sample(initial=False)

    def __enter__(self) -> "CpuSampler":
        self._sample(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()
        self._sample(initial=False)

    def seconds(self) -> dict[str, float]:
        totals = dict.fromkeys(self.groups, 0.0)
        for (name, pid), value in self.last.items():
            totals[name] += value - self.first[(name, pid)]
        return totals
