from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from lms.events import services
from lms.events.models import Delivery
from tests.support import events
from tests.support.handlers import handled_count


def record_two():
    with transaction.atomic():
        return services.events_record(name=events.HANDLED, payloads=[{"n": 1}, {"n": 2}])


def outbox(*args: str) -> str:
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_outbox_now_delivers_pending_deliveries_in_this_process(handlers, broker_messages):
    recorded = record_two()

    assert outbox("--now") == "2 deliveries done.\n"

    assert [handled_count(event) for event in recorded] == [1, 1]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.DONE}
    assert broker_messages() == []
    assert outbox("--now") == "0 deliveries done.\n"


@pytest.mark.django_db
def test_outbox_hands_due_deliveries_to_the_broker(handlers, broker_messages):
    recorded = record_two()
    ids = list(Delivery.objects.values_list("id", flat=True))

    assert outbox() == "2 deliveries handed to the broker.\n"

    assert broker_messages() == [("events.deliver", [ids])]
    assert Delivery.objects.filter(dispatched_at__isnull=True).count() == 0
    assert [handled_count(event) for event in recorded] == [0, 0]  # a worker's job
    assert outbox() == "0 deliveries handed to the broker.\n"
