"""Learner pages: a course's outline for one reader, its progress and where to resume, the
lesson page's read, the rule that withholds a locked lesson's content, a lesson's
attachments, and the reader's sessions of a course.

Everything a page needs comes in a fixed number of queries; the progress, ticks, locks
and neighbours of a lesson are computed from the loaded rows, never per module or lesson.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from courses.models import (
    Course,
    CourseAuthor,
    Enrollment,
    Lesson,
    LessonAttachment,
    LessonProgress,
    SessionRegistration,
    TrainingSession,
)
from courses.selectors._common import STAFF_ROLES
from courses.selectors.completion import (
    LearnerAssessment,
    enrollment_locked_module_ids,
    learner_assessments,
    locked_module_ids,
)
from courses.selectors.courses import lesson_get
from courses.selectors.enrollments import learner_enrollment_get
from organisations.models import User
from organisations.selectors import user_roles


@dataclass
class OutlineLesson:
    """A lesson as the outline lists it; ``is_archived`` when it or its module is."""

    pk: int
    title: str
    module_id: int
    duration_minutes: int | None
    is_archived: bool
    is_completed: bool
    is_required_now: bool = False
    is_locked: bool = False


@dataclass
class OutlineModule:
    pk: int
    title: str
    is_archived: bool
    lessons: list[OutlineLesson] = field(default_factory=list)
    is_locked: bool = False

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @property
    def completed_count(self) -> int:
        return sum(lesson.is_completed for lesson in self.lessons)

    @property
    def is_completed(self) -> bool:
        return all(lesson.is_completed for lesson in self.lessons)


@dataclass(frozen=True)
class ResumeTarget:
    """Where an enrolled trainee goes on: ``url`` of a lesson or an assessment; ``is_start``
    while they have done nothing yet (the button says "Start", else "Resume")."""

    url: str
    is_start: bool


def learner_progress(
    *, required_ids: Iterable[int], completed_ids: Iterable[int], assessments: Sequence[LearnerAssessment] = ()
) -> int:
    """Percent (0-100, rounded down) of what the release requires that is done: its required
    lessons completed and the assessments that count for it passed (``LearnerAssessment.counts``).
    So a course whose final is still to do never shows 100 %."""
    required = set(required_ids)
    counted = [assessment for assessment in assessments if assessment.counts]
    total = len(required) + len(counted)
    if not total:
        return 0
    done = len(required & set(completed_ids)) + sum(assessment.is_passed for assessment in counted)
    return done * 100 // total


def enrollments_progress(
    *, enrollments: Sequence[Enrollment], completed: Mapping[int, Iterable[int]]
) -> dict[int, int]:
    """Each enrolment's progress (0-100) by id, as its trainee's pages show it
    (``learner_progress``: required lessons and the assessments that count), from
    ``completed`` (enrolment id -> completed lesson ids); a completed enrolment is 100. The
    enrolments need their ``release``; at most three queries (``learner_assessments``)."""
    assessments = learner_assessments(enrollments=enrollments)
    return {
        enrollment.pk: 100
        if enrollment.status == Enrollment.Status.COMPLETED
        else learner_progress(
            required_ids=enrollment.release.required_lesson_ids,
            completed_ids=completed.get(enrollment.pk, ()),
            assessments=assessments.get(enrollment.pk, ()),
        )
        for enrollment in enrollments
    }


def enrollments_with_progress(enrollments: Sequence[Enrollment]) -> None:
    """Set ``progress`` on each enrolment (``enrollments_progress``), from the lessons
    ``enrollment_list`` prefetched (``completed``), else one query for all of them."""
    completed: dict[int, list[int]] = defaultdict(list)
    missing = []
    for enrollment in enrollments:
        prefetched: list[LessonProgress] | None = getattr(enrollment, "completed", None)
        if prefetched is None:
            missing.append(enrollment.pk)
        else:
            completed[enrollment.pk] = [done.lesson_id for done in prefetched]
    if missing:
        for enrollment_id, lesson_id in LessonProgress.objects.filter(enrollment_id__in=missing).values_list(
            "enrollment_id", "lesson_id"
        ):
            completed[enrollment_id].append(lesson_id)
    progress = enrollments_progress(enrollments=enrollments, completed=completed)
    for enrollment in enrollments:
        enrollment.progress = progress[enrollment.pk]


def resume_target(
    *,
    lesson_ids: Sequence[int],
    required_ids: Sequence[int],
    completed_ids: Iterable[int],
    assessments: Sequence[LearnerAssessment] = (),
) -> ResumeTarget | None:
    """The next thing to do, never the last one done: the first required lesson not completed
    (``lesson_ids`` is the outline's order of the lessons the trainee may open), or, when the
    release requires no lesson, the first lesson not completed; then the first assessment
    that counts and can still be taken, then any other lesson left. None when nothing is left.
    """
    completed = set(completed_ids)
    required = set(required_ids)
    is_start = not completed and all(assessment.state == assessment.NOT_STARTED for assessment in assessments)
    order = list(lesson_ids) + [pk for pk in required_ids if pk not in set(lesson_ids)]

    def lesson(pk: int) -> ResumeTarget:
        return ResumeTarget(url=reverse("lesson-detail", args=[pk]), is_start=is_start)

    for pk in order:
        if pk in required and pk not in completed:
            return lesson(pk)
    remaining = [pk for pk in lesson_ids if pk not in completed]
    if not required and remaining:
        return lesson(remaining[0])
    for assessment in assessments:
        if assessment.counts and assessment.can_attempt:
            return ResumeTarget(url=assessment.url, is_start=is_start)
    return lesson(remaining[0]) if remaining else None


@dataclass
class LearnerOutline:
    """A course's outline for one reader: modules and lessons in order with ticks and locks;
    for an enrolment, its ``progress`` (None without one), its ``assessments`` and where
    it resumes (``resume``)."""

    modules: list[OutlineModule]
    lessons: list[OutlineLesson]
    completed_ids: set[int]
    locked_module_ids: set[int]
    progress: int | None
    assessments: list[LearnerAssessment] = field(default_factory=list)
    resume: ResumeTarget | None = None

    def neighbours(self, lesson_id: int) -> tuple[OutlineLesson | None, OutlineLesson | None]:
        """The lessons before and after ``lesson_id`` in outline order, across modules."""
        ids = [lesson.pk for lesson in self.lessons]
        if lesson_id not in ids:
            return None, None
        index = ids.index(lesson_id)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


def learner_outline_get(
    *, course: Course, enrollment: Enrollment | None = None, assessments: Sequence[LearnerAssessment] = ()
) -> LearnerOutline:
    """``course_outline_get`` as a learner reads it, with what the enrolment has done.

    ``assessments`` (``learner_assessments`` of the enrolment) are listed with the outline,
    counted in its progress and offered by ``resume`` once the lessons are done.

    Shown are the live lessons of live modules and, for an enrolment, also the archived
    lessons (and archived modules) its release still requires: archiving never takes away a
    requirement, and ``lesson_get`` lets the trainee read them. Modules without a lesson to
    show are left out. In a sequential course, the modules ``enrollment_locked_module_ids``
    keeps closed are locked. Two queries whatever the size of the course (one without an
    enrolment): the lessons, and the ones completed; progress and locks are computed from them.
    """
    required = list(enrollment.release.required_lesson_ids) if enrollment is not None else []
    required_set = set(required)
    # Every lesson of the course, the archived ones left out below: a course holds tens of
    # lessons, and filtering them here costs less than building the condition into the SQL.
    rows = (
        Lesson.objects.filter(module__course_id=course.pk)
        .order_by("module__order", "module_id", "order", "pk")
        .values_list(
            "pk", "title", "module_id", "duration_minutes", "is_archived", "module__title", "module__is_archived"
        )
    )
    done: set[int] = set()
    if enrollment is not None:
        # A second plain query costs less than an Exists() annotation on the first.
        done = set(LessonProgress.objects.filter(enrollment_id=enrollment.pk).values_list("lesson_id", flat=True))
    modules: dict[int, OutlineModule] = {}
    lessons: list[OutlineLesson] = []
    for pk, title, module_id, minutes, is_archived, module_title, is_module_archived in rows:
        if (is_archived or is_module_archived) and pk not in required_set:
            continue
        module = modules.get(module_id)
        if module is None:
            module = modules[module_id] = OutlineModule(
                pk=module_id, title=module_title, is_archived=is_module_archived
            )
        lesson = OutlineLesson(
            pk=pk,
            title=title,
            module_id=module_id,
            duration_minutes=minutes,
            is_archived=is_archived or is_module_archived,
            is_completed=pk in done,
            is_required_now=pk in required_set,
        )
        module.lessons.append(lesson)
        lessons.append(lesson)
    completed_ids = {lesson.pk for lesson in lessons if lesson.is_completed}
    locked: set[int] = set()
    if enrollment is not None and course.is_sequential:
        # As ``enrollment_locked_module_ids`` decides it: the live modules in order.
        locked = locked_module_ids(
            module_ids=[module.pk for module in modules.values() if not module.is_archived],
            lesson_modules={lesson.pk: lesson.module_id for lesson in lessons},
            required_ids=required,
            completed_ids=completed_ids,
        )
    for module in modules.values():
        module.is_locked = module.pk in locked
        for lesson in module.lessons:
            lesson.is_locked = module.is_locked
    progress = None
    resume = None
    if enrollment is not None:
        progress = learner_progress(required_ids=required, completed_ids=completed_ids, assessments=assessments)
        resume = resume_target(
            lesson_ids=[lesson.pk for lesson in lessons if not lesson.is_locked],
            required_ids=required,
            completed_ids=completed_ids,
            assessments=assessments,
        )
    return LearnerOutline(
        modules=list(modules.values()),
        lessons=lessons,
        completed_ids=completed_ids,
        locked_module_ids=locked,
        progress=progress,
        assessments=list(assessments),
        resume=resume,
    )


def course_lesson_ids(*, course_ids: Iterable[int]) -> dict[int, list[int]]:
    """Course id -> its live lessons' ids in outline order ("My courses" finds where each
    enrolment resumes): one query whatever the number of courses."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = (
        Lesson.objects.filter(module__course_id__in=list(course_ids), is_archived=False, module__is_archived=False)
        .order_by("module__order", "module_id", "order", "pk")
        .values_list("module__course_id", "pk")
    )
    for course_id, pk in rows:
        found[course_id].append(pk)
    return found


