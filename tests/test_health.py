import socket

import pytest

from lms.settings.base import broker_transport_options
from tests.support.broker import celery_broker

HEALTHY = {"status": "ok", "database": "ok", "broker": "ok"}


def closed_port() -> int:
    """A local port that nothing listens on (nothing is likely to take it meanwhile)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_and_broker_are_reachable(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == HEALTHY
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_without_leaking_credentials_when_the_broker_is_down(client, caplog, tmp_path):
    url = f"redis://:broker-s3cret@127.0.0.1:{closed_port()}/0"
    with celery_broker(url, broker_transport_options(url, tmp_path)):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}
    assert "broker-s3cret" not in response.content.decode()
    assert "Health: broker unreachable at redis://:**@127.0.0.1" in caplog.text
    assert "broker-s3cret" not in caplog.text


@pytest.mark.django_db
def test_healthz_reports_a_filesystem_broker_by_its_folder(client, tmp_path):
    options = broker_transport_options("filesystem://", tmp_path / "broker", create_folders=False)
    with celery_broker("filesystem://", options):
        # A fresh machine: the folder is made on first use, the probe's included.
        assert client.get("/healthz").json() == HEALTHY
        assert (tmp_path / "broker" / "queue").is_dir()
        (tmp_path / "broker" / "queue").rmdir()
        (tmp_path / "broker" / "queue").write_text("not a folder")
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
