"""Enrolment and progress.

Every enrolment write locks the course row first (as ``course_publish`` does), so
enrolments of one course are serialised and the counts they return are exact; the unique
constraint on (course, officer) is the last line of defence. Completion is decided in one
place, ``enrollment_complete_if_met`` (``courses.services.completion``).
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors
from courses.models import Course, CourseRelease, Enrollment, Lesson, LessonProgress
from courses.services.completion import enrollment_complete_if_met
from courses.services.notifications import _enrollment_notify
from lms.audit.services import audit_record
from organisations.models import Officer, Role, Unit, User
from organisations.selectors import scope_covers, scope_units, unit_in_scope, user_roles


def _course_lock_for_enrollment(course: Course) -> tuple[Course, CourseRelease]:
    """Lock the course; it must be published. Returns it with its latest release."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    release = course.releases.order_by("-number").first()
    if not course.is_published or release is None:
        raise ValidationError(_("Only a published course can be enrolled in."), code="not_published")
    return course, release


@transaction.atomic
def enrollment_create_self(*, course: Course, user: User) -> tuple[Enrollment, bool]:
    """Enrol the user's own officer record; returns ``(enrollment, created)``.

    Preconditions: the course is published (``ValidationError``) and open to self-enrolment,
    and the user is an active officer (``PermissionDenied``). Enrolling again returns the
    existing enrolment. Locks the course row.
    """
    officer = user_roles(user).officer
    if officer is None or not officer.is_active:
        raise PermissionDenied(_("Only an active officer can enrol."))
    course, release = _course_lock_for_enrollment(course)
    existing = Enrollment.objects.filter(course=course, officer=officer).first()
    if existing is not None:
        return existing, False
    if not course.is_self_enrollment_open:
        raise PermissionDenied(_("This course is not open to self-enrolment."))
    enrollment = Enrollment.objects.create(course=course, officer=officer, release=release, enrolled_by=user)
    audit_record(
        actor=user,
        action="course.enrolled",
        target=course,
        after={"officer_ids": [officer.pk], "release": release.number, "self": True},
    )
    return enrollment, True


@transaction.atomic
def enrollments_create(
    *, course: Course, officers: Iterable[Officer], actor: User, deadline: datetime.date | None = None
) -> int:
    """Enrol officers on the course's latest release; returns how many were newly enrolled.

    Preconditions: the course is published and ``actor`` is a trainer (or admin) whose scope
    covers every officer, each of them active; otherwise ``PermissionDenied`` or a
    ``ValidationError`` on ``officers`` listing those refused, and nothing is written.
    Officers already enrolled are skipped (their deadline is left as it was). Locks the
    course row; ``bulk_create(ignore_conflicts=True)`` keeps even an unlocked concurrent
    writer from creating a duplicate. One ``course.enrolled`` audit entry per batch.
    """
    roles = user_roles(actor)
    if not roles.has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied(_("Only trainers enrol other officers."))
    officers = list({officer.pk: officer for officer in officers}.values())
    roots = scope_units(actor, roles=(Role.TRAINER,))
    refused = [officer for officer in officers if not officer.is_active or not scope_covers(roots, officer.unit)]
    if refused:
        raise ValidationError(
            {
                "officers": [
                    ValidationError(
                        _("Outside your scope or no longer serving: %(officers)s."),
                        code="out_of_scope",
                        params={"officers": ", ".join(str(pk) for pk in sorted(officer.pk for officer in refused))},
                    )
                ]
            }
        )
    course, release = _course_lock_for_enrollment(course)
    already = set(
        Enrollment.objects.filter(course=course, officer__in=[o.pk for o in officers]).values_list(
            "officer_id", flat=True
        )
    )
    new = [officer for officer in officers if officer.pk not in already]
    Enrollment.objects.bulk_create(
        [
            Enrollment(course=course, officer=officer, release=release, enrolled_by=actor, deadline=deadline)
            for officer in new
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    if new:
        audit_record(
            actor=actor,
            action="course.enrolled",
            target=course,
            after={
                "officer_ids": [officer.pk for officer in new],
                "release": release.number,
                "deadline": deadline.isoformat() if deadline else None,
            },
        )
        _enrollment_notify(course=course, officer_ids=[officer.pk for officer in new], deadline=deadline)
    return len(new)


@transaction.atomic
def enrollments_create_for_unit(
    *, course: Course, unit: Unit, actor: User, deadline: datetime.date | None = None
) -> int:
    """Enrol every active officer of ``unit``'s subtree (a cohort); see ``enrollments_create``.

    ``PermissionDenied`` when the unit is outside the actor's scope.
    """
    if not unit_in_scope(user=actor, unit=unit):
        raise PermissionDenied(_("This unit is outside your scope."))
    officers = Officer.objects.filter(unit__path__startswith=unit.path, is_active=True).select_related("unit")
    return enrollments_create(course=course, officers=officers, actor=actor, deadline=deadline)


@transaction.atomic
def lesson_complete(*, enrollment: Enrollment, lesson: Lesson) -> int:
    """Record the lesson as completed and as where to resume; returns the progress percent.

    Idempotent: completing a lesson again changes nothing but the resume point. Any live
    lesson of the course may be completed (``ValidationError`` with code ``locked`` while its
    module is still closed in a sequential course), but only the required lessons of the
    enrolment's release count towards progress. Completes the course when this was the last
    requirement. Locks the enrolment row.
    """
    enrollment = Enrollment.objects.select_for_update().select_related("release", "course").get(pk=enrollment.pk)
    if lesson.module.course_id != enrollment.course_id:
        raise ValidationError(_("This lesson is not part of the enrolment's course."), code="wrong_course")
    if lesson.module_id in selectors.enrollment_locked_module_ids(enrollment):
        raise ValidationError(selectors.LESSON_LOCKED_MESSAGE, code="locked")
    created = LessonProgress.objects.get_or_create(
        enrollment=enrollment, lesson=lesson, defaults={"completed_at": timezone.now()}
    )[1]
    if enrollment.last_lesson_id != lesson.pk:
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson"])
    completed = LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)
    if created and lesson.pk in enrollment.release.required_lesson_ids:
        enrollment_complete_if_met(enrollment_id=enrollment.pk)
    return selectors.enrollments_progress(enrollments=[enrollment], completed={enrollment.pk: completed})[enrollment.pk]
