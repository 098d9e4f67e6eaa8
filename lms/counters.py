"""Throttle counters in the shared cache: fixed windows, counted atomically, and counted in
this process while the cache is away.

``hit(key, window=...)`` counts one event and answers the count with the end of its
window. The first event opens the window and nothing ever moves its end: not a later hit,
not a take-back. (Django's ``incr`` cannot be used for this: on the file and database
caches it reads and rewrites the entry with the cache's default timeout of 5 minutes, so a
15-minute lock-out ended after 5 and a day's budget after 5 idle minutes; and two processes
incrementing at once could both write the same value.)

How each cache backend counts (told by its class; any other backend is refused):

- Redis: one Lua script, ``INCR`` and, only when the key has no expiry yet (it was just
  created), ``PEXPIRE``. Redis runs a script alone, so web processes on any number of
  machines never lose or double a count, and ``INCR`` keeps the key's expiry.
- Local memory, file and database caches: the count is stored with the end of its window,
  ``(count, ends_at)``, and rewritten with the time left, under a lock held by everyone who
  shares that cache: a lock in this process (a local-memory cache is private to its
  process); an exclusive lock on a file in the cache's folder (every process on the machine);
  the entry's row locked in a transaction (``SELECT ... FOR UPDATE``; SQLite takes its one
  write lock at ``BEGIN IMMEDIATE``, see the database settings). The stored end decides:
  the backend's own expiry is set a second later, as the database cache keeps whole seconds.

The sign-in lock-out and the certificate verification budget count here so that every web
process counts together. When the shared cache cannot be reached (Redis restarting, a
network split), failing the request would lock everyone out of signing in, and letting it
through uncounted would leave guessing unthrottled for as long as the outage lasts.
Instead each process counts on its own, in memory and with the same windows, until the
cache answers again: a budget per process rather than per deployment, for the length of
the outage.
"""

import functools
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import redis
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.core.files import locks
from django.db import OperationalError, connections, router, transaction

logger = logging.getLogger(__name__)

# What a cache backend raises when its server, folder or database cannot be reached (Redis:
# the client's errors; the file-based cache: OSError; the database cache: OperationalError).
# Anything else is a real error.
UNREACHABLE = (redis.exceptions.RedisError, OSError, OperationalError)
WARNING_INTERVAL_SECONDS = 60
LOCK_FILE_NAME = "counters.lock"  # not a *.djcache file: never culled or cleared

_local = LocMemCache("lms-counters-fallback", {})
_process_lock = threading.Lock()
_last_warning: float = -WARNING_INTERVAL_SECONDS


@dataclass(frozen=True)
class Count:
    value: int
    ends_at: float  # the time.time() at which the window closes


def hit(key: str, *, window: float, now: float | None = None) -> Count:
    """Count one event under ``key``, in its open window or in a new one of ``window``
    seconds from now; the count includes this event."""
    now = time.time() if now is None else now
    return _shared(lambda store: store.hit(key, window, now))


def take_back(key: str, *, now: float | None = None) -> None:
    """Uncount one event of the key's open window (never below 0); nothing when no window
    is open. Never opens a window nor moves its end."""
    now = time.time() if now is None else now
    _shared(lambda store: store.take_back(key, now))


def counts(keys: list[str], *, now: float | None = None) -> dict[str, int]:
    """The count of each key's open window, 0 for none."""
    now = time.time() if now is None else now
    return _shared(lambda store: store.counts(keys, now))


def delete(key: str) -> None:
    """Close the key's window (the next hit opens a new one)."""
    _shared(lambda store: store.delete(key))


def _shared(operation: Callable[["_Store"], object]):
    global _last_warning
    try:
        return operation(store_for(caches[DEFAULT_CACHE_ALIAS]))
    except UNREACHABLE as error:
        now = time.monotonic()
        if now - _last_warning >= WARNING_INTERVAL_SECONDS:
            _last_warning = now
            logger.warning("The shared cache is unreachable (%s); throttles count in this process.", error)
        return operation(store_for(_local))


# Stores: one per kind of cache backend ----------------------------------------------------


class _Store:
    def hit(self, key: str, window: float, now: float) -> Count:
        raise NotImplementedError

    def take_back(self, key: str, now: float) -> None:
        raise NotImplementedError

    def counts(self, keys: list[str], now: float) -> dict[str, int]:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError


def store_for(backend: BaseCache) -> _Store:
    if isinstance(backend, RedisCache):
        return _RedisStore(backend)
    if isinstance(backend, LocMemCache):
        return _LockedStore(backend, lambda key: _process_lock)
    if isinstance(backend, FileBasedCache):
        return _LockedStore(backend, functools.partial(_folder_lock, backend))
    if isinstance(backend, DatabaseCache):
        return _LockedStore(backend, functools.partial(_row_lock, backend))
    raise ImproperlyConfigured(
        f"Throttles cannot count atomically in a {type(backend).__name__}: use Redis, or the "
        "file, database or local-memory cache."
    )


