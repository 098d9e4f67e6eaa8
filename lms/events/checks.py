from django.conf import settings
from django.core import checks

from lms.hooks import dotted_path_errors


@checks.register()
def event_handlers_check(app_configs, **kwargs) -> list[checks.Error]:
    """Every handler subscribed in ``settings.LMS_EVENT_HANDLERS`` can be imported and called."""
    paths = [path for handlers in settings.LMS_EVENT_HANDLERS.values() for path in handlers]
    return dotted_path_errors("LMS_EVENT_HANDLERS", paths, check_id="events.E001")
