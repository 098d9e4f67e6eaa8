"""The Celery app: configured from Django settings (``CELERY_*``), tasks autodiscovered, and the
embedded broker's transport."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.base")
# filesystem:// (the embedded default) is kombu's transport made responsive and safe for
# several workers (lms/broker.py). Registered here, before any connection: every process
# that publishes or consumes imports this app.
TRANSPORT_ALIASES["filesystem"] = "lms.broker:Transport"

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.steps["consumer"].add("lms.broker:WakeOnPendingOperations")
app.autodiscover_tasks()