# KEYS[1]: the key; ARGV[1]: the window in milliseconds. Answers {count, milliseconds left}.
_REDIS_HIT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], left)
end
return {count, left}
"""
# Only a key that exists with its expiry (PTTL > 0) and counts above 0 is decremented: a bare
# DECR on a key that expired a moment ago would create it at -1, with no expiry, for ever.
_REDIS_TAKE_BACK = """
if redis.call('PTTL', KEYS[1]) > 0 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


class _RedisStore(_Store):
    """Counts are plain Redis integers (Django's Redis cache stores ints unpickled, so
    ``get`` reads them too)."""

    def __init__(self, backend: RedisCache):
        self.backend = backend

    def _run(self, script: str, key: str, *args: int) -> Any:
        """Run a Lua script on the key; its reply is whatever the script returns."""
        made = self.backend.make_and_validate_key(key)
        # Django's client, for its connection pool and options; it has no call for scripts.
        client = self.backend._cache.get_client(made, write=True)  # type: ignore[attr-defined]  # private, not in django-stubs
        return client.register_script(script)(keys=[made], args=list(args))

    def hit(self, key: str, window: float, now: float) -> Count:
        count, left = self._run(_REDIS_HIT, key, max(1, math.ceil(window * 1000)))
        return Count(int(count), now + int(left) / 1000)

    def take_back(self, key: str, now: float) -> None:
        self._run(_REDIS_TAKE_BACK, key)

    def counts(self, keys: list[str], now: float) -> dict[str, int]:
        values = self.backend.get_many(keys)
        return {key: int(values.get(key, 0)) for key in keys}

    def delete(self, key: str) -> None:
        self.backend.delete(key)


class _LockedStore(_Store):
    """``(count, ends_at)`` read and rewritten under ``lock(key)``."""

    def __init__(self, backend: BaseCache, lock: Callable[[str], AbstractContextManager]):
        self.backend = backend
        self.lock = lock

    @staticmethod
    def _open(value: object, now: float) -> tuple[int, float] | None:
        """The stored count and window end, if that window is still open."""
        if isinstance(value, tuple) and len(value) == 2 and value[1] > now:
            return value
        return None

    def _write(self, key: str, count: int, ends_at: float, now: float) -> None:
        self.backend.set(key, (count, ends_at), timeout=math.ceil(ends_at - now) + 1)

    def hit(self, key: str, window: float, now: float) -> Count:
        with self.lock(key):
            current = self._open(self.backend.get(key), now)
            count, ends_at = (current[0] + 1, current[1]) if current else (1, now + window)
            self._write(key, count, ends_at, now)
        return Count(count, ends_at)

    def take_back(self, key: str, now: float) -> None:
        with self.lock(key):
            current = self._open(self.backend.get(key), now)
            if current and current[0] > 0:
                self._write(key, current[0] - 1, current[1], now)

    def counts(self, keys: list[str], now: float) -> dict[str, int]:
        values = self.backend.get_many(keys)
        opened = {key: self._open(values.get(key), now) for key in keys}
        return {key: current[0] if current else 0 for key, current in opened.items()}

    def delete(self, key: str) -> None:
        with self.lock(key):
            self.backend.delete(key)


@contextmanager
def _folder_lock(backend: FileBasedCache, key: str) -> Iterator[None]:
    """An exclusive lock (flock) on one file in the cache's folder: one counter changes at a
    time among all processes and threads on the machine (each opens the file anew, and
    flock excludes other open files, in this process too). A change takes a millisecond."""
    folder: str = backend._dir  # type: ignore[attr-defined]  # the absolute LOCATION: private, not in django-stubs
    os.makedirs(folder, mode=0o700, exist_ok=True)
    with open(os.path.join(folder, LOCK_FILE_NAME), "ab") as handle:
        locks.lock(handle, locks.LOCK_EX)
        try:
            yield
        finally:
            locks.unlock(handle)


@contextmanager
def _row_lock(backend: DatabaseCache, key: str) -> Iterator[None]:
    """The entry's row, locked until the transaction ends. A placeholder row (a window that
    ended at 0) is added first, since only an existing row can be locked; ``add`` is an
    insert on the primary key, so racing processes make one row. Assumes that the cache
    table is read and written on one database (no router sends its reads to a replica)."""
    backend.add(key, (0, 0.0), timeout=60)
    database = router.db_for_write(backend.cache_model_class)
    connection = connections[database]
    with transaction.atomic(using=database):
        if connection.features.has_select_for_update:
            quote = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT 1 FROM {quote(backend.cache_model_class._meta.db_table)} WHERE {quote('cache_key')} = %s "
                    + connection.ops.for_update_sql(),
                    [backend.make_and_validate_key(key)],
                )
        yield
