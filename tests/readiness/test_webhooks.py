"""Signed webhooks: one outbox event per active webhook and day, a POST a receiver can
verify, and retries (then "failed" in the admin) when the receiver is down or refuses.

A tiny HTTP server in a thread on a free port plays the mission data system."""

import datetime
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from lms.events.models import Delivery, Event
from lms.events.services import delivery_run
from readiness import services, tasks
from readiness.models import Snapshot, Webhook
from tests.readiness.conftest import certify

SECRET = "s3cret-shared-with-the-mission-data-system"
DAY = datetime.date(2025, 6, 2)


class Receiver:
    """Records what it receives and answers ``status`` (and ``location`` for a redirect)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.location = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append({"path": self.path, "headers": self.headers, "body": self.rfile.read(length)})
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                receiver.requests.append({"path": self.path, "headers": self.headers, "body": b""})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/readiness"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def day_of_snapshots(tree, people, hr_course):
    """The tree synced, one certificate, snapshots of 1 and 2 June (seven units each)."""
    certify(tree.north_officers[0], hr_course)
    services.readiness_sync_full(trigger="test")
    services.snapshots_take(day=DAY - datetime.timedelta(days=1))
    services.snapshots_take(day=DAY)
    return tree


def _notify_and_get_delivery(webhook) -> Delivery:
    assert services.webhooks_notify(day=DAY) >= 1
    return Delivery.objects.get(event__name="readiness.webhook_due", event__payload__webhook_id=webhook.pk)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_one_event_per_active_webhook_and_day_and_never_twice(day_of_snapshots):
    first = Webhook.objects.create(url="https://a.example/hook", secret=SECRET)
    second = Webhook.objects.create(url="https://b.example/hook", secret=SECRET)
    Webhook.objects.create(url="https://c.example/hook", secret=SECRET, is_active=False)

    assert services.webhooks_notify(day=DAY) == 2
    assert services.webhooks_notify(day=DAY) == 0

    events = Event.objects.filter(name="readiness.webhook_due").order_by("pk")
    assert [event.payload for event in events] == [
        {"webhook_id": first.pk, "day": "2025-06-02"},
        {"webhook_id": second.pk, "day": "2025-06-02"},
    ]
    assert set(Delivery.objects.filter(event__in=events).values_list("handler", flat=True)) == {
        "readiness.webhooks.webhook_deliver"
    }
    assert services.webhooks_notify(day=DAY + datetime.timedelta(days=1)) == 2


@pytest.mark.django_db
def test_the_nightly_task_snapshots_then_notifies_each_webhook(tree, people):
    webhook = Webhook.objects.create(url="https://a.example/hook", secret=SECRET)

    tasks.sync_full(trigger="schedule")

    today = timezone.localdate()
    assert Snapshot.objects.filter(taken_on=today).count() == 7
    assert list(Event.objects.filter(name="readiness.webhook_due").values_list("payload", flat=True)) == [
        {"webhook_id": webhook.pk, "day": today.isoformat()}
    ]


@pytest.mark.django_db
def test_the_receiver_gets_the_days_snapshots_signed(day_of_snapshots, receiver):
    tree = day_of_snapshots
    webhook = Webhook.objects.create(url=receiver.url, secret=SECRET)
    delivery = _notify_and_get_delivery(webhook)
    before = int(timezone.now().timestamp())

    assert delivery_run(delivery_id=delivery.pk) is True

    [request] = receiver.requests
    assert request["path"] == "/hooks/readiness"
    headers, body = request["headers"], request["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-LMS-Signature"], expected)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-LMS-Event"] == str(delivery.event_id)
    sent_at = int(headers["X-LMS-Timestamp"])
    assert before <= sent_at <= int(timezone.now().timestamp())
    payload = json.loads(body)
    assert (payload["day"], payload["sent_at"]) == ("2025-06-02", sent_at)
    assert [item["unit_code"] for item in payload["snapshots"]] == ["HQ", "N", "N1", "N1-ST", "S", "S1", "S1-ST"]
    assert {item["taken_on"] for item in payload["snapshots"]} == {"2025-06-02"}
    station = next(item for item in payload["snapshots"] if item["unit"] == tree.north_station.pk)
    assert (station["eligible"], station["coverage"]["HR"], station["coverage"]["CMD"]) == (2, [1, 2], [0, 0])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("done", 1)


@pytest.mark.django_db
def test_a_failing_receiver_leaves_the_delivery_pending_for_a_retry(day_of_snapshots, receiver):
    receiver.status = 500
    webhook = Webhook.objects.create(url=receiver.url, secret=SECRET)
    delivery = _notify_and_get_delivery(webhook)

    assert delivery_run(delivery_id=delivery.pk) is False

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at > timezone.now()
    assert "answered 500" in delivery.last_error

    receiver.status = 204
    assert delivery_run(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("done", 2)


@pytest.mark.django_db
def test_an_unreachable_receiver_is_retried_then_shown_failed(day_of_snapshots, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    webhook = Webhook.objects.create(url=f"http://127.0.0.1:{_free_port()}/hook", secret=SECRET)
    delivery = _notify_and_get_delivery(webhook)

    assert delivery_run(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "unreachable" in delivery.last_error

    assert delivery_run(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)


@pytest.mark.django_db
def test_a_redirect_is_not_followed(day_of_snapshots, receiver):
    receiver.status = 302
    receiver.location = receiver.url + "/elsewhere"
    webhook = Webhook.objects.create(url=receiver.url, secret=SECRET)
    delivery = _notify_and_get_delivery(webhook)

    assert delivery_run(delivery_id=delivery.pk) is False

    assert [request["path"] for request in receiver.requests] == ["/hooks/readiness"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "answered 302" in delivery.last_error


@pytest.mark.django_db
def test_only_http_urls_are_sent_to(day_of_snapshots):
    webhook = Webhook.objects.create(url="file:///etc/passwd", secret=SECRET)
    delivery = _notify_and_get_delivery(webhook)

    assert delivery_run(delivery_id=delivery.pk) is False

    delivery.refresh_from_db()
    assert "only http and https" in delivery.last_error


@pytest.mark.django_db
def test_a_webhook_deactivated_meanwhile_is_skipped(day_of_snapshots, receiver):
    webhook = Webhook.objects.create(url=receiver.url, secret=SECRET)
    delivery = _notify_and_get_delivery(webhook)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)

    assert delivery_run(delivery_id=delivery.pk) is True

    assert receiver.requests == []


@pytest.mark.django_db
def test_the_admin_form_refuses_other_schemes_and_short_secrets(admin_client):
    response = admin_client.post(
        "/admin/readiness/webhook/add/", {"url": "ftp://example.org/hook", "secret": "short", "is_active": "on"}
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.errors) == {"url", "secret"}
    assert not Webhook.objects.exists()

    response = admin_client.post(
        "/admin/readiness/webhook/add/", {"url": "https://example.org/hook", "secret": SECRET, "is_active": "on"}
    )
    assert response.status_code == 302
    assert Webhook.objects.get().url == "https://example.org/hook"
