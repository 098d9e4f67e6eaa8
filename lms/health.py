"""``GET /healthz``: can this process reach its database and its broker?"""

import logging
import os
from pathlib import Path

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
    # The connection this process publishes with: Celery's write URL can differ from
    # ``conf.broker_url``, which an environment variable overrides.
    broker = celery_app.connection_for_write()
    try:
        if broker.transport_cls == "filesystem":
            # The embedded broker makes its folders on first use (lms/broker.py): it is
            # usable when they exist or can be made, and writable.
            folder = Path((broker.transport_options or {})["data_folder_out"])
            folder.mkdir(parents=True, exist_ok=True)
            return os.access(folder, os.W_OK)
        with broker:
            # One immediate retry: a health probe must answer within its caller's timeout.
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:
        logger.warning("Health: broker unreachable at %s", broker.as_uri())  # as_uri() hides the password
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
