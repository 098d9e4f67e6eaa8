import pytest
from django.db import transaction

from lms.events import services, tasks
from lms.events.models import Delivery
from tests.support import events
from tests.support.handlers import handled_count


def test_deliver_is_acknowledged_late_and_requeued_when_its_worker_dies():
    # Safe because delivery_run skips a delivery that is no longer pending (under a row
    # lock): a redelivered message does nothing the second time.
    assert tasks.deliver.name == "events.deliver"
    assert tasks.deliver.acks_late is True
    assert tasks.deliver.reject_on_worker_lost is True


@pytest.mark.django_db
def test_deliver_runs_each_delivery_once_even_when_the_message_comes_twice(handlers):
    with transaction.atomic():
        recorded = services.events_record(name=events.HANDLED, payloads=[{}, {}])
    ids = list(Delivery.objects.values_list("id", flat=True))

    assert tasks.deliver.run(ids) == 2
    assert tasks.deliver.run(ids) == 0

    assert [handled_count(event) for event in recorded] == [1, 1]


@pytest.mark.django_db
def test_sweep_hands_due_deliveries_to_the_broker(handlers, broker_messages):
    with transaction.atomic():
        event = services.event_record(name=events.HANDLED, payload={})
    delivery = Delivery.objects.get(event=event)

    assert tasks.sweep.run() == 1

    assert broker_messages() == [("events.deliver", [[delivery.pk]])]
