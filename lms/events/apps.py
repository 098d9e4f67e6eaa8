from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "lms.events"
    label = "events"
    verbose_name = "Domain events (outbox)"
