from celery import shared_task

from organisations import activation


# Idempotent (deleting what is already gone deletes nothing), so a redelivery is harmless.
@shared_task(name="organisations.purge_activation_codes", acks_late=True)
def purge_activation_codes() -> int:
    """Nightly (beat schedule): delete activation codes spent or dead for 90 days."""
    return activation.activation_codes_purge()
