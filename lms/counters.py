"""Throttle counters in the shared cache, counted in this process while the cache is away.

The sign-in lock-out and the certificate verification budget count in the shared cache so
that every web process counts together. When that cache cannot be reached (Redis
restarting, a network split), failing the request would lock everyone out of signing in,
and letting it through uncounted would leave guessing unthrottled for as long as the outage
lasts. Instead each process counts on its own in memory until the cache answers again: a
budget per process rather than per deployment, for the length of the outage.
"""

import logging
import time

import redis
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

# What a cache backend raises when its server or folder cannot be reached (Redis: the
# client's errors; the file-based cache: OSError). Anything else is a real error.
UNREACHABLE = (redis.exceptions.RedisError, OSError)
WARNING_INTERVAL_SECONDS = 60

_local = LocMemCache("lms-counters-fallback", {})
_last_warning = -WARNING_INTERVAL_SECONDS


def _call(name: str, *args, **kwargs):
    global _last_warning
    try:
        return getattr(cache, name)(*args, **kwargs)
    except UNREACHABLE as error:
        now = time.monotonic()
        if now - _last_warning >= WARNING_INTERVAL_SECONDS:
            _last_warning = now
            logger.warning("The shared cache is unreachable (%s); throttles count in this process.", error)
        return getattr(_local, name)(*args, **kwargs)


def get(key: str, default=None):
    return _call("get", key, default)


def get_many(keys: list[str]) -> dict:
    return _call("get_many", keys)


def add(key: str, value, timeout: float) -> bool:
    return _call("add", key, value, timeout=timeout)


def set(key: str, value, timeout: float) -> None:
    _call("set", key, value, timeout=timeout)


def incr(key: str) -> int:
    """Raises ValueError when the key is gone (expired), like the cache."""
    return _call("incr", key)


def delete(key: str) -> None:
    _call("delete", key)
