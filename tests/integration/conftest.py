"""Real processes for integration tests: Celery workers and a private redis-server.

A worker runs ``celery -A lms worker`` with ``tests.support.worker_settings`` on the test
database of this process (so tests here use ``django_db(transaction=True)``: the worker
sees committed rows only) and on a broker that this process publishes to as well:

- the environment's CELERY_BROKER_URL when it is ``redis://``, under a key prefix of its
  own, so that nothing shared is read or flushed;
- otherwise a filesystem broker in a temporary folder.

A test that needs a service which is absent skips with the reason, or fails when
LMS_REQUIRE_SERVICES=1 (CI sets it, so that CI cannot pass by skipping).
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TypeVar
from urllib.parse import quote, urlsplit

import pytest
import redis
from django.db import connection

from lms.settings.base import broker_transport_options
from tests.support.broker import celery_broker
from tests.support.events import EVENT_HANDLERS

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 30
T = TypeVar("T")


def require(condition: object, reason: str) -> None:
    """Skip the test for a missing service, or fail it when CI requires every service."""
    if condition:
        return
    if os.environ.get("LMS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (LMS_REQUIRE_SERVICES=1 turns this skip into a failure)", pytrace=False)
    pytest.skip(reason)


def wait_until(condition: Callable[[], T], what: str, timeout: float = DEADLINE_SECONDS) -> T:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = "".join(f"\n  {worker.log_path}" for worker in Worker.started)
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}. Worker logs:{logs}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def without_password(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def database_url() -> str:
    """The URL of the test database that this process uses (it exists once django_db_setup ran)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        user = quote(settings["USER"], safe="")
        if settings["PASSWORD"]:
            user += ":" + quote(settings["PASSWORD"], safe="")
        host = settings["HOST"] or "localhost"
        return f"postgres://{user}@{host}:{settings['PORT'] or 5432}/{quote(settings['NAME'], safe='')}"
    raise NotImplementedError(f"No worker for a {connection.vendor} test database.")


# Brokers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Broker:
    """A broker both this process and its workers use.

    ``var_dir`` becomes the worker's LMS_VAR_DIR (a filesystem broker's folders live under
    it, as in production); ``extra_options`` reach the worker as JSON.
    """

    url: str
    var_dir: Path
    extra_options: dict = field(default_factory=dict)

    @property
    def transport_options(self) -> dict:
        return broker_transport_options(self.url, self.var_dir / "broker") | self.extra_options

    def publishing(self) -> AbstractContextManager[None]:
        """Point this process's Celery app at this broker."""
        return celery_broker(self.url, self.transport_options)

    def isolated(self, var_dir: Path) -> "Broker":
        """The same server, with queues that nobody else reads."""
        if self.url.startswith("filesystem://"):
            return Broker(self.url, var_dir, self.extra_options)
        return Broker(self.url, var_dir, self.extra_options | {"global_keyprefix": f"lms-test-{uuid.uuid4().hex}:"})

    def discard(self) -> None:
        """Delete this broker's keys from a shared Redis (only those under its own prefix)."""
        prefix = self.extra_options.get("global_keyprefix")
        if prefix:
            client = redis.Redis.from_url(self.url)
            for key in client.scan_iter(match=f"{prefix}*"):
                client.delete(key)


def shared_server_broker(var_dir: Path) -> Broker:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if url.startswith(("redis://", "rediss://")):
        require(redis_answers(url), f"Redis at {without_password(url)} (CELERY_BROKER_URL) does not answer")
        return Broker(url, var_dir).isolated(var_dir)
    # The worker polls the folder; the default second would only slow the tests down.
    return Broker("filesystem://", var_dir, {"polling_interval": 0.1})


@pytest.fixture(scope="session")
def shared_broker(tmp_path_factory) -> Iterator[Broker]:
    broker = shared_server_broker(tmp_path_factory.mktemp("shared-broker"))
    yield broker
    broker.discard()


