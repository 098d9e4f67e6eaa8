from celery import shared_task

from organisations import activation, tokens


# Idempotent (deleting what is already gone deletes nothing), so a redelivery is harmless.
@shared_task(name="organisations.purge_activation_codes", acks_late=True)
def purge_activation_codes() -> int:
    """Nightly (beat schedule): delete activation codes spent or dead for 90 days."""
    return activation.activation_codes_purge()


# Idempotent, like the purge above.
@shared_task(name="organisations.purge_api_tokens", acks_late=True)
def purge_api_tokens() -> int:
    """Nightly (beat schedule): delete API tokens that have expired."""
    return tokens.api_tokens_purge()
