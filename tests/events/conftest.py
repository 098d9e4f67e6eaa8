import pytest

from tests.support.events import EVENT_HANDLERS


@pytest.fixture
def handlers(settings) -> dict[str, list[str]]:
    """Subscribe the test handlers (tests/support/handlers.py) to the test events."""
    settings.LMS_EVENT_HANDLERS = EVENT_HANDLERS
    return EVENT_HANDLERS
