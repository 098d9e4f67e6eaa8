"""Event types (``lms/events/types.py``): each app declares its events' names and payloads
once, and handlers read payloads through them."""

import re
from typing import TypedDict

import pytest
from django.db import transaction

from certificates.events import CERTIFICATE_ISSUED, CERTIFICATE_REVOKED, CertificateChanged
from lms.events.models import Delivery, Event
from lms.events.types import EventType, declared_event_names, payload_of


class Probe(TypedDict):
    probe_id: int


PROBED = EventType[Probe]("test.probed")


def test_a_name_is_declared_once():
    with pytest.raises(ValueError, match=r"'test\.probed' is declared twice"):
        EventType[Probe]("test.probed")


def test_every_event_the_apps_write_is_declared_with_a_past_tense_name():
    names = declared_event_names() - {PROBED.name}

    assert {"course.completed", "certificate.issued", "certificate.run_chunk_queued", "readiness.webhook_due"} <= names
    for name in names:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", name), name
        assert name.endswith(("ed", "_due", ".left")), f"{name}: not what happened"


@pytest.mark.django_db
def test_recorded_through_its_type_an_event_carries_the_name_and_payload(settings):
    settings.LMS_EVENT_HANDLERS = {PROBED.name: ["tests.support.handlers.audit_event"]}
    with transaction.atomic():
        event = PROBED.record({"probe_id": 7})

    stored = Event.objects.get(pk=event.pk)
    assert (stored.name, stored.payload) == ("test.probed", {"probe_id": 7})
    assert Delivery.objects.filter(event=stored).count() == 1
    assert PROBED.payload_of(stored)["probe_id"] == 7


@pytest.mark.django_db
def test_nothing_is_recorded_for_no_payloads():
    with transaction.atomic():
        assert PROBED.record_many([]) == []

    assert not Event.objects.exists()


def test_a_handler_reading_another_events_payload_is_refused():
    event = Event(name="certificate.revoked", payload={"certificate_id": 1, "officer_id": 2})

    with pytest.raises(ValueError, match=r"not one of certificate\.issued"):
        CERTIFICATE_ISSUED.payload_of(event)
    changed: CertificateChanged = payload_of(event, CERTIFICATE_ISSUED, CERTIFICATE_REVOKED)
    assert changed["officer_id"] == 2
