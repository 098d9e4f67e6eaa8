import pytest
from kombu.simple import SimpleQueue

from lms.celery import app as celery_app
from tests.support.events import EVENT_HANDLERS


@pytest.fixture
def handlers(settings) -> dict[str, list[str]]:
    """Subscribe the test handlers (tests/support/handlers.py) to the test events."""
    settings.LMS_EVENT_HANDLERS = EVENT_HANDLERS
    return EVENT_HANDLERS


@pytest.fixture
def broker_messages():
    """A function returning the (task name, args) published to the in-memory broker since
    the test began, or since the last call."""

    def take() -> list[tuple[str, list]]:
        taken = []
        with celery_app.connection_for_read() as connection:
            queue = SimpleQueue(connection, "celery")
            while True:
                try:
                    message = queue.get_nowait()
                except queue.Empty:
                    break
                args, _kwargs, _embed = message.decode()
                taken.append((message.headers["task"], args))
                message.ack()
            queue.close()
        return taken

    take()
    return take
