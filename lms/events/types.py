"""Event types: a name and the shape of its payload, declared once by the app that writes it.

Each app lists the events it writes in its own ``events.py``, one ``EventType`` per name with
a ``TypedDict`` for the payload, and records them through it. A handler in a higher app
imports the type (an allowed direction) and reads the payload through ``payload_of``, so a
renamed or removed key fails the type check (``./dev lint``), not a delivery at night.

Names read ``<subject>.<what happened>`` in the past tense (``course.completed``,
``certificate.run_chunk_queued``). A payload names its subject and carries what a
subscribed handler reads, nothing more: the audit trail keeps the before and after.
Every declared type registers itself here, so the start-up check can refuse a
subscription in ``settings.LMS_EVENT_HANDLERS`` to a name that no app writes.
"""

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar, cast

from django.utils.module_loading import autodiscover_modules

from lms.events.models import Event
from lms.events.services import DISPATCH_BATCH_SIZE, events_record

PayloadT = TypeVar("PayloadT", bound=Mapping[str, object])

_declared: dict[str, "EventType[Mapping[str, object]]"] = {}


class EventType(Generic[PayloadT]):
    """One kind of event: ``EventType[CourseCompleted]("course.completed")``."""

    def __init__(self, name: str) -> None:
        if name in _declared:
            raise ValueError(f"Event {name!r} is declared twice.")
        self.name = name
        _declared[name] = cast("EventType[Mapping[str, object]]", self)

    def __repr__(self) -> str:
        return f"EventType({self.name!r})"

    def record(self, payload: PayloadT) -> Event:
        """Write one event inside the caller's transaction (``events_record``)."""
        return events_record(name=self.name, payloads=[payload])[0]

    def record_many(
        self, payloads: Iterable[PayloadT], *, dispatch_batch_size: int = DISPATCH_BATCH_SIZE
    ) -> list[Event]:
        return events_record(name=self.name, payloads=payloads, dispatch_batch_size=dispatch_batch_size)

    def payload_of(self, event: Event) -> PayloadT:
        """The payload of ``event``, which must be of this type (a handler subscribed to it)."""
        return payload_of(event, self)


def payload_of(event: Event, *types: EventType[PayloadT]) -> PayloadT:
    """The payload of ``event``, which must be of one of ``types`` (sharing a payload type:
    a handler subscribed to several, such as a certificate issued, revoked or expired)."""
    if event.name not in {event_type.name for event_type in types}:
        raise ValueError(f"{event} is not one of {', '.join(event_type.name for event_type in types)}.")
    # Written through ``record`` with a PayloadT; JSON keeps a TypedDict's keys and values.
    return cast(PayloadT, event.payload)


def declared_event_names() -> frozenset[str]:
    """Every event name the installed apps declare in their ``events`` modules."""
    autodiscover_modules("events")
    return frozenset(_declared)
