"""``GET /healthz``: can this process reach its database and its broker?"""

import logging
from pathlib import Path

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from lms.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health: database unreachable")
        return False


def _broker_ok() -> bool:
    url = celery_app.conf.broker_url
    options = celery_app.conf.broker_transport_options or {}
    try:
        if url.startswith("filesystem://"):
            folder = Path(options["data_folder_in"])
            return folder.is_dir() and folder.stat().st_mode & 0o200 != 0
        with Connection(url, transport_options=options, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("Health: broker unreachable at %s", url.split("@")[-1])
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"} | {
        name: "ok" if ok else "down" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)
