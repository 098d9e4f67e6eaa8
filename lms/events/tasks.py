from celery import shared_task

from lms.events import services


# Idempotent: a delivery already done is skipped under a row lock, so late acknowledgement
# (redelivery after a worker crash) cannot run a handler twice for the same event.
@shared_task(name="events.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_ids: list[int]) -> int:
    return sum(services.delivery_run(delivery_id=delivery_id) for delivery_id in delivery_ids)


@shared_task(name="events.sweep", acks_late=True)
def sweep() -> int:
    return services.deliveries_sweep()
