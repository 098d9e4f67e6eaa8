"""The completion rule, and what later apps add to a course's pages.

A course is completed when every requirement of the enrolment's pinned release is met.
The requirements come from the providers listed in ``settings.COURSE_COMPLETION_REQUIREMENTS``
(dotted paths, each ``(enrollment) -> list[Requirement]``): the ones below cover lessons,
attendance and practicals; assessments adds its own there without courses importing it.

Later apps offer staff links (``settings.COURSE_STAFF_LINKS``), learner notices
(``settings.COURSE_LEARNER_NOTICES``) and the assessments a trainee takes in a course
(``settings.COURSE_LEARNER_ASSESSMENTS``) the same way. A sequential course keeps its modules
locked until the required lessons before them are completed (``locked_module_ids``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.functional import lazy
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django_stubs_ext import StrOrPromise

from courses.models import (
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    PracticalResult,
    SessionRegistration,
    TrainingSession,
)
from organisations.models import User


@dataclass(frozen=True)
class Requirement:
    """One thing an enrolment needs before the course is completed.

    The completion check reads ``key`` and ``is_met`` under the enrolment's lock; the text a
    trainee reads (``label``, ``detail``, ``link``) is lazy, made when a page shows it and in
    that page's language (``lazy_text``, ``reverse_lazy``)."""

    key: str
    label: StrOrPromise
    is_met: bool
    detail: StrOrPromise = ""
    link: StrOrPromise = ""  # where the trainee goes to meet it (a path on this site), if anywhere


def _interpolated(message: str, params: dict[str, object]) -> str:
    return gettext(message) % params


# ``gettext_lazy(message) % params`` would translate at once; this waits until the text is shown.
lazy_text = lazy(_interpolated, str)


@dataclass(frozen=True)
class StaffLink:
    """A page of a later app about a course, offered to the staff who see its report."""

    label: str
    url: str


class RequirementProvider(Protocol):
    """What a path in ``settings.COURSE_COMPLETION_REQUIREMENTS`` names: the requirements
    of one enrolment's release that its app decides (none when the release asks nothing
    of it). Called under the enrolment's lock by the completion check: reads only."""

    def __call__(self, enrollment: Enrollment, /) -> list[Requirement]: ...


class StaffLinkProvider(Protocol):
    """What a path in ``settings.COURSE_STAFF_LINKS`` names."""

    def __call__(self, *, user: User, course: Course) -> list[StaffLink]: ...


class LearnerNoticeProvider(Protocol):
    """What a path in ``settings.COURSE_LEARNER_NOTICES`` names."""

    def __call__(self, *, enrollment: Enrollment) -> "list[LearnerNotice]": ...


def course_staff_links(*, user: User, course: Course) -> list[StaffLink]:
    """Links from ``settings.COURSE_STAFF_LINKS`` providers (dotted paths to callables taking
    ``user`` and ``course``), so later apps add pages here without courses importing them."""
    links: list[StaffLink] = []
    for path in settings.COURSE_STAFF_LINKS:
        provider: StaffLinkProvider = import_string(path)
        links.extend(provider(user=user, course=course))
    return links


@dataclass(frozen=True)
class LearnerNotice:
    """What a later app tells a trainee on the page of a course they are enrolled in (a
    certificate on its way, say). ``message`` is escaped text or safe HTML; ``link`` a path
    on this site with its text, if any."""

    message: str
    link: str = ""
    link_label: str = ""


def learner_notices(*, enrollment: Enrollment) -> list[LearnerNotice]:
    """Notices from ``settings.COURSE_LEARNER_NOTICES`` providers (dotted paths to callables
    taking ``enrollment``), so later apps speak on the course page without courses importing
    them. A provider costs at most one query, and none when it has nothing to say for the
    enrolment's status."""
    notices: list[LearnerNotice] = []
    for path in settings.COURSE_LEARNER_NOTICES:
        provider: LearnerNoticeProvider = import_string(path)
        notices.extend(provider(enrollment=enrollment))
    return notices


@dataclass(frozen=True)
class LearnerAssessment:
    """An assessment of a course as its enrolled trainee sees it on the course's pages.

    ``state`` is one of ``STATES``; ``attempts_left`` is None without a limit. ``counts``:
    the completion rule requires it of this enrolment (so progress counts it); a pre-test
    or an optional quiz is listed without counting."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PENDING_REVIEW = "pending_review"
    PASSED = "passed"
    FAILED = "failed"
    STATES = (NOT_STARTED, IN_PROGRESS, PENDING_REVIEW, PASSED, FAILED)

    pk: int
    title: str
    url: str
    module_id: int | None  # None for the course's final assessment
    state: str
    attempts_left: int | None
    counts: bool
    is_pretest: bool = False

    @property
    def is_passed(self) -> bool:
        return self.state == self.PASSED

    @property
    def can_attempt(self) -> bool:
        """Worth taking (again): not passed, not awaiting a grader, attempts left."""
        if self.state in (self.PASSED, self.PENDING_REVIEW):
            return False
        return self.state == self.IN_PROGRESS or self.attempts_left is None or self.attempts_left > 0


class LearnerAssessmentProvider(Protocol):
    """What a path in ``settings.COURSE_LEARNER_ASSESSMENTS`` names: for each enrolment (all
    of one officer), the published assessments of its course in the order to take them, by
    enrolment id. A fixed number of queries whatever the number of enrolments or assessments."""

    def __call__(self, *, enrollments: Sequence[Enrollment]) -> dict[int, list[LearnerAssessment]]: ...


def learner_assessments(*, enrollments: Sequence[Enrollment]) -> dict[int, list[LearnerAssessment]]:
    """The assessments of each enrolment's course from ``settings.COURSE_LEARNER_ASSESSMENTS``
    providers, by enrolment id (every enrolment present, maybe with an empty list), so the
    outline and "My courses" list them and count them in progress without courses importing
    the app that owns them. No query without enrolments."""
    found: dict[int, list[LearnerAssessment]] = {enrollment.pk: [] for enrollment in enrollments}
    if not enrollments:
        return found
    for path in settings.COURSE_LEARNER_ASSESSMENTS:
        provider: LearnerAssessmentProvider = import_string(path)
        for enrollment_id, assessments in provider(enrollments=enrollments).items():
            found.setdefault(enrollment_id, []).extend(assessments)
    return found


def completion_requirements(enrollment: Enrollment) -> list[Requirement]:
    """Every requirement of the enrolment's release, met or not, in the providers' order.

    An empty list means the release requires nothing, and such a course is never completed
    automatically.
    """
    requirements: list[Requirement] = []
    for path in settings.COURSE_COMPLETION_REQUIREMENTS:
        provider: RequirementProvider = import_string(path)
        requirements.extend(provider(enrollment))
    return requirements


def lessons_requirement(enrollment: Enrollment) -> list[Requirement]:
    required = set(enrollment.release.required_lesson_ids)
    if not required:
        return []
    done = len(required & set(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)))
    return [
        Requirement(
            key="lessons",
            label=gettext_lazy("Complete the required lessons"),
            is_met=done == len(required),
            detail=lazy_text(gettext_noop("%(done)d of %(total)d done"), {"done": done, "total": len(required)}),
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
    return [Requirement(key="attendance", label=gettext_lazy("Attend an in-person session"), is_met=attended)]


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
            label=lazy_text(gettext_noop("Pass the practical: %(skill)s"), {"skill": skill}),
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
