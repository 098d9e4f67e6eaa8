"""Failed sign-ins counted per account and per address in the shared cache.

Used by the login page, the token endpoint and account activation alike, so that
guessing is equally slow through each door.
"""

import hashlib

from django.conf import settings

from lms import counters
from organisations.identity import service_number_key


def _keys(scope: str, identifier: str, address: str) -> list[str]:
    # Folded as service numbers are (user names of officers are theirs), so that typing
    # one in another case or with direction marks does not start a fresh count. Hashed:
    # what someone types as a username may hold spaces, control characters or thousands
    # of characters, which no cache key may (memcached refuses them).
    digest = hashlib.sha256(service_number_key(identifier).encode("utf-8", "surrogatepass")).hexdigest()
    return [f"auth-fail:{scope}:id:{digest}", f"auth-fail:{scope}:ip:{address}"]


def is_locked_out(*, scope: str, identifier: str, address: str) -> bool:
    counts = counters.get_many(_keys(scope, identifier, address)).values()
    return any(count >= settings.LOGIN_FAILURE_LIMIT for count in counts)


def failure_record(*, scope: str, identifier: str, address: str) -> None:
    for key in _keys(scope, identifier, address):
        if counters.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
            continue
        try:
            counters.incr(key)
        except ValueError:  # expired between add and incr
            counters.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def failures_clear(*, scope: str, identifier: str, address: str) -> None:
    counters.delete(_keys(scope, identifier, address)[0])


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
