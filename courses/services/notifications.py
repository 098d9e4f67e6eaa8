"""Notifications of enrolment and approaching deadlines (the completion notice is sent by
``enrollment_complete_if_met``). Self-enrolment needs no notice: the officer chose it.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from courses.models import Course, Enrollment
from lms.notifications.services import localised_date, notifications_send
from organisations.models import User

ENROLLED_MESSAGE = gettext_lazy("You have been enrolled in %(course)s.")
ENROLLED_WITH_DEADLINE_MESSAGE = gettext_lazy("You have been enrolled in %(course)s; complete it by %(deadline)s.")
DEADLINE_REMINDER_MESSAGE = gettext_lazy("Reminder: complete %(course)s by %(deadline)s.")
DEADLINE_REMINDER_BATCH_SIZE = 500


def _course_link(course: Course) -> str:
    return reverse("course-outline", args=[course.pk])


def _enrollment_notify(*, course: Course, officer_ids: list[int], deadline: datetime.date | None) -> None:
    """Tell the newly enrolled officers who have an account: one query for them, one insert."""
    users = (
        User.objects.filter(officer__pk__in=officer_ids, is_active=True)
        .only("pk", "is_active", "email", "preferred_language")
        .order_by("pk")
    )
    params = {"course": course.title}
    if deadline is not None:
        params["deadline"] = localised_date(deadline)
    notifications_send(
        users=users,
        kind="course.enrolled",
        message=ENROLLED_WITH_DEADLINE_MESSAGE if deadline is not None else ENROLLED_MESSAGE,
        params=params,
        link=_course_link(course),
    )


def enrollment_deadline_reminders_send(*, today: datetime.date | None = None, days_ahead: int | None = None) -> int:
    """Remind each officer whose in-progress enrolment is due within ``days_ahead`` days of
    ``today`` (both counted; default ``settings.DEADLINE_REMINDER_DAYS`` and the local date),
    once per enrolment. Returns how many enrolments were reminded.

    Idempotent: ``deadline_reminded_at`` is set in the transaction that writes the
    notifications, so a second run (a redelivered task) sends nothing. Works in batches, one
    transaction each; on PostgreSQL a batch's rows are locked with SKIP LOCKED, so two
    concurrent runs share the work, and SQLite serialises writers at BEGIN. Officers who
    have left or have no active account are neither reminded nor marked: one who activates
    an account before the deadline is reminded then.

    Nothing resets ``deadline_reminded_at`` yet: a service that changes an enrolment's
    deadline must clear it, so that the new deadline is reminded too.
    """
    today = today or timezone.localdate()
    days_ahead = settings.DEADLINE_REMINDER_DAYS if days_ahead is None else days_ahead
    due = (
        Enrollment.objects.filter(
            status=Enrollment.Status.IN_PROGRESS,
            deadline_reminded_at__isnull=True,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=days_ahead),
            officer__is_active=True,
            officer__user__is_active=True,
        )
        .select_related("course", "officer__user")
        .order_by("pk")
    )
    reminded = 0
    while True:
        with transaction.atomic():
            batch = list(due.select_for_update(skip_locked=True, of=("self",))[:DEADLINE_REMINDER_BATCH_SIZE])
            if not batch:
                return reminded
            groups: dict[tuple[int, datetime.date], list[Enrollment]] = {}
            for enrollment in batch:
                assert enrollment.deadline is not None  # ``due`` has deadline__gte
                groups.setdefault((enrollment.course_id, enrollment.deadline), []).append(enrollment)
            for (_course_id, deadline), enrollments in groups.items():
                course = enrollments[0].course
                notifications_send(
                    users=[enrollment.officer.user for enrollment in enrollments],
                    kind="course.deadline_approaching",
                    message=DEADLINE_REMINDER_MESSAGE,
                    params={"course": course.title, "deadline": localised_date(deadline)},
                    link=_course_link(course),
                )
            Enrollment.objects.filter(pk__in=[enrollment.pk for enrollment in batch]).update(
                deadline_reminded_at=timezone.now()
            )
            reminded += len(batch)
