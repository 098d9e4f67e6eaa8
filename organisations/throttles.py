"""Failed sign-ins counted per account and per address in the shared cache.

Used by the login page, the token endpoint and account activation alike, so that
guessing is equally slow through each door.
"""

from django.conf import settings
from django.core.cache import cache


def _keys(scope: str, identifier: str, address: str) -> list[str]:
    return [f"auth-fail:{scope}:id:{identifier.strip().lower()}", f"auth-fail:{scope}:ip:{address}"]


def is_locked_out(*, scope: str, identifier: str, address: str) -> bool:
    counts = cache.get_many(_keys(scope, identifier, address)).values()
    return any(count >= settings.LOGIN_FAILURE_LIMIT for count in counts)


def failure_record(*, scope: str, identifier: str, address: str) -> None:
    for key in _keys(scope, identifier, address):
        if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def failures_clear(*, scope: str, identifier: str, address: str) -> None:
    cache.delete(_keys(scope, identifier, address)[0])


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
