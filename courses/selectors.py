"""Reads of courses, scoped to the user who asks.

Who sees what: trainers, leaders and admins see every course and lesson (they enrol and
teach across the catalogue); authors see their own courses; everyone else (trainees) sees
published courses only. (Limiting a trainee's lesson pages to the courses they are enrolled
in is still to do.)

Enrolments: a trainee sees their own; trainers and leaders also those of officers within
their scope; admins all.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import (
    Course,
    CourseAuthor,
    Enrollment,
    Lesson,
    LessonAttachment,
    LessonProgress,
    Module,
    PracticalResult,
    SessionRegistration,
    TrainingSession,
)
from organisations.models import Officer, Organisation, Role, RoleGrant, Unit, User
from organisations.selectors import scope_units, service_number_key, service_numbers_q, subtree_q, user_roles

STAFF_ROLES = (Role.TRAINER, Role.LEADERSHIP, Role.ADMIN)


def _is_authored_by(user: User, prefix: str = "") -> Exists:
    return Exists(CourseAuthor.objects.filter(course=OuterRef(f"{prefix}pk"), user=user))


def course_list(*, user: User) -> QuerySet[Course]:
    queryset = Course.objects.all()
    if not user_roles(user).has(*STAFF_ROLES):
        # An archived course takes no new enrolments, but those under way continue.
        enrolled = Exists(Enrollment.objects.filter(course=OuterRef("pk"), officer__user=user))
        queryset = queryset.filter(
            Q(status=Course.Status.PUBLISHED) | _is_authored_by(user) | (Q(status=Course.Status.ARCHIVED) & enrolled)
        )
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
    published (or since archived) course they are enrolled in, and the archived ones their enrolment's release
    still requires (archiving never takes away what a trainee must do)."""
    queryset = Lesson.objects.select_related("module__course").filter(pk=lesson_id)
    if user_roles(user).has(*STAFF_ROLES):
        return queryset.first()
    authored = queryset.filter(_is_authored_by(user, prefix="module__course__")).first()
    if authored is not None:
        return authored
    lesson = queryset.filter(
        module__course__status__in=[Course.Status.PUBLISHED, Course.Status.ARCHIVED],
        module__course__enrollments__officer__user=user,
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
    link: str = ""  # where the trainee goes to meet it (a path on this site), if anywhere


@dataclass(frozen=True)
class StaffLink:
    """A page of a later app about a course, offered to the staff who see its report."""

    label: str
    url: str


def course_staff_links(*, user: User, course: Course) -> list[StaffLink]:
    """Links from ``settings.COURSE_STAFF_LINKS`` providers (dotted paths to callables taking
    ``user`` and ``course``), so later apps add pages here without courses importing them."""
    links: list[StaffLink] = []
    for path in settings.COURSE_STAFF_LINKS:
        links.extend(import_string(path)(user=user, course=course))
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
        notices.extend(import_string(path)(enrollment=enrollment))
    return notices


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


# Learner pages and the course report ----------------------------------------------------
# Everything a page needs comes in a fixed number of queries; the progress, ticks, locks
# and neighbours of a lesson are computed from the loaded rows, never per module or lesson.


def learner_enrollment_get(*, user: User, course_id: int) -> Enrollment | None:
    """The user's own enrolment in the course, with ``release``: one query, none for a user
    without an officer record."""
    officer = user_roles(user).officer
    if officer is None:
        return None
    try:
        # One row at most (unique constraint); ``get`` spares ``first``'s ordering.
        return Enrollment.objects.select_related("release").get(course_id=course_id, officer_id=officer.pk)
    except Enrollment.DoesNotExist:
        return None


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


@dataclass
class LearnerOutline:
    """A course's outline for one reader: modules and lessons in order with ticks and locks,
    and the enrolment's ``progress`` (None without an enrolment)."""

    modules: list[OutlineModule]
    lessons: list[OutlineLesson]
    completed_ids: set[int]
    locked_module_ids: set[int]
    progress: int | None

    def neighbours(self, lesson_id: int) -> tuple[OutlineLesson | None, OutlineLesson | None]:
        """The lessons before and after ``lesson_id`` in outline order, across modules."""
        ids = [lesson.pk for lesson in self.lessons]
        if lesson_id not in ids:
            return None, None
        index = ids.index(lesson_id)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


def learner_outline_get(*, course: Course, enrollment: Enrollment | None = None) -> LearnerOutline:
    """``course_outline_get`` as a learner reads it, with what the enrolment has done.

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
    if enrollment is not None:
        progress = enrollment_progress(enrollment=enrollment, completed_lesson_ids=completed_ids)
    return LearnerOutline(
        modules=list(modules.values()),
        lessons=lessons,
        completed_ids=completed_ids,
        locked_module_ids=locked,
        progress=progress,
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


def own_enrollment_list(*, user: User) -> QuerySet[Enrollment]:
    """The user's own enrolments ("My courses"), newest first, with course, release and the
    prefetched ``completed`` lessons: two queries whatever their number."""
    officer = user_roles(user).officer
    if officer is None:
        return Enrollment.objects.none()
    completed = LessonProgress.objects.only("id", "enrollment_id", "lesson_id")
    return (
        Enrollment.objects.filter(officer=officer)
        .select_related("course", "release")
        .prefetch_related(Prefetch("lesson_progress", queryset=completed, to_attr="completed"))
        .order_by("-enrolled_at", "-pk")
    )


def own_enrollment_statuses(*, user: User) -> dict[int, str]:
    """Course id -> status of the user's own enrolments (catalogue): one query."""
    officer = user_roles(user).officer
    if officer is None:
        return {}
    return dict(Enrollment.objects.filter(officer=officer).values_list("course_id", "status"))


def units_for_enrolment(*, user: User) -> QuerySet[Unit]:
    """Units within the user's scope as a trainer (admins: every unit), tree order."""
    return Unit.objects.filter(subtree_q(scope_units(user, roles=(Role.TRAINER,)))).order_by("path")


def officers_for_enrolment_get(*, user: User, service_numbers: Iterable[str]) -> dict[str, list[Officer]]:
    """Service number key (``organisations.identity.service_number_key``: case, spaces and
    direction marks do not count) -> the officers within the user's trainer scope who
    carry it, active or not: one query.

    An admin's scope spans services, where one number may name two officers.
    """
    numbers = list(service_numbers)
    if not numbers:
        return {}
    found: dict[str, list[Officer]] = {}
    roots = scope_units(user, roles=(Role.TRAINER,))
    officers = (
        Officer.objects.filter(subtree_q(roots, prefix="unit__"), service_numbers_q(numbers))
        .select_related("unit")
        .order_by("pk")
    )
    for officer in officers:
        found.setdefault(service_number_key(officer.service_number), []).append(officer)
    return found


@dataclass
class ReportCounts:
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0

    @property
    def enrolled(self) -> int:
        return self.not_started + self.in_progress + self.completed

    @property
    def completed_percent(self) -> int | None:
        return self.completed * 100 // self.enrolled if self.enrolled else None

    def __add__(self, other: "ReportCounts") -> "ReportCounts":
        return ReportCounts(
            self.not_started + other.not_started, self.in_progress + other.in_progress, self.completed + other.completed
        )


@dataclass
class ReportRow:
    """One line of the course report: a unit's whole subtree (``is_direct``: the officers of
    ``unit`` itself, outside its children), or the total (``unit`` None)."""

    unit: Unit | None
    is_direct: bool = False
    women: ReportCounts = field(default_factory=ReportCounts)
    men: ReportCounts = field(default_factory=ReportCounts)

    @property
    def everyone(self) -> ReportCounts:
        return self.women + self.men


@dataclass
class CourseReport:
    roots: list[Unit]
    rows: list[ReportRow]
    total: ReportRow


def _path_segment_length(unit: Unit) -> int:
    """The length of one segment of the materialised path ("0000042/")."""
    return len(unit.path.split("/")[-2]) + 1


def course_report(*, user: User, course: Course, unit: Unit | None = None) -> CourseReport:
    """Enrolments in the course by unit and sex, within the user's scope (trainer or
    leadership; admins everything).

    The rows are the children of the scope's roots (of ``unit`` when given; the caller
    checks it is in scope), each counting its whole subtree through the materialised path,
    plus a row for the officers placed directly in a root. A fixed number of queries (at
    most three) whatever the number of units or enrolments: the database groups the
    enrolments by the child-level prefix of their unit's path, sex and state.
    """
    if unit is not None:
        roots = [unit]
    else:
        roots = scope_units(user)
        if roots is None:
            roots = list(Unit.objects.filter(parent__isnull=True).order_by("path"))
    children = list(Unit.objects.filter(parent__in=roots).order_by("path")) if roots else []
    rows: dict[str, ReportRow] = {}
    for root in roots:
        for child in children:
            if child.parent_id == root.pk:
                rows[child.path] = ReportRow(unit=child)
        rows[root.path] = ReportRow(unit=root, is_direct=True)
    total = ReportRow(unit=None)
    if roots:
        # Every enrolment's unit lies under exactly one root (the roots are disjoint); its
        # bucket is the path cut one level below that root: a child's path, or the root's own.
        bucket = Case(
            *(
                When(
                    officer__unit__path__startswith=root.path,
                    then=Substr("officer__unit__path", 1, len(root.path) + _path_segment_length(root)),
                )
                for root in roots
            ),
            output_field=CharField(),
        )
        started = Exists(LessonProgress.objects.filter(enrollment=OuterRef("pk")))
        groups = (
            Enrollment.objects.filter(subtree_q(roots, prefix="officer__unit__"), course=course)
            .annotate(bucket=bucket, is_started=started)
            .values("bucket", "officer__sex", "status", "is_started")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for group in groups:
            row = rows.get(group["bucket"])
            for target in (row, total) if row is not None else (total,):
                counts = target.women if group["officer__sex"] == Officer.Sex.FEMALE else target.men
                if group["status"] == Enrollment.Status.COMPLETED:
                    counts.completed += group["count"]
                elif group["is_started"]:
                    counts.in_progress += group["count"]
                else:
                    counts.not_started += group["count"]
    shown = [row for row in rows.values() if not row.is_direct or row.everyone.enrolled]
    return CourseReport(roots=roots, rows=shown, total=total)


# Authoring ------------------------------------------------------------------------------


def course_owner_default(*, user: User) -> Organisation | None:
    """The organisation a course created by ``user`` belongs to unless another is chosen.

    People are not members of organisations in the data; the closest link is a trainer's
    scope: it lies in a police service, and a UN mission names the service it supports. So
    the default is the one mission supporting the service(s) of the user's trainer scope
    (for a platform-wide trainer or an admin: the one mission there is), and None when there
    is no such mission or several. A partner's trainer (UNODC, EU) picks the owner by hand.
    """
    # Read from the grants, not ``user_roles``: that caches the roles on the user object,
    # and this runs on behalf of a creator who is not necessarily the one signed in.
    services = set(
        RoleGrant.objects.filter(user=user, role__in=(Role.TRAINER, Role.ADMIN)).values_list("unit__service", flat=True)
    )
    missions = Organisation.objects.filter(kind=Organisation.Kind.MISSION)
    if not user.is_superuser and None not in services:
        missions = missions.filter(police_service__in=services)
    found = list(missions.order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


def authored_course_list(*, user: User) -> QuerySet[Course]:
    """Courses the user authors (an admin: every course), each with ``release_number`` (the
    latest, or None) and ``author_count``."""
    queryset = Course.objects.all()
    if not user_roles(user).is_admin:
        queryset = queryset.filter(_is_authored_by(user))
    return queryset.select_related("owner").annotate(release_number=Max("releases__number")).order_by("code", "pk")


def course_authoring_get(*, user: User, course_id: int) -> Course | None:
    """A course the user can see, for its edit page, with everything the page shows in a
    fixed number of queries whatever the size of the course:

    ``all_modules`` (live ones first, each in order) each with ``all_lessons`` (the same),
    ``author_list`` (with their users), ``release_number`` (latest, or None).
    """
    lessons = Lesson.objects.only("id", "title", "order", "module_id", "is_archived", "is_required").order_by(
        "is_archived", "order", "pk"
    )
    modules = Module.objects.order_by("is_archived", "order", "pk").prefetch_related(
        Prefetch("lessons", queryset=lessons, to_attr="all_lessons")
    )
    authors = CourseAuthor.objects.select_related("user").order_by("added_at", "pk")
    return (
        course_list(user=user)
        .annotate(release_number=Max("releases__number"))
        .prefetch_related(
            Prefetch("modules", queryset=modules, to_attr="all_modules"),
            Prefetch("authors", queryset=authors, to_attr="author_list"),
        )
        .filter(pk=course_id)
        .first()
    )


# Publishing: what a new release will ask of learners --------------------------------------
# ``services.course_publish`` writes the release (required lessons, attendance, practicals);
# later apps take part through the steps listed in ``settings.COURSE_PUBLISH_STEPS``, so
# courses never imports them. Each step offers a plan (a read, shown to authors before they
# publish) and a run (inside the publish's transaction), both decided by the app's own rule,
# so what the page announces is what publishing does.


@dataclass(frozen=True)
class ReleaseItem:
    """One thing of a later app (an assessment) in the next release, with its ``state``."""

    PUBLISHED = "published"  # already open to learners
    WILL_PUBLISH = "will_publish"  # a ready draft, published with the course
    BLOCKED = "blocked"  # a required draft that is not ready: publishing is refused
    STAYS_DRAFT = "stays_draft"  # an optional draft that is not ready: left out, still a draft

    label: str  # as learners will read it ("Pass the assessment: Final test")
    state: str
    is_required: bool
    kind: str = ""  # what it is, as authors call it ("Final assessment")
    problems: tuple[str, ...] = ()  # why it cannot be published, each naming it


@dataclass(frozen=True)
class PublishStep:
    """A later app's part in publishing a course (``settings.COURSE_PUBLISH_STEPS``).

    ``plan(*, course) -> list[ReleaseItem]``: a read, for the authoring page.
    ``run(*, course, release, actor)``: called by ``services.course_publish`` inside its
    transaction, the course row locked, once the release row is written; it raises
    ``ValidationError`` (one message per problem) to refuse the whole publish.
    """

    plan: Callable[..., list[ReleaseItem]]
    run: Callable[..., object]


def publish_steps() -> list[PublishStep]:
    return [import_string(path) for path in settings.COURSE_PUBLISH_STEPS]


@dataclass
class ReleasePlan:
    """What an officer enrolling on the next release will be required to do, and the state
    of the later apps' items (``ReleaseItem``)."""

    lessons: list[Lesson]
    requires_attendance: bool
    practicals: list[str]
    items: list[ReleaseItem]

    @property
    def required_items(self) -> list[ReleaseItem]:
        return [item for item in self.items if item.is_required]

    @property
    def optional_items(self) -> list[ReleaseItem]:
        return [item for item in self.items if not item.is_required]

    @property
    def problems(self) -> list[str]:
        """Why publishing would be refused now (empty: it would not)."""
        return [problem for item in self.items if item.state == ReleaseItem.BLOCKED for problem in item.problems]


def course_release_plan(*, course: Course) -> ReleasePlan:
    """The next release of ``course`` as ``course_authoring_get`` returns it: the required
    lessons come from its prefetched ``all_modules`` (no query), the rest from the publish
    steps' plans (assessments: at most three queries whatever their number)."""
    lessons = [
        lesson
        for module in course.all_modules
        if not module.is_archived
        for lesson in module.all_lessons
        if not lesson.is_archived and lesson.is_required
    ]
    return ReleasePlan(
        lessons=lessons,
        requires_attendance=course.requires_attendance,
        practicals=list(course.required_practicals),
        items=[item for step in publish_steps() for item in step.plan(course=course)],
    )


def course_authors(*, course: Course) -> QuerySet[CourseAuthor]:
    return CourseAuthor.objects.filter(course=course).select_related("user").order_by("added_at", "pk")


def author_candidate_get(*, username: str) -> User | None:
    """An active account by user name (any case), to be added as a co-author."""
    return User.objects.filter(username__iexact=username.strip(), is_active=True).first()


def course_live_module_ids(*, course: Course) -> list[int]:
    """The course's live modules, in order."""
    return list(
        Module.objects.filter(course=course, is_archived=False).order_by("order", "pk").values_list("pk", flat=True)
    )


def module_live_lesson_ids(*, module: Module) -> list[int]:
    """The module's live lessons, in order."""
    return list(
        Lesson.objects.filter(module=module, is_archived=False).order_by("order", "pk").values_list("pk", flat=True)
    )


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


# In-person sessions ---------------------------------------------------------------------
# Trainers, leaders and admins see the sessions hosted in their scope subtree (admins all);
# an officer also sees the sessions they are registered for and the scheduled sessions of
# the courses they are enrolled in and have not completed yet. Running a session (roster, attendance, results) is for
# trainers whose trainer scope covers the host unit, and admins.


def trainer_scope_covers(*, user: User, unit: Unit) -> bool:
    """Whether the user is an admin or a trainer whose trainer scope covers ``unit`` (no query once roles are known)."""
    roots = scope_units(user, roles=(Role.TRAINER,))
    return roots is None or any(unit.path.startswith(root.path) for root in roots)


def session_list(
    *, user: User, course_id: int | None = None, upcoming: bool | None = None
) -> QuerySet[TrainingSession]:
    """Sessions the user may see, each with ``registered_count`` and ``own_attendance`` (the
    user's own registration, or None). ``upcoming``: True from today on, soonest first;
    False before today, latest first; None all, in date order. One query."""
    roles = user_roles(user)
    roots = scope_units(user) if roles.has(*STAFF_ROLES) else []
    officer = roles.officer
    if roots is None:
        queryset = TrainingSession.objects.all()
    else:
        visible = subtree_q(roots, prefix="unit__")
        if officer is not None:
            visible |= Q(_is_registered(officer)) | Q(
                Q(status=TrainingSession.Status.SCHEDULED) & Q(_is_enrolled(officer))
            )
        queryset = TrainingSession.objects.filter(visible)
    return _sessions_shaped(queryset, officer=officer, course_id=course_id, upcoming=upcoming)


def own_session_list(*, user: User, upcoming: bool | None = None) -> QuerySet[TrainingSession]:
    """A trainee's "My sessions": those they are registered for, and the scheduled sessions
    of courses they are enrolled in and have not completed; like ``session_list``."""
    officer = user_roles(user).officer
    if officer is None:
        return TrainingSession.objects.none()
    queryset = TrainingSession.objects.filter(
        Q(_is_registered(officer)) | Q(Q(status=TrainingSession.Status.SCHEDULED) & Q(_is_enrolled(officer)))
    )
    return _sessions_shaped(queryset, officer=officer, course_id=None, upcoming=upcoming)


def _is_enrolled(officer) -> Exists:
    """The officer has an enrolment in progress in the session's course."""
    return Exists(
        Enrollment.objects.filter(course=OuterRef("course_id"), officer=officer, status=Enrollment.Status.IN_PROGRESS)
    )


def _is_registered(officer) -> Exists:
    return Exists(SessionRegistration.objects.filter(session=OuterRef("pk"), officer=officer))


def _sessions_shaped(queryset, *, officer, course_id: int | None, upcoming: bool | None) -> QuerySet[TrainingSession]:
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    today = timezone.localdate()
    if upcoming is True:
        queryset = queryset.filter(date__gte=today).order_by("date", "start_time", "pk")
    elif upcoming is False:
        queryset = queryset.filter(date__lt=today).order_by("-date", "-start_time", "-pk")
    else:
        queryset = queryset.order_by("date", "start_time", "pk")
    own = (
        SessionRegistration.objects.filter(session=OuterRef("pk"), officer=officer).values("attendance")[:1]
        if officer is not None
        else None
    )
    return queryset.select_related("course", "unit", "trainer").annotate(
        registered_count=Coalesce(
            Subquery(
                SessionRegistration.objects.filter(session=OuterRef("pk"))
                .order_by()
                .values("session")
                .annotate(count=Count("pk"))
                .values("count")[:1]
            ),
            0,
        ),
        own_attendance=Subquery(own) if own is not None else Value(None, output_field=CharField()),
    )


def session_get(*, user: User, session_id: int) -> TrainingSession | None:
    return session_list(user=user).filter(pk=session_id).first()


def session_is_manageable(*, user: User, session: TrainingSession) -> bool:
    """Whether the user runs the session: its roster, attendance and results."""
    return trainer_scope_covers(user=user, unit=session.unit)


def session_roster_is_visible(*, user: User, session: TrainingSession) -> bool:
    """Staff whose scope covers the host unit (and admins) see who is registered and their results."""
    roots = scope_units(user) if user_roles(user).has(*STAFF_ROLES) else []
    return roots is None or any(session.unit.path.startswith(root.path) for root in roots)


def session_registrations(*, session: TrainingSession, with_practicals: bool = True) -> QuerySet[SessionRegistration]:
    """The session's registrations by officer name, with officer and unit joined and (unless
    ``with_practicals`` is false) their practical results prefetched: two queries whatever
    the size of the session."""
    queryset = (
        SessionRegistration.objects.filter(session=session)
        .select_related("officer__unit")
        .order_by("officer__family_name", "officer__given_name", "officer__service_number", "pk")
    )
    if with_practicals:
        queryset = queryset.prefetch_related(Prefetch("practicals", queryset=PracticalResult.objects.order_by("skill")))
    return queryset


def session_skills(*, session: TrainingSession, registrations: Iterable[SessionRegistration]) -> list[str]:
    """The skills a results page asks about: the course's required practicals, then any other
    skill already recorded at the session (from the prefetched ``practicals``)."""
    skills = list(session.course.required_practicals)
    known = {skill.casefold() for skill in skills}
    for registration in registrations:
        for result in registration.practicals.all():
            if result.skill.casefold() not in known:
                known.add(result.skill.casefold())
                skills.append(result.skill)
    return skills


def session_courses(*, user: User) -> QuerySet[Course]:
    """Published courses, the ones a session can be scheduled for."""
    return course_list(user=user).filter(status=Course.Status.PUBLISHED)
