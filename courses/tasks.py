from celery import shared_task

from courses import services


# Idempotent (each enrolment is reminded once, marked in the same transaction), so a
# redelivery after a worker crash sends nothing twice.
@shared_task(name="courses.deadline_reminders", acks_late=True)
def deadline_reminders() -> int:
    """Daily (beat schedule): remind officers of enrolment deadlines within ``DEADLINE_REMINDER_DAYS``."""
    return services.enrollment_deadline_reminders_send()
