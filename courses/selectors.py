"""Reads of courses, scoped to the user who asks.

Who sees what: trainers, leaders and admins see every course and lesson (they enrol and
teach across the catalogue); authors see their own courses; everyone else (trainees) sees
published courses only. (Limiting a trainee's lesson pages to the courses they are enrolled
in is still to do.)

Enrolments: a trainee sees their own; trainers and leaders also those of officers within
their scope; admins all.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from courses.models import (
    Course,
    CourseAuthor,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    PracticalResult,
    SessionRegistration,
    TrainingSession,
)
from organisations.models import Role, Unit, User
from organisations.selectors import scope_units, subtree_q, user_roles

STAFF_ROLES = (Role.TRAINER, Role.LEADERSHIP, Role.ADMIN)


def _is_authored_by(user: User, prefix: str = "") -> Exists:
    return Exists(CourseAuthor.objects.filter(course=OuterRef(f"{prefix}pk"), user=user))


def course_list(*, user: User) -> QuerySet[Course]:
    queryset = Course.objects.all()
    if not user_roles(user).has(*STAFF_ROLES):
        queryset = queryset.filter(Q(status=Course.Status.PUBLISHED) | _is_authored_by(user))
    return queryset.select_related("owner").order_by("code", "pk")


def course_get(*, user: User, course_id: int) -> Course | None:
    return course_list(user=user).filter(pk=course_id).first()


def course_outline_get(*, user: User, course_id: int) -> Course | None:
    """The course with ``outline``: its live modules, each with ``live_lessons`` (id, title, order).

    Three queries whatever the size of the course.
    """
    lessons = Lesson.objects.filter(is_archived=False).only("id", "title", "order", "module_id").order_by("order", "pk")
    modules = (
        Module.objects.filter(is_archived=False)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("lessons", queryset=lessons, to_attr="live_lessons"))
    )
    return (
        course_list(user=user)
        .prefetch_related(Prefetch("modules", queryset=modules, to_attr="outline"))
        .filter(pk=course_id)
        .first()
    )


def course_is_editable(*, user: User, course: Course) -> bool:
    """Authors and admins edit a course (modules, lessons, publishing)."""
    if user_roles(user).is_admin:
        return True
    return CourseAuthor.objects.filter(course=course, user=user).exists()


def module_get(*, user: User, module_id: int) -> Module | None:
    """A module of a course the user can see."""
    course_ids = course_list(user=user).values("pk")
    return Module.objects.select_related("course").filter(pk=module_id, course__in=course_ids).first()


def lesson_get(*, user: User, lesson_id: int) -> Lesson | None:
    """A lesson the user may read: staff and authors any; a trainee the live lessons of a
    published course they are enrolled in, and the archived ones their enrolment's release
    still requires (archiving never takes away what a trainee must do)."""
    queryset = Lesson.objects.select_related("module__course").filter(pk=lesson_id)
    if user_roles(user).has(*STAFF_ROLES):
        return queryset.first()
    authored = queryset.filter(_is_authored_by(user, prefix="module__course__")).first()
    if authored is not None:
        return authored
    lesson = queryset.filter(
        module__course__status=Course.Status.PUBLISHED, module__course__enrollments__officer__user=user
    ).first()
    if lesson is None or not (lesson.is_archived or lesson.module.is_archived):
        return lesson
    release_ids = (
        Enrollment.objects.filter(course_id=lesson.module.course_id, officer__user=user)
        .values_list("release__required_lesson_ids", flat=True)
        .first()
    )
    return lesson if lesson.pk in (release_ids or []) else None


def enrollment_list(*, user: User, course_id: int | None = None) -> QuerySet[Enrollment]:
    """Enrolments the user may see, each with ``progress`` computable by ``enrollment_with_progress``.

    A fixed number of queries whatever the count: course, officer and release are joined and
    the completed lesson ids come in one prefetch (``completed``).
    """
    roots = scope_units(user)
    if roots is None:
        queryset = Enrollment.objects.all()
    else:
        queryset = Enrollment.objects.filter(Q(officer__user=user) | subtree_q(roots, prefix="officer__unit__"))
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    completed = LessonProgress.objects.only("id", "enrollment_id", "lesson_id")
    return (
        queryset.select_related("course", "officer", "release")
        .prefetch_related(Prefetch("lesson_progress", queryset=completed, to_attr="completed"))
        .order_by("-enrolled_at", "-pk")
    )


def enrollment_progress(*, enrollment: Enrollment, completed_lesson_ids: Iterable[int]) -> int:
    """Percent (0-100, rounded down) of the pinned release's required lessons completed."""
    required = set(enrollment.release.required_lesson_ids)
    if not required:
        return 0
    return len(required & set(completed_lesson_ids)) * 100 // len(required)