def learner_sessions(*, enrollment: Enrollment) -> list[SessionRegistration]:
    """The enrolled officer's registrations for the course's sessions that were not
    cancelled, earliest first, each with its session and attendance as recorded: one query."""
    return list(
        SessionRegistration.objects.filter(session__course_id=enrollment.course_id, officer_id=enrollment.officer_id)
        .exclude(session__status=TrainingSession.Status.CANCELLED)
        .select_related("session")
        .order_by("session__date", "session__start_time", "pk")
    )


@dataclass
class ReaderLesson:
    """A lesson with its reader's own enrolment in the course (None for a preview), and
    whether its content is withheld from them (``lesson_is_locked``; set by
    ``lesson_read_get``, while the lesson page decides it from the outline it loads anyway)."""

    lesson: Lesson
    enrollment: Enrollment | None
    is_locked: bool = False


# Why a locked lesson's content is refused (the API's 403, the attachment's).
LESSON_LOCKED_MESSAGE = gettext_lazy("Finish the modules before this one first.")


def lesson_is_locked(
    *, user: User, lesson: Lesson, enrollment: Enrollment | None, locked_module_ids: Iterable[int] | None = None
) -> bool:
    """Whether ``user`` gets none of ``lesson``'s content (its body, its attachments): the
    one rule every path that serves a lesson asks (the lesson page, ``GET
    /api/v1/lessons/<id>/``, ``/lessons/attachments/<id>/``).

    Locked for someone reading through ``enrollment`` (their own enrolment in the lesson's
    course) while it keeps the lesson's module closed (``enrollment_locked_module_ids``; pass
    ``locked_module_ids`` when already known, as the page's outline knows them). Staff and
    the course's authors preview every lesson, enrolled or not. No query for a course that
    is not sequential or a reader without an enrolment; else at most four.
    """
    if enrollment is None or not lesson.module.course.is_sequential:
        return False
    if user_roles(user).has(*STAFF_ROLES):
        return False
    if locked_module_ids is None:
        locked_module_ids = enrollment_locked_module_ids(enrollment)
    if lesson.module_id not in set(locked_module_ids):
        return False
    return not CourseAuthor.objects.filter(course_id=lesson.module.course_id, user=user).exists()


