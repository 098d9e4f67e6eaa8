"""``/healthz`` against real brokers."""

import pytest

from tests.integration.conftest import Broker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

HEALTHY = {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_is_ok_on_the_configured_kind_of_broker(client, shared_broker):
    with shared_broker.publishing():
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == HEALTHY


def test_healthz_follows_a_redis_server_going_down_and_up(client, own_redis, tmp_path):
    with Broker(own_redis.url, tmp_path / "health").publishing():
        assert client.get("/healthz").json() == HEALTHY

        own_redis.stop()
        down = client.get("/healthz")

        own_redis.start()
        up = client.get("/healthz")

    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "ok", "broker": "down"}
    assert own_redis.password not in down.content.decode()
    assert up.status_code == 200
    assert up.json() == HEALTHY
