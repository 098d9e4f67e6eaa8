"""Sign-in lock-outs and counters under real concurrency: gunicorn processes sharing a
file cache or a Redis of this module's own, threads racing the database cache and Redis,
and Redis windows that end on time (real TTLs; ``tests/test_counters.py`` freezes the
clock for the other backends).

The web server runs on the test database of this run (SQLite or PostgreSQL), behind a
"proxy" it trusts (``TRUSTED_PROXIES=127.0.0.1``), so that each request can say, in
X-Forwarded-For, which client it is.
"""

import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec

import pytest
import redis
import requests
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from lms import counters
from tests.factories import UserFactory
from tests.integration.conftest import Broker, RedisServer, database_url, require
from tests.support.served import WebServer, served_environment, web_start

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 30  # at once, each a wrong password
LIMIT = 5  # LOGIN_FAILURE_LIMIT's default, which the server runs with
WEB_WORKERS = 4
WEB_THREADS = 8
CACHE_TABLE = "lms_test_counters_raced"


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory) -> Iterator[RedisServer]:
    require(shutil.which("redis-server"), "redis-server not found on PATH")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["file", "redis"])
def web(request, django_db_setup, tmp_path_factory) -> Iterator[WebServer]:
    """gunicorn with WEB_WORKERS processes of WEB_THREADS threads, counting in a folder of
    files (the one-machine default) or in Redis (several machines)."""
    require(find_spec("gunicorn"), "gunicorn is not installed")
    cache_url = request.getfixturevalue("module_redis").url if request.param == "redis" else ""
    folder = tmp_path_factory.mktemp(f"web-{request.param}")
    environment = served_environment(
        database_url=database_url(),
        broker=Broker("filesystem://", folder / "var"),
        media_root=folder / "media",
        cache_url=cache_url,
    )
    environment["TRUSTED_PROXIES"] = "127.0.0.1"
    # Threads in each process too, so that all the guesses are in flight at once.
    environment["GUNICORN_CMD_ARGS"] = f"--threads {WEB_THREADS}"
    environment.pop("LOGIN_FAILURE_LIMIT", None)
    server = web_start(environment=environment, workers=WEB_WORKERS, log_path=folder / "web.log")
    yield server
    server.stop()


def at_once(web: WebServer, attempts: list[tuple[str, str]]) -> Counter:
    """POST every (username, client address) wrong guess to the token endpoint at the same
    moment; the statuses counted."""
    start = threading.Barrier(len(attempts))

    def attempt(guess: tuple[str, str]) -> int:
        username, address = guess
        with requests.Session() as session:
            start.wait()
            return session.post(
                f"{web.base_url}/api/v1/auth/token/",
                json={"username": username, "password": "wrong-guess"},
                headers={"X-Forwarded-For": address},
                timeout=60,
            ).status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return Counter(pool.map(attempt, attempts))


def test_concurrent_guesses_at_one_account_get_at_most_the_limit_of_checks(web):
    # Counted after the check, 30 guesses at once once got 6 checks and more.
    UserFactory(username="amina")

    statuses = at_once(web, [("amina", f"203.0.113.{number}") for number in range(ATTEMPTS)])

    assert statuses == {400: LIMIT, 429: ATTEMPTS - LIMIT}


def test_concurrent_guesses_from_one_client_get_at_most_the_limit_of_checks(web):
    statuses = at_once(web, [(f"made-up-{number}", "198.51.100.7") for number in range(ATTEMPTS)])

    assert statuses == {400: LIMIT, 429: ATTEMPTS - LIMIT}


# Counters raced by threads, each with its own cache client and database connection -------


def race(*, threads: int, hits: int) -> list[int]:
    start = threading.Barrier(threads)

    def count() -> list[int]:
        try:
            start.wait()
            return [counters.hit("raced", window=60).value for _hit in range(hits)]
        finally:
            connection.close()  # this thread's own

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(count) for _thread in range(threads)]
        return sorted(value for future in futures for value in future.result())


@pytest.fixture
def database_cache() -> Iterator[None]:
    call_command("createcachetable", CACHE_TABLE, verbosity=0)
    try:
        config = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
        with override_settings(CACHES={"default": config}):
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(CACHE_TABLE)}")


@pytest.fixture
def redis_cache(module_redis) -> Iterator[redis.Redis]:
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": module_redis.url}}
    ):
        caches["default"].clear()
        yield redis.Redis.from_url(module_redis.url)
        caches["default"].clear()


def test_the_database_cache_never_loses_nor_shares_a_count(database_cache):
    assert race(threads=6, hits=20) == list(range(1, 121))


def test_redis_never_loses_nor_shares_a_count(redis_cache):
    assert race(threads=8, hits=50) == list(range(1, 401))


# Redis windows: real time, real TTLs ----------------------------------------------------------


def test_a_redis_window_ends_on_time_however_often_it_is_hit(redis_cache):
    key = caches["default"].make_and_validate_key("k")
    opened = counters.hit("k", window=1.5)
    time.sleep(0.8)
    again = counters.hit("k", window=1.5)
    left_after_second_hit = redis_cache.pttl(key)
    time.sleep(0.9)  # 1.7 s after the first hit
    reopened = counters.hit("k", window=1.5)

    assert (opened.value, again.value, reopened.value) == (1, 2, 1)
    assert 0 < left_after_second_hit <= 700  # not 1500 again: the second hit did not extend it
    assert 1000 < redis_cache.pttl(key) <= 1500


def test_a_redis_take_back_never_revives_a_closed_window(redis_cache):
    key = caches["default"].make_and_validate_key("k")
    counters.hit("k", window=0.3)
    counters.hit("k", window=0.3)
    counters.take_back("k")
    in_window = counters.counts(["k"])
    time.sleep(0.4)
    counters.take_back("k")

    assert in_window == {"k": 1}
    assert redis_cache.exists(key) == 0
    assert counters.counts(["k"]) == {"k": 0}
