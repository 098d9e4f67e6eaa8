"""Pointing this process's Celery app at another broker for the length of a test."""

from collections.abc import Iterator
from contextlib import contextmanager

import kombu.pools

from lms.celery import app as celery_app

_ABSENT = object()


def _pools_reset() -> None:
    """Close pooled connections and producers; the next publish connects afresh.

    Kombu keeps the pools in a process-wide registry keyed by broker URL and options, so
    closing only the app's own would leave closed pools there for the next test to find.
    """
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str, transport_options: dict) -> Iterator[None]:
    """Publish to ``url`` inside the block, then restore the configured broker.

    Sets the read and write URLs too: Celery takes ``broker_url`` from a
    CELERY_BROKER_URL environment variable before any setting, but not those two. The keys
    carry the CELERY_ prefix because the app reads its settings under that namespace.
    """
    overrides = {
        "CELERY_BROKER_URL": url,
        "CELERY_BROKER_READ_URL": url,
        "CELERY_BROKER_WRITE_URL": url,
        "CELERY_BROKER_TRANSPORT_OPTIONS": transport_options,
    }
    # Reading a key loads the app's configuration: until then, changes would go to a
    # pending copy that loading replaces.
    celery_app.conf.get("CELERY_BROKER_TRANSPORT_OPTIONS")
    changes = celery_app.conf.changes
    previous = {key: changes.get(key, _ABSENT) for key in overrides}
    _pools_reset()
    changes.update(overrides)
    try:
        yield
    finally:
        _pools_reset()
        for key, value in previous.items():
            if value is _ABSENT:
                changes.pop(key, None)
            else:
                changes[key] = value
