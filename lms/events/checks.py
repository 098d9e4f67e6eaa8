from collections.abc import Sequence

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from lms.events.types import declared_event_names
from lms.hooks import dotted_path_errors


@checks.register()
def event_handlers_check(app_configs: Sequence[AppConfig] | None, **kwargs: object) -> list[checks.CheckMessage]:
    """Every handler subscribed in ``settings.LMS_EVENT_HANDLERS`` can be imported and called
    (events.E001), and every name subscribed to is declared by an app's ``events`` module
    (events.E002): a misspelt or renamed event would otherwise wait for a delivery that
    never comes."""
    paths = [path for handlers in settings.LMS_EVENT_HANDLERS.values() for path in handlers]
    errors: list[checks.CheckMessage] = [*dotted_path_errors("LMS_EVENT_HANDLERS", paths, check_id="events.E001")]
    declared = declared_event_names()
    errors.extend(
        checks.Error(
            f"LMS_EVENT_HANDLERS subscribes to {name!r}, which no app declares.",
            hint="Declare it as an EventType in the writing app's events.py, or correct the name.",
            id="events.E002",
        )
        for name in sorted(set(settings.LMS_EVENT_HANDLERS) - declared)
    )
    return errors