def reader_lesson_get(*, user: User, lesson_id: int) -> ReaderLesson | None:
    """The lesson page's read: ``lesson_get``'s rule, with the reader's enrolment at hand.

    The lesson page needs the enrolment anyway, and an enrolled trainee (nearly every
    request) is allowed by it alone: a live lesson, or an archived one the release still
    requires, of a published or since archived course. That is exactly what ``lesson_get``
    grants an enrolled trainee, in two queries instead of four; everyone else (staff,
    authors, the refused) is decided by ``lesson_get`` itself.
    """
    try:
        # ``get``: ``first`` would sort by the default ordering, joining module and course again.
        lesson = Lesson.objects.select_related("module__course").get(pk=lesson_id)
    except Lesson.DoesNotExist:
        return None
    course = lesson.module.course
    enrollment = learner_enrollment_get(user=user, course_id=course.pk)
    if enrollment is not None:
        enrollment.course = course  # the same row, already loaded
    if enrollment is not None and course.status in (Course.Status.PUBLISHED, Course.Status.ARCHIVED):
        is_live = not (lesson.is_archived or lesson.module.is_archived)
        if is_live or lesson.pk in enrollment.release.required_lesson_ids:
            return ReaderLesson(lesson=lesson, enrollment=enrollment)
    if lesson_get(user=user, lesson_id=lesson_id) is None:
        return None
    return ReaderLesson(lesson=lesson, enrollment=enrollment)


def lesson_read_get(*, user: User, lesson_id: int) -> ReaderLesson | None:
    """``reader_lesson_get`` with ``is_locked`` decided (``lesson_is_locked``): for the API
    and the attachments, which serve a lesson's content without loading its outline."""
    reader = reader_lesson_get(user=user, lesson_id=lesson_id)
    if reader is not None:
        reader.is_locked = lesson_is_locked(user=user, lesson=reader.lesson, enrollment=reader.enrollment)
    return reader


def lesson_attachments(*, lesson: Lesson) -> QuerySet[LessonAttachment]:
    return LessonAttachment.objects.filter(lesson=lesson).order_by("pk")


def attachment_get(*, user: User, attachment_id: int) -> LessonAttachment | None:
    """The attachment, if the user may read its lesson (``lesson_read_get``); else None.
    ``is_locked``: its lesson's content is withheld from the user (``lesson_is_locked``)."""
    attachment = LessonAttachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return None
    reader = lesson_read_get(user=user, lesson_id=attachment.lesson_id)
    if reader is None:
        return None
    attachment.lesson = reader.lesson
    attachment.is_locked = reader.is_locked
    return attachment
