"""The rule that turns a missing service into a failure in CI."""

import pytest

from tests.integration.conftest import require


def test_a_missing_service_skips_the_test_with_its_reason(monkeypatch):
    monkeypatch.delenv("LMS_REQUIRE_SERVICES", raising=False)

    with pytest.raises(pytest.skip.Exception, match=r"^redis-server not found on PATH$"):
        require(False, "redis-server not found on PATH")


def test_a_missing_service_fails_the_test_when_ci_requires_services(monkeypatch):
    monkeypatch.setenv("LMS_REQUIRE_SERVICES", "1")

    with pytest.raises(pytest.fail.Exception, match=r"^redis-server not found on PATH \(LMS_REQUIRE_SERVICES=1"):
        require(False, "redis-server not found on PATH")


def test_a_present_service_neither_skips_nor_fails(monkeypatch):
    monkeypatch.setenv("LMS_REQUIRE_SERVICES", "1")

    require("/usr/bin/redis-server", "redis-server not found on PATH")