def enrollment_with_progress(enrollment: Enrollment) -> Enrollment:
    """Set ``enrollment.progress`` (0-100) from the prefetched ``completed`` lessons, or one query."""
    completed = getattr(enrollment, "completed", None)
    if completed is None:
        lesson_ids = LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)
    else:
        lesson_ids = [progress.lesson_id for progress in completed]
    enrollment.progress = enrollment_progress(enrollment=enrollment, completed_lesson_ids=lesson_ids)
    return enrollment


def own_enrollment_get(*, user: User, course: Course) -> Enrollment | None:
    """The user's own enrolment in the course, if they have one."""
    officer = user_roles(user).officer
    if officer is None:
        return None
    return Enrollment.objects.select_related("release").filter(course=course, officer=officer).first()


def unit_for_enrolment_get(*, user: User, unit_id: int) -> Unit | None:
    """A unit within the user's scope as a trainer, or None."""
    roots = scope_units(user, roles=(Role.TRAINER,))
    return Unit.objects.filter(subtree_q(roots), pk=unit_id).first()


# Completion rule ------------------------------------------------------------------------
# A course is completed when every requirement of the enrolment's pinned release is met.
# The requirements come from the providers listed in ``settings.COURSE_COMPLETION_REQUIREMENTS``
# (dotted paths, each ``(enrollment) -> list[Requirement]``): the ones below cover lessons,
# attendance and practicals; assessments adds its own there without courses importing it.


@dataclass(frozen=True)
class Requirement:
    """One thing an enrolment needs before the course is completed, as a trainee reads it."""

    key: str
    label: str
    is_met: bool
    detail: str = ""


def completion_requirements(enrollment: Enrollment) -> list[Requirement]:
    """Every requirement of the enrolment's release, met or not, in the providers' order.

    An empty list means the release requires nothing, and such a course is never completed
    automatically.
    """
    requirements: list[Requirement] = []
    for path in settings.COURSE_COMPLETION_REQUIREMENTS:
        requirements.extend(import_string(path)(enrollment))
    return requirements


def lessons_requirement(enrollment: Enrollment) -> list[Requirement]:
    required = set(enrollment.release.required_lesson_ids)
    if not required:
        return []
    done = len(required & set(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)))
    return [
        Requirement(
            key="lessons",
            label=_("Complete the required lessons"),
            is_met=done == len(required),
            detail=_("%(done)d of %(total)d done") % {"done": done, "total": len(required)},
        )
    ]


def attendance_requirement(enrollment: Enrollment) -> list[Requirement]:
    if not enrollment.release.requires_attendance:
        return []
    attended = (
        SessionRegistration.objects.filter(
            session__course_id=enrollment.course_id,
            officer_id=enrollment.officer_id,
            attendance=SessionRegistration.Attendance.PRESENT,
        )
        .exclude(session__status=TrainingSession.Status.CANCELLED)
        .exists()
    )
    return [Requirement(key="attendance", label=_("Attend an in-person session"), is_met=attended)]


def practicals_requirement(enrollment: Enrollment) -> list[Requirement]:
    skills = enrollment.release.required_practicals
    if not skills:
        return []
    passed = {
        skill.casefold()
        for skill in PracticalResult.objects.filter(
            registration__session__course_id=enrollment.course_id,
            registration__officer_id=enrollment.officer_id,
            is_passed=True,
        ).values_list("skill", flat=True)
    }
    return [
        Requirement(
            key=f"practical:{skill}",
            label=_("Pass the practical: %(skill)s") % {"skill": skill},
            is_met=skill.casefold() in passed,
        )
        for skill in skills
    ]


def locked_module_ids(
    *, module_ids: list[int], lesson_modules: dict[int, int], required_ids: Iterable[int], completed_ids: Iterable[int]
) -> set[int]:
    """Modules a sequential course keeps closed: every module after the first one whose
    required lessons (of the release) are not all completed.

    ``module_ids`` are the course's live modules in order; ``lesson_modules`` maps lesson id
    to module id for (at least) the required lessons.
    """
    missing_by_module: dict[int, int] = {}
    completed = set(completed_ids)
    for lesson_id in set(required_ids) - completed:
        module_id = lesson_modules.get(lesson_id)
        if module_id is not None:
            missing_by_module[module_id] = missing_by_module.get(module_id, 0) + 1
    for index, module_id in enumerate(module_ids):
        if missing_by_module.get(module_id):
            return set(module_ids[index + 1 :])
    return set()


def enrollment_locked_module_ids(enrollment: Enrollment) -> set[int]:
    """``locked_module_ids`` for one enrolment, read from the database (three queries); empty
    unless the course unlocks its modules in order."""
    if not enrollment.course.is_sequential:
        return set()
    required = enrollment.release.required_lesson_ids
    return locked_module_ids(
        module_ids=list(
            Module.objects.filter(course_id=enrollment.course_id, is_archived=False)
            .order_by("order", "pk")
            .values_list("pk", flat=True)
        ),
        lesson_modules=dict(Lesson.objects.filter(pk__in=required).values_list("pk", "module_id")),
        required_ids=required,
        completed_ids=LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True),
    )
