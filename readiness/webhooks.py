"""Signed webhooks: each day's snapshots, POSTed to the mission data systems that asked.

``services.webhooks_notify`` records one outbox event per active webhook and day; the
outbox runs ``webhook_deliver`` and, when it raises (a network error, a non-2xx answer),
retries with backoff until ``OUTBOX_MAX_ATTEMPTS``, then shows the delivery as failed in
the admin, where it can be retried. Delivery is at least once: a receiver may see a day
twice and should key on ``X-LMS-Event`` (or on day and unit).

What the receiver checks:

- ``X-LMS-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw request body with the
  shared secret, compared in constant time;
- ``X-LMS-Timestamp``, Unix seconds when it was sent, also in the signed body as
  ``sent_at``, so a replayed old body can be refused.

The body is JSON: ``{"day", "sent_at", "snapshots": [...]}``, each snapshot as the feed
``GET /api/v1/readiness/snapshots/`` gives it. Plain ``urllib``: no redirect is followed
(a POST must not turn into a GET elsewhere), only http(s) URLs, 10 s timeout.
"""

import datetime
import hashlib
import hmac
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from lms.events.models import Event
from readiness.apis import SnapshotSerializer
from readiness.events import WEBHOOK_DUE
from readiness.models import Webhook
from readiness.selectors import snapshots_of_day

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-LMS-Signature"
TIMESTAMP_HEADER = "X-LMS-Timestamp"
EVENT_HEADER = "X-LMS-Event"


class WebhookError(Exception):
    """The receiver could not be reached or did not accept the delivery (the outbox retries)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx answer then raises HTTPError: a failed delivery


_opener = urllib.request.build_opener(_NoRedirect)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(*, day: datetime.date, sent_at: datetime.datetime) -> bytes:
    snapshots = SnapshotSerializer(snapshots_of_day(day), many=True).data
    return JSONRenderer().render({"day": day.isoformat(), "sent_at": int(sent_at.timestamp()), "snapshots": snapshots})


def webhook_send(*, webhook: Webhook, day: datetime.date, event_id: int | None = None) -> int:
    """POST ``day``'s snapshots to the webhook, signed; returns the HTTP status (2xx).
    Raises ``WebhookError`` for anything else."""
    if urlsplit(webhook.url).scheme not in ("http", "https"):
        raise WebhookError(f"Webhook {webhook.pk}: only http and https URLs are sent to.")
    sent_at = timezone.now()
    body = webhook_body(day=day, sent_at=sent_at)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "lms-readiness-webhook/1",
        SIGNATURE_HEADER: signature(webhook.secret, body),
        TIMESTAMP_HEADER: str(int(sent_at.timestamp())),
    }
    if event_id is not None:
        headers[EVENT_HEADER] = str(event_id)
    request = urllib.request.Request(webhook.url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        raise WebhookError(f"Webhook {webhook.pk}: {webhook.url} answered {error.code}.") from error
    except (urllib.error.URLError, OSError) as error:
        raise WebhookError(f"Webhook {webhook.pk}: {webhook.url} unreachable: {error}") from error
    if not 200 <= status < 300:
        raise WebhookError(f"Webhook {webhook.pk}: {webhook.url} answered {status}.")
    return status


def webhook_deliver(event: Event) -> None:
    """Outbox handler of ``readiness.webhook_due``. A webhook deleted or
    deactivated since the event was recorded is skipped."""
    due = WEBHOOK_DUE.payload_of(event)
    webhook = Webhook.objects.filter(pk=due["webhook_id"], is_active=True).first()
    if webhook is None:
        return
    webhook_send(webhook=webhook, day=datetime.date.fromisoformat(due["day"]), event_id=event.pk)
