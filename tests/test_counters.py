"""Throttles keep counting, in the process, while the shared cache (Redis) is unreachable."""

import socket

import pytest
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
