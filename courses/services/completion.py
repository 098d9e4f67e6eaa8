"""Completing a course: ``enrollment_complete_if_met`` is the one place it happens, and it
sends the completion notice.
"""

import calendar
import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from courses import selectors
from courses.events import COURSE_COMPLETED
from courses.models import CourseCompletion, Enrollment
from lms.audit.services import audit_record
from lms.notifications.services import notifications_send
from organisations.models import User


def _months_after(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


COMPLETED_MESSAGE = gettext_lazy("You completed %(course)s.")


@transaction.atomic
def enrollment_complete_if_met(*, enrollment_id: int, actor: User | None = None) -> CourseCompletion | None:
    """Complete the enrolment if its release's completion rule is met now.

    The one place a course is completed. Everything that can meet a requirement (a lesson,
    attendance, a practical, an assessment) calls this afterwards. Returns the completion
    record (the existing one if the enrolment was already completed) or None while a
    requirement is unmet. The record, the enrolment's status and a ``course.completed``
    event are written in one transaction, exactly once per enrolment: the enrolment row is
    locked first and the one-to-one on ``CourseCompletion.enrollment`` is the last line of
    defence.
    """
    enrollment = (
        # Only the enrolment row: PostgreSQL cannot lock the nullable side of the outer join
        # to the officer's (optional) account.
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("release", "course", "officer__user")
        .get(pk=enrollment_id)
    )
    existing = CourseCompletion.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    requirements = selectors.completion_requirements(enrollment)
    if not requirements or not all(requirement.is_met for requirement in requirements):
        return None
    now = timezone.now()
    course = enrollment.course
    completion = CourseCompletion.objects.create(
        enrollment=enrollment,
        course=course,
        officer=enrollment.officer,
        release=enrollment.release,
        completed_at=now,
        competencies=list(course.competencies),
        valid_until=_months_after(timezone.localdate(now), course.validity_months) if course.validity_months else None,
    )
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.completed_at = now
    enrollment.save(update_fields=["status", "completed_at"])
    COURSE_COMPLETED.record({"completion_id": completion.pk})
    audit_record(
        actor=actor,
        action="course.completed",
        target=enrollment,
        before={"status": Enrollment.Status.IN_PROGRESS},
        after={
            "status": Enrollment.Status.COMPLETED,
            "completion": completion.pk,
            "release": enrollment.release.number,
        },
    )
    if enrollment.officer.user is not None:
        notifications_send(
            users=[enrollment.officer.user],
            kind="course.completed",
            message=COMPLETED_MESSAGE,
            params={"course": course.title},
            link=reverse("course-outline", args=[course.pk]),
        )
    return completion
