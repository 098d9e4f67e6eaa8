"""A course's gradebook: one row per enrolled officer within the viewer's scope, with unit,
progress, last activity, attempts and best score, and certificate.

It lives in ``certificates``, the highest app whose data it shows (courses' enrolments,
assessments' attempts, certificates), so it reads the apps below it directly instead of
passing columns up through a hook: a hook would cost a query per provider *and* a way to
join its rows back to the enrolments, for one page. The rows cost a fixed number of
queries whatever their number: one for the enrolments with their attempts and
certificate as subqueries, one for the lessons done.
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DateTimeField, Exists, IntegerField, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from assessments.models import Attempt
from certificates.models import Certificate
from courses.models import Course, Enrollment, LessonProgress
from courses.selectors import enrollments_progress
from organisations.models import Officer, Unit, User
from organisations.selectors import scope_units, subtree_q


class GradebookStatus(enum.StrEnum):
    """Where an officer stands in the course, as the course report counts it."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class GradebookRow:
    officer: Officer
    unit: Unit
    status: GradebookStatus
    progress: int  # percent of the pinned release's required lessons done
    last_activity: datetime | None  # the latest lesson done or attempt started
    attempts: int  # submitted attempts at the course's assessments
    best_score: Decimal | None  # the best graded score (%)
    certificate_code: str | None  # the officer's latest certificate of the course
    certificate_status: str | None  # ``Certificate.Status``
    certificate_expires_on: date | None


def _attempts(course: Course) -> QuerySet[Attempt]:
    return Attempt.objects.filter(officer=OuterRef("officer_id"), assessment__course_id=course.pk).exclude(
        status=Attempt.Status.IN_PROGRESS
    )


def course_gradebook(
    *, user: User, course: Course, unit: Unit | None = None, status: GradebookStatus | None = None
) -> list[GradebookRow]:
    """The gradebook rows of ``course`` for ``user`` (trainer or leadership: officers in
    their scope; admins: everyone; the caller checks the role and that ``unit`` is in
    scope), optionally only ``unit``'s subtree and one ``status``; sorted by unit path, then
    name. Two queries."""
    first_attempt = _attempts(course).order_by()
    latest_certificate = Certificate.objects.filter(officer=OuterRef("officer_id"), course_id=course.pk).order_by(
        "-issued_at", "-pk"
    )
    enrollments = (
        Enrollment.objects.filter(subtree_q(scope_units(user), prefix="officer__unit__"), course=course)
        .select_related("officer__unit", "release")
        .annotate(
            is_started=Exists(LessonProgress.objects.filter(enrollment=OuterRef("pk"))),
            attempt_count=Coalesce(
                Subquery(
                    first_attempt.values("officer").annotate(count=Count("pk")).values("count"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            best_score=Subquery(first_attempt.values("officer").annotate(best=Max("score")).values("best")),
            last_attempt_at=Subquery(
                _attempts(course).order_by().values("officer").annotate(last=Max("started_at")).values("last"),
                output_field=DateTimeField(),
            ),
            certificate_code=Subquery(latest_certificate.values("code")[:1]),
            certificate_status=Subquery(latest_certificate.values("status")[:1]),
            certificate_expires_on=Subquery(latest_certificate.values("expires_on")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "lesson_progress",
                queryset=LessonProgress.objects.only("enrollment_id", "lesson_id", "completed_at"),
                to_attr="lessons_done",
            )
        )
        .order_by("officer__unit__path", "officer__family_name", "officer__given_name", "officer__service_number")
    )
    if unit is not None:
        enrollments = enrollments.filter(officer__unit__path__startswith=unit.path)
    if status == GradebookStatus.COMPLETED:
        enrollments = enrollments.filter(status=Enrollment.Status.COMPLETED)
    elif status == GradebookStatus.IN_PROGRESS:
        enrollments = enrollments.exclude(status=Enrollment.Status.COMPLETED).filter(is_started=True)
    elif status == GradebookStatus.NOT_STARTED:
        enrollments = enrollments.exclude(status=Enrollment.Status.COMPLETED).filter(is_started=False)
    found = list(enrollments)
    progress = enrollments_progress(
        enrollments=found,
        completed={
            enrollment.pk: [done.lesson_id for done in vars(enrollment)["lessons_done"]] for enrollment in found
        },
    )
    rows = []
    for enrollment in found:
        annotated = vars(enrollment)  # the annotations and the prefetched lessons above
        done: list[LessonProgress] = annotated["lessons_done"]
        moments = [progress.completed_at for progress in done]
        if annotated["last_attempt_at"] is not None:
            moments.append(annotated["last_attempt_at"])
        if enrollment.status == Enrollment.Status.COMPLETED:
            row_status = GradebookStatus.COMPLETED
        elif annotated["is_started"]:
            row_status = GradebookStatus.IN_PROGRESS
        else:
            row_status = GradebookStatus.NOT_STARTED
        rows.append(
            GradebookRow(
                officer=enrollment.officer,
                unit=enrollment.officer.unit,
                status=row_status,
                progress=progress[enrollment.pk],
                last_activity=max(moments, default=None),
                attempts=annotated["attempt_count"],
                best_score=annotated["best_score"],
                certificate_code=annotated["certificate_code"],
                certificate_status=annotated["certificate_status"],
                certificate_expires_on=annotated["certificate_expires_on"],
            )
        )
    return rows
