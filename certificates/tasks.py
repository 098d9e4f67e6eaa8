from celery import shared_task

from certificates import services


@shared_task(name="certificates.expire", acks_late=True)
def expire() -> int:
    return services.certificates_expire()


@shared_task(name="certificates.refresher_reminders", acks_late=True)
def refresher_reminders() -> int:
    return services.refresher_reminders_send()
