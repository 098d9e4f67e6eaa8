from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "lms.events"
    label = "events"
    verbose_name = "Domain events (outbox)"

    def ready(self) -> None:
        from lms.events import checks  # noqa: F401 (registers the handlers' check)