@pytest.fixture
def private_broker(shared_broker, tmp_path) -> Iterator[Broker]:
    """On the shared server, but unseen by the session's worker."""
    broker = shared_broker.isolated(tmp_path / "private-broker")
    yield broker
    broker.discard()


class RedisServer:
    """A redis-server of this test's own, which the test may stop and start again."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.password = uuid.uuid4().hex
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            *("--requirepass", self.password, "--dir", str(self.directory)),
        ]
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.process.poll() is not None or redis_answers(self.url), "redis-server to answer")
        assert self.process.poll() is None, (self.directory / "redis.log").read_text()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    require(shutil.which("redis-server"), "redis-server not found on PATH")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    yield server
    server.stop()


# Workers ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Worker:
    """A ``celery worker`` process group, started by ``worker_start``."""

    broker: Broker
    process: subprocess.Popen
    log_path: Path

    started: ClassVar[list["Worker"]] = []

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (running tasks finish), then SIGKILL whatever is left."""
        if self.is_running():
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the main process and its pool at once, as a crash or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def worker_start(
    *, broker: Broker, log_path: Path, concurrency: int = 1, beat: bool = False, env: dict[str, str] | None = None
) -> Worker:
    """Start a worker and wait until it consumes. ``env`` adds settings (OUTBOX_*, ...)."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "lms", "worker"),
        *("--pool", "prefork", "--concurrency", str(concurrency), "--queues", "celery", "--loglevel", "INFO"),
        *("--hostname", f"test-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"),
        "--without-heartbeat",
    ]
    if beat:
        command += ["--beat", "--schedule", str(broker.var_dir / "celerybeat-schedule")]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CELERY_BROKER_")}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "tests.support.worker_settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker.url,
        "LMS_TEST_BROKER_TRANSPORT_OPTIONS": json.dumps(broker.extra_options),
        "LMS_VAR_DIR": str(broker.var_dir),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(broker, process, log_path)
    Worker.started.append(worker)
    wait_until(lambda: not worker.is_running() or " ready." in worker.log(), f"the worker logging to {log_path}")
    if not worker.is_running():
        raise AssertionError(f"The worker exited at start ({process.returncode}):\n{worker.log()}")
    return worker


@pytest.fixture(scope="session")
def session_worker(django_db_setup, shared_broker, tmp_path_factory) -> Iterator[Worker]:
    """One worker for the session; stopped before the test database is dropped."""
    worker = worker_start(
        broker=shared_broker, log_path=tmp_path_factory.mktemp("session-worker") / "worker.log", concurrency=2
    )
    yield worker
    worker.stop()


@pytest.fixture
def event_handlers(settings) -> None:
    """Subscribe the test handlers here, as the worker settings do in the worker."""
    settings.LMS_EVENT_HANDLERS = EVENT_HANDLERS


@pytest.fixture
def worker(session_worker, event_handlers) -> Iterator[Worker]:
    """The session's worker, with this process publishing to its broker."""
    with session_worker.broker.publishing():
        yield session_worker


@pytest.fixture
def start_worker(django_db_setup, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start workers of this test's own (``worker_start`` arguments); all stop at its end."""
    workers: list[Worker] = []

    def start(broker: Broker, **options) -> Worker:
        workers.append(worker_start(broker=broker, log_path=tmp_path / f"worker-{len(workers) + 1}.log", **options))
        return workers[-1]

    yield start
    for started in workers:
        started.stop()


# Worker logs appear in the report of a test that failed --------------------------------

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(autouse=True)
def worker_logs_on_failure(request) -> Iterator[None]:
    offsets = {id(worker): worker.log_path.stat().st_size for worker in Worker.started}
    yield
    if not any(report.failed for report in request.node.stash.get(_reports, {}).values()):
        return
    for worker in Worker.started:
        with worker.log_path.open("rb") as log:
            log.seek(offsets.get(id(worker), 0))
            text = log.read().decode(errors="replace")
        print(f"----- {worker.log_path} (during this test) -----\n{text}")
