"""Throttle counters: windows that hold on every cache backend, counts that are never lost,
and counting in the process while the shared cache (Redis) is unreachable."""

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.core.cache import caches
from django.core.cache.backends import db as db_cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from certificates.verification import verification_throttle
from lms import counters
from tests.factories import UserFactory

PASSWORD = "Correct-Horse-9"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cache_away():
    url = f"redis://127.0.0.1:{closed_port()}/0"
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    ):
        yield
    counters._local.clear()  # what the process counted while the cache was away


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_signing_in_works_and_guessing_is_still_locked_out_while_the_cache_is_away(client, cache_away):
    UserFactory(username="amina", password=PASSWORD)
    UserFactory(username="bakary", password=PASSWORD)

    assert client.post("/accounts/login/", {"username": "bakary", "password": PASSWORD}).status_code == 302
    client.logout()
    for _attempt in range(3):
        assert client.post("/accounts/login/", {"username": "amina", "password": "guess"}).status_code == 200
    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_token_endpoint_answers_429_not_500_while_the_cache_is_away(api_client, cache_away):
    UserFactory(username="amina", password=PASSWORD)
    answers = [
        api_client.post("/api/v1/auth/token/", {"username": "amina", "password": "guess"}).status_code
        for _attempt in range(4)
    ]

    assert answers == [400, 400, 400, 429]


@override_settings(CERTIFICATE_VERIFY_RATE="2/minute")
def test_the_verification_budget_still_counts_while_the_cache_is_away(cache_away):
    assert [verification_throttle(client="away", now=1000.0 + second) for second in range(3)] == [None, None, 58]


# Windows: a count holds for its whole window on every backend ------------------------------

EPOCH = 1_900_000_000.0  # a fixed time.time(), far from the real one
CACHE_TABLE = "lms_test_counters"
PYTHON_BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counters-windows"},
    "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE},
}


class Clock:
    """``time.time()`` for everyone (the caches' expiry, the counters, the views), moved by hand."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(EPOCH)
    monkeypatch.setattr(time, "time", clock)
    # The database cache compares expiry with timezone.now(), not time.time().
    monkeypatch.setattr(db_cache, "tz_now", lambda: datetime.fromtimestamp(clock(), tz=UTC))
    return clock


@pytest.fixture(params=list(PYTHON_BACKENDS))
def backend(request, db, tmp_path) -> Iterator[str]:
    """The default cache on each backend counted in Python: local memory, a folder of files
    (the default on one machine), a database table. Redis: tests/integration/test_throttles.py."""
    config = PYTHON_BACKENDS[request.param] | ({"LOCATION": str(tmp_path / "cache")} if request.param == "file" else {})
    with override_settings(CACHES={"default": config}):
        if request.param == "database":
            call_command("createcachetable", verbosity=0)  # in the test's transaction: rolled back
        yield request.param
        caches["default"].clear()


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=900)
def test_a_lock_out_lasts_its_whole_window(client, backend, clock):
    # The file and database caches once rewrote the count with their default timeout of
    # 300 s at each failure: the lock-out ended after 5 minutes.
    UserFactory(username="amina", password=PASSWORD)
    for _attempt in range(3):
        client.post("/accounts/login/", {"username": "amina", "password": "guess"})

    answers = []
    for seconds in (600, 299):  # 10 minutes, then 14 min 59 s after the first failure
        clock.advance(seconds)
        answers.append(locked_out(client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})))
    clock.advance(2)  # 15 min 1 s: the window has closed, however often it was knocked on
    signed_in = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    assert answers == [True, True]
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/")


@override_settings(CERTIFICATE_VERIFY_RATE="3/day")
def test_the_daily_verification_budget_survives_idle_minutes(backend, clock):
    # It once reset after 5 idle minutes on the file and database caches.
    first = [verification_throttle(client="idle") for _check in range(3)]
    clock.advance(301)
    after_five_minutes = verification_throttle(client="idle")
    clock.advance(24 * 60 * 60 - 301 - 1)
    last_second = verification_throttle(client="idle")
    clock.advance(2)
    next_day = verification_throttle(client="idle")

    assert first == [None, None, None]
    assert (after_five_minutes, last_second, next_day) == (24 * 60 * 60 - 301, 1, None)


def test_a_window_opens_at_the_first_hit_and_nothing_moves_its_end(backend, clock):
    opened = counters.hit("k", window=900)
    clock.advance(600)
    again = counters.hit("k", window=900)
    counters.take_back("k")
    after_take_back = counters.counts(["k", "other"])
    clock.advance(300)
    closed = counters.counts(["k"])
    counters.take_back("k")  # no window open: nothing to take back, none opened
    reopened = counters.hit("k", window=900)

    assert (opened, again) == (counters.Count(1, EPOCH + 900), counters.Count(2, EPOCH + 900))
    assert after_take_back == {"k": 1, "other": 0}
    assert closed == {"k": 0}
    assert reopened == counters.Count(1, EPOCH + 1800)


def test_a_take_back_never_goes_below_zero_and_delete_closes_the_window(backend, clock):
    counters.hit("k", window=60)
    for _time in range(3):
        counters.take_back("k")
    at_zero = counters.counts(["k"])
    counters.hit("k", window=60)
    counters.delete("k")

    assert at_zero == {"k": 0}
    assert counters.counts(["k"]) == {"k": 0}
    assert counters.hit("k", window=60) == counters.Count(1, EPOCH + 60)


@pytest.mark.parametrize("kind", ["locmem", "file"])
def test_threads_never_lose_nor_share_a_count(kind, tmp_path):
    """Each thread has its own cache object (Django's are per thread), as processes would;
    the database cache and Redis are raced in tests/integration/test_throttles.py."""
    config = PYTHON_BACKENDS[kind] | ({"LOCATION": str(tmp_path / "cache")} if kind == "file" else {})
    start = threading.Barrier(8)

    def count_fifty() -> list[int]:
        start.wait()
        return [counters.hit("raced", window=60).value for _hit in range(50)]

    with override_settings(CACHES={"default": config}):
        with ThreadPoolExecutor(8) as pool:
            answers = [value for values in pool.map(lambda _n: count_fifty(), range(8)) for value in values]
        caches["default"].clear()

    assert sorted(answers) == list(range(1, 401))


def test_an_unsupported_cache_backend_is_refused_by_name():
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    with override_settings(CACHES={"default": dummy}), pytest.raises(ImproperlyConfigured, match="DummyCache"):
        counters.hit("k", window=60)


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=900)
def test_while_the_cache_is_away_a_lock_out_still_lasts_its_whole_window(client, cache_away, clock):
    UserFactory(username="amina", password=PASSWORD)
    for _attempt in range(3):
        client.post("/accounts/login/", {"username": "amina", "password": "guess"})
    clock.advance(899)
    locked = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})
    clock.advance(2)
    signed_in = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    assert locked_out(locked) is True
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/")


def locked_out(response) -> bool:
    return "Too many failed sign-in attempts" in response.content.decode()
