"""Sign-in attempts counted per account and per address in the shared cache.

Used by the login page, the Django admin's sign-in, the token endpoint and account
activation alike, so that guessing is equally slow through each door. A door calls, in
this order:

1. ``attempt_admit`` before it checks a password or code: it counts the attempt and says
   whether it may go on. Counting first makes "is it locked out?" and "count it" one
   atomic step (``lms.counters.hit``): of N attempts sent at once, at most
   ``LOGIN_FAILURE_LIMIT`` are checked, however they interleave.
2. Then, once the check is done, one of: nothing (the guess was wrong: it stays counted);
   ``failures_clear`` (it was right); ``attempt_forget`` (nothing was guessed: a malformed
   code, a new password the validators refused).

A window of ``LOGIN_FAILURE_WINDOW_SECONDS`` opens with the first attempt of an account or
address and ends on time, whatever comes after: refused attempts count too, but never
prolong a lock-out.
"""

import hashlib

from django.conf import settings

from lms import counters
from lms.addresses import address_group
from lms.addresses import client_address as client_address  # the one rule for every door
from organisations.identity import service_number_key


def _keys(scope: str, identifier: str, address: str) -> tuple[str, str]:
    """The account's key, then the address's. The identifier is folded as service numbers
    are (user names of officers are theirs), so that typing one in another case or with
    direction marks does not start a fresh count, then hashed: what someone types as a
    username may hold spaces, control characters or thousands of characters, which no
    cache key may (memcached refuses them). An IPv6 address counts by its /64."""
    digest = hashlib.sha256(service_number_key(identifier).encode("utf-8", "surrogatepass")).hexdigest()
    return f"sign-in:{scope}:account:{digest}", f"sign-in:{scope}:address:{address_group(address)}"


def attempt_admit(*, scope: str, identifier: str, address: str) -> bool:
    """Count an attempt at ``identifier`` from ``address``, before anything is checked; True
    when it may be checked, False when the account or the address is over the limit (refuse
    it and check nothing). An admitted attempt stays counted as a failure unless
    ``failures_clear`` or ``attempt_forget`` follows."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    counted = [counters.hit(key, window=window).value for key in _keys(scope, identifier, address)]
    return max(counted) <= settings.LOGIN_FAILURE_LIMIT


def failures_clear(*, scope: str, identifier: str, address: str) -> None:
    """The admitted attempt succeeded: the account's failures are forgiven, and this attempt
    does not count against the address (others from it still do)."""
    account, address_key = _keys(scope, identifier, address)
    counters.delete(account)
    counters.take_back(address_key)


def attempt_forget(*, scope: str, identifier: str, address: str) -> None:
    """The admitted attempt guessed nothing (refused before any lookup, or after the guess
    was found right): take it back from both counts."""
    for key in _keys(scope, identifier, address):
        counters.take_back(key)


def is_locked_out(*, scope: str, identifier: str, address: str) -> bool:
    """Whether the next attempt would be refused; counts nothing (to say so early on a form
    that will not be checked)."""
    found = counters.counts(list(_keys(scope, identifier, address)))
    return max(found.values()) >= settings.LOGIN_FAILURE_LIMIT
