"""Events mark units and ask for one coalesced update per service (``readiness.sync_dirty``).

Each delivery below runs as a worker runs it: in a transaction of its own, whose commit
callbacks run when it ends; messages go to the in-memory broker of the test settings.
"""

import datetime
import logging
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from lms.celery import app as celery_app
from lms.events.models import Event
from organisations.models import Unit
from readiness import handlers, services, tasks
from readiness.models import DirtyUnit, SyncRequest, UnitReadiness
from readiness.services import sync
from tests.factories import OfficerFactory, PoliceServiceFactory, UnitFactory

SYNC = "readiness.sync_dirty"


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Deliver one ``officer.joined`` event per unit, each in a transaction of its own."""

    def run(*units: Unit) -> None:
        for unit in units:
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                handlers.readiness_update(Event(name="readiness.unit_changed", payload={"unit_id": unit.pk}))

    return run


@pytest.fixture
def other_service_unit(db) -> Unit:
    service = PoliceServiceFactory(code="TNP", name="Tamar National Police")
    unit = UnitFactory(service=service, code="T-HQ", name="Tamar Headquarters", unit_type=Unit.Type.NATIONAL)
    OfficerFactory(unit=unit)
    return unit


def lost(service_id: int, settings) -> None:
    """Make the service's pending request as old as a lost message's."""
    age = datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS + 1)
    SyncRequest.objects.filter(service_id=service_id).update(requested_at=timezone.now() - age)


def test_forty_events_of_a_service_send_one_message(tree, deliver, broker_messages):
    deliver(*[tree.north_station, tree.south_station] * 20)

    assert broker_messages() == [(SYNC, [tree.service.pk])]
    assert SyncRequest.objects.get().service_id == tree.service.pk
    assert set(DirtyUnit.objects.values_list("unit_id", flat=True)) == {tree.north_station.pk, tree.south_station.pk}


def test_the_update_withdraws_the_request_so_the_next_event_sends_again(tree, deliver, broker_messages):
    deliver(tree.north_station)
    assert broker_messages() == [(SYNC, [tree.service.pk])]

    assert tasks.sync_dirty(tree.service.pk) > 0  # as the worker runs the message

    assert not SyncRequest.objects.exists()
    assert not DirtyUnit.objects.exists()
    assert UnitReadiness.objects.get(unit=tree.north_station).eligible == 2
    deliver(tree.south_station, tree.north_station, tree.south_station)
    assert broker_messages() == [(SYNC, [tree.service.pk])]


def test_a_mark_made_while_an_update_runs_stays_and_sends_the_next_message(tree, deliver, broker_messages, monkeypatch):
    """Another worker's delivery commits while the update computes: the update has already
    withdrawn the request, so that delivery sends the next message, and the update clears
    only the mark it saw (the new one has a later time)."""
    deliver(tree.north_station)
    broker_messages()
    update = services.readiness_sync_units

    def with_a_delivery_meanwhile(**arguments):
        deliver(tree.north_station)
        return update(**arguments)

    # Where readiness_sync_dirty looks it up: replacing the package's re-export would not reach it.
    monkeypatch.setattr(sync, "readiness_sync_units", with_a_delivery_meanwhile)
    services.readiness_sync_dirty(service_id=tree.service.pk)

    assert broker_messages() == [(SYNC, [tree.service.pk])]
    assert list(DirtyUnit.objects.values_list("unit_id", flat=True)) == [tree.north_station.pk]
    monkeypatch.undo()
    services.readiness_sync_dirty(service_id=tree.service.pk)
    assert not DirtyUnit.objects.exists()
    assert not SyncRequest.objects.exists()


def test_a_request_as_old_as_a_lost_message_is_renewed_by_one_event(tree, deliver, broker_messages, settings):
    deliver(tree.north_station)
    broker_messages()
    lost(tree.service.pk, settings)

    deliver(tree.south_station, tree.north_station)

    assert broker_messages() == [(SYNC, [tree.service.pk])]
    renewed = SyncRequest.objects.get()
    assert timezone.now() - renewed.requested_at < datetime.timedelta(seconds=5)


def test_a_message_that_cannot_be_sent_withdraws_its_request(tree, deliver, broker_messages, caplog):
    with (
        mock.patch.object(celery_app, "send_task", side_effect=OperationalError("connection refused")),
        caplog.at_level(logging.WARNING, logger="readiness.handlers"),
    ):
        deliver(tree.north_station)

    assert not SyncRequest.objects.exists()
    assert list(DirtyUnit.objects.values_list("unit_id", flat=True)) == [tree.north_station.pk]
    assert caplog.messages == [
        "Readiness: broker unavailable, units stay marked for the periodic update: connection refused"
    ]
    deliver(tree.south_station)  # the broker is back
    assert broker_messages() == [(SYNC, [tree.service.pk])]


def test_each_service_has_its_own_request_and_update(tree, other_service_unit, deliver, broker_messages):
    other = other_service_unit.service_id

    deliver(tree.north_station, other_service_unit, tree.south_station, other_service_unit)

    assert sorted(broker_messages()) == sorted([(SYNC, [tree.service.pk]), (SYNC, [other])])
    services.readiness_sync_dirty(service_id=other)
    assert list(SyncRequest.objects.values_list("service_id", flat=True)) == [tree.service.pk]
    assert set(DirtyUnit.objects.values_list("unit_id", flat=True)) == {tree.north_station.pk, tree.south_station.pk}
    assert UnitReadiness.objects.get(unit=other_service_unit).eligible == 1


def test_the_beat_update_takes_every_mark_and_withdraws_only_lost_requests(
    tree, other_service_unit, deliver, broker_messages, settings
):
    deliver(tree.north_station, other_service_unit)
    broker_messages()
    lost(other_service_unit.service_id, settings)

    tasks.sync_dirty()  # the beat's message has no arguments

    assert not DirtyUnit.objects.exists()
    assert list(SyncRequest.objects.values_list("service_id", flat=True)) == [tree.service.pk]
    deliver(other_service_unit)
    assert broker_messages() == [(SYNC, [other_service_unit.service_id])]
