"""Demo courses for the Kessara demo: a ``DEMO_SEED_STEPS`` step (see ``organisations.demo``).

Five English courses (COP-101, HR-101, SGBV-101, TOC-201, BM-201), French versions of
COP-101 and HR-101 and an Arabic version of SGBV-101, all owned by the UN mission, written
by ``demo.trainer`` and published. The text lives in ``courses/demo_data/`` (its README
describes the layout), read by ``courses_read``. HR-101 also requires attendance at an
in-person session and a practical (in its ``course.toml``), set before its first publication.

Bir Tamsa Central Police Station (``COHORT_UNIT``) is enrolled in HR-101 and COP-101 as a
cohort. Its HR-101 session two weeks before the seed was held: attendance, the practical
and the paper test are recorded, so some of its officers have completed HR-101; others
completed COP-101 online. Another HR-101 session there is coming, with ``demo.trainee``
registered; an SGBV-101 session at the Port-Kessar SGBV Desk is coming too, and a COP-101
session in the Coastal Region was cancelled (``HELD``, ``UPCOMING``, ``SGBV_DESK``,
``CANCELLED``). Everything goes through the services, so the completions come with their
events, notifications and audit entries.

Idempotent like the rest of the seed: a course is looked up by its code, a module by its
title within the course, a lesson by its title within the module and a session by its
course, host unit and place; only what is missing is created, through the services, and
nothing that exists is changed (what happened at a session is seeded with it, once). A
course is published when this run created it or added lessons to it (unless someone
archived it).
"""

import datetime
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from courses import services
from courses.models import Course, CourseCompletion, Enrollment, Lesson, Module, SessionRegistration, TrainingSession
from organisations.models import Officer, Organisation

TRAINER = "demo.trainer"
DATA = Path(__file__).resolve().parent / "demo_data"


# The courses as data -----------------------------------------------------------------------

FRONT_MATTER = "+++\n"
LESSON_FIELDS = {"title", "duration_minutes", "aim", "relevance", "learning_outcomes", "summary"}
# What a course requires beyond its lessons (``course_update``), set before its first publication.
REQUIREMENT_FIELDS = ("requires_attendance", "required_practicals")


@dataclass(frozen=True)
class ModuleSpec:
    title: str
    lessons: tuple[dict, ...]  # ``lesson_create`` keyword arguments


@dataclass(frozen=True)
class CourseSpec:
    code: str
    fields: dict  # ``course_create`` keyword arguments besides ``code`` and ``translation_of``
    translation_of: str  # the code of the course this one translates, or ""
    requirements: dict  # ``course_update`` keyword arguments
    modules: tuple[ModuleSpec, ...]


def courses_read(directory: Path = DATA) -> list[CourseSpec]:
    """The courses of a demo data folder, in the order its ``courses.toml`` lists them."""
    return [_course_read(directory / code) for code in _toml(directory / "courses.toml")["courses"]]


def _toml(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _course_read(folder: Path) -> CourseSpec:
    fields = _toml(folder / "course.toml")
    modules = fields.pop("modules")
    folders = sorted(path.name for path in folder.iterdir() if path.is_dir())
    if folders != sorted(modules):
        raise ValueError(f"{folder}: the module folders {folders} are not those of [modules] {sorted(modules)}")
    fields["estimated_hours"] = Decimal(str(fields["estimated_hours"]))
    return CourseSpec(
        code=folder.name,
        translation_of=fields.pop("translation_of", ""),
        requirements={name: fields.pop(name) for name in REQUIREMENT_FIELDS if name in fields},
        fields=fields,
        modules=tuple(
            ModuleSpec(title, tuple(_lesson_read(path) for path in sorted((folder / name).glob("*.md"))))
            for name, title in modules.items()
        ),
    )


def _lesson_read(path: Path) -> dict:
    """A lesson file: TOML front matter between ``+++`` lines, then the Markdown body."""
    text = path.read_text(encoding="utf-8")
    front, separator, body = text.removeprefix(FRONT_MATTER).partition("\n" + FRONT_MATTER)
    if not text.startswith(FRONT_MATTER) or not separator:
        raise ValueError(f"{path}: a lesson starts with front matter between two +++ lines")
    fields = tomllib.loads(front)
    if set(fields) != LESSON_FIELDS:
        raise ValueError(f"{path}: the front matter has {sorted(fields)}, not {sorted(LESSON_FIELDS)}")
    fields["learning_outcomes"] = "\n".join(f"- {outcome}" for outcome in fields["learning_outcomes"])
    return {**fields, "body": body.strip() + "\n"}


# The seed step -----------------------------------------------------------------------------


def courses_seed(context) -> None:
    creator = context.users[TRAINER]
    owner = _mission(context)
    specs = courses_read()
    existing = {course.code: course for course in Course.objects.filter(code__in=[spec.code for spec in specs])}
    modules: dict[tuple[int, str], Module] = {
        (module.course_id, module.title): module for module in Module.objects.filter(course__in=existing.values())
    }
    lesson_keys = set(Lesson.objects.filter(module__in=modules.values()).values_list("module_id", "title"))
    created = {"courses": 0, "modules": 0, "lessons": 0}
    enrollments_before, completions_before = Enrollment.objects.count(), CourseCompletion.objects.count()
    for spec in specs:
        course = existing.get(spec.code)
        is_new = course is None
        if course is None:
            course = services.course_create(
                creator=creator,
                code=spec.code,
                owner=owner,
                translation_of=existing.get(spec.translation_of),
                **spec.fields,
            )
            if spec.requirements:
                course = services.course_update(course=course, actor=creator, **spec.requirements)
            existing[course.code] = course
            created["courses"] += 1
        new_lessons = 0
        for module_spec in spec.modules:
            module = modules.get((course.pk, module_spec.title))
            if module is None:
                module = services.module_create(course=course, title=module_spec.title)
                modules[(course.pk, module_spec.title)] = module
                created["modules"] += 1
            for fields in module_spec.lessons:
                if (module.pk, fields["title"]) in lesson_keys:
                    continue
                services.lesson_create(module=module, **fields)
                lesson_keys.add((module.pk, fields["title"]))
                new_lessons += 1
        created["lessons"] += new_lessons
        if (is_new or new_lessons) and course.status != Course.Status.ARCHIVED:
            services.course_publish(course=course, actor=creator)
    _enrollments_seed(context, existing)
    created["sessions"] = _sessions_seed(context, existing)
    # Registering for a session enrols too, and sessions complete courses: counted as a whole.
    created["enrolments"] = Enrollment.objects.count() - enrollments_before
    created["completions"] = CourseCompletion.objects.count() - completions_before
    for kind, count in created.items():
        context.created[kind] += count
    context.totals["enrolments"] = Enrollment.objects.count()
    context.totals["courses"] = Course.objects.count()
    context.totals["modules"] = Module.objects.count()
    context.totals["lessons"] = Lesson.objects.count()
    context.totals["sessions"] = TrainingSession.objects.count()
    context.totals["completions"] = CourseCompletion.objects.count()
    context.log(f"Courses: {created['courses']} new, {created['lessons']} new lessons")
    context.log(f"Sessions: {created['sessions']} new, {context.totals['sessions']} in all")


# demo.trainee's station is enrolled as a cohort in these; the trainee has begun them
# (first lessons done) but finished none, so a newcomer can earn the first certificate.
COHORT_COURSES = ["HR-101", "COP-101"]
COHORT_UNIT = "R1-D1-ST1"
TRAINEE = "demo.trainee"


def _enrollments_seed(context, courses: dict[str, Course]) -> int:
    trainer = context.users[TRAINER]
    trainee = context.users[TRAINEE].officer
    enrolled = 0
    for index, code in enumerate(COHORT_COURSES):
        course = courses[code]
        enrolled += services.enrollments_create_for_unit(course=course, unit=context.units[COHORT_UNIT], actor=trainer)
        enrollment = Enrollment.objects.get(course=course, officer=trainee)
        if not enrollment.lesson_progress.exists():
            lessons = Lesson.objects.filter(module__course=course, is_archived=False).order_by("module__order", "order")
            for lesson in lessons[: 2 - index]:
                services.lesson_complete(enrollment=enrollment, lesson=lesson)
    return enrolled


def _mission(context) -> Organisation | None:
    """The UN mission supporting the demo service (any mission if that link is missing)."""
    missions = Organisation.objects.filter(kind=Organisation.Kind.MISSION).order_by("pk")
    return missions.filter(police_service=context.service).first() or missions.first()


# In-person sessions ------------------------------------------------------------------------


# demo.trainer (national scope) runs every demo session; demo.trainer.north sees and runs
# the Bir Tamsa ones through his regional scope. (Nothing is recorded in his name, so the
# organisations seed can still delete and recreate his account.)


@dataclass(frozen=True)
class SessionSpec:
    """A demo session; ``(course, unit, place)`` is its natural key, ``days`` counts from the
    day it is first seeded (negative: already held)."""

    course: str
    unit: str
    place: str
    days: int
    start: datetime.time
    end: datetime.time
    capacity: int
    trainer: str
    paper_test_max_score: int | None = None


HELD = SessionSpec(
    "HR-101",
    COHORT_UNIT,
    "Bir Tamsa Central Police Station, briefing room",
    -14,
    datetime.time(8, 30),
    datetime.time(16, 30),
    16,
    TRAINER,
    20,
)
UPCOMING = SessionSpec(
    "HR-101",
    COHORT_UNIT,
    "Bir Tamsa Central Police Station, training room",
    10,
    datetime.time(9, 0),
    datetime.time(16, 0),
    20,
    TRAINER,
    20,
)
SGBV_DESK = SessionSpec(
    "SGBV-101",
    "R2-D1-SGBV1",
    "Port-Kessar SGBV Desk, meeting room",
    21,
    datetime.time(9, 0),
    datetime.time(13, 0),
    15,
    TRAINER,
)
CANCELLED = SessionSpec(
    "COP-101",
    "R3-D1-ST1",
    "Baie-Lumière Police Station, community hall",
    5,
    datetime.time(14, 0),
    datetime.time(17, 0),
    25,
    TRAINER,
)

# Of the station's officers (service-number order, named ones aside): who sat the held
# session, how it went, and who finished which course.
HELD_COUNT = 14  # the first 14; the last two of them were absent and excused
HELD_ABSENT, HELD_EXCUSED = 12, 13
HELD_LESSONS_DONE = 10  # the first ten had done HR-101's lessons online before the session
HELD_FAILED = (3,)  # did not pass the practical, and must retake it
COP_COMPLETED = slice(14, 20)  # completed COP-101 online
UPCOMING_NEW = slice(20, 28)  # registered for the coming HR-101 session, with the trainee


def _sessions_seed(context, courses: dict[str, Course]) -> int:
    """Create the missing ``SESSIONS`` and what happened at each; returns how many were created."""
    created = 0
    for spec, fill in ((HELD, _held_fill), (UPCOMING, _upcoming_fill), (SGBV_DESK, _unit_fill), (CANCELLED, _cancel)):
        course, unit = courses[spec.course], context.units[spec.unit]
        if TrainingSession.objects.filter(course=course, unit=unit, place=spec.place).exists():
            continue
        trainer = context.users[spec.trainer]
        session = services.session_create(
            actor=trainer,
            course=course,
            unit=unit,
            date=timezone.localdate() + datetime.timedelta(days=spec.days),
            start_time=spec.start,
            end_time=spec.end,
            place=spec.place,
            capacity=spec.capacity,
            paper_test_max_score=spec.paper_test_max_score,
        )
        fill(context, session, courses)
        created += 1
    return created


def _station_officers(context) -> list[Officer]:
    """The station's active officers in service-number order, the demo accounts' own aside."""
    return list(
        Officer.objects.filter(unit=context.units[COHORT_UNIT], is_active=True)
        .exclude(user__in=list(context.users.values()))
        .select_related("unit")
        .order_by("service_number")
    )


def _lessons_complete(course: Course, officers: list[Officer]) -> None:
    lessons = list(Lesson.objects.filter(module__course=course, is_archived=False).order_by("module__order", "order"))
    for enrollment in Enrollment.objects.filter(course=course, officer__in=officers).order_by("pk"):
        for lesson in lessons:
            services.lesson_complete(enrollment=enrollment, lesson=lesson)


def _held_fill(context, session: TrainingSession, courses: dict[str, Course]) -> None:
    """The HR-101 session held two weeks ago: attendance, the practical and the paper test."""
    trainer = session.trainer
    (practical,) = session.course.required_practicals  # HR-101's one practical
    rng = context.random("sessions")
    officers = _station_officers(context)
    attendees = officers[:HELD_COUNT]
    services.session_register(session=session, officers=attendees, actor=trainer)
    _lessons_complete(session.course, attendees[:HELD_LESSONS_DONE])
    _lessons_complete(courses["COP-101"], officers[COP_COMPLETED])
    marks = {officer.pk: SessionRegistration.Attendance.PRESENT for officer in attendees}
    marks[attendees[HELD_ABSENT].pk] = SessionRegistration.Attendance.ABSENT
    marks[attendees[HELD_EXCUSED].pk] = SessionRegistration.Attendance.EXCUSED
    services.attendance_record(session=session, marks=marks, actor=trainer)
    present = [officer for officer in attendees if marks[officer.pk] == SessionRegistration.Attendance.PRESENT]
    services.session_results_record(
        session=session,
        practicals=[
            services.PracticalEntry(
                officer.pk,
                practical,
                index not in HELD_FAILED,
                "Lost control of the subject's arm: retake at the next session." if index in HELD_FAILED else "",
            )
            for index, officer in enumerate(present)
        ],
        scores={officer.pk: Decimal(rng.randrange(22, 40)) / 2 for officer in present},
        actor=trainer,
    )


def _upcoming_fill(context, session: TrainingSession, courses: dict[str, Course]) -> None:
    """The coming HR-101 session: the demo trainee, those who missed the last one and others."""
    officers = _station_officers(context)
    registered = [
        context.users[TRAINEE].officer,
        officers[HELD_ABSENT],
        officers[HELD_EXCUSED],
        *officers[UPCOMING_NEW],
    ]
    services.session_register(session=session, officers=registered, actor=session.trainer)


def _unit_fill(context, session: TrainingSession, courses: dict[str, Course]) -> None:
    services.session_register_unit(session=session, unit=session.unit, actor=session.trainer)


def _cancel(context, session: TrainingSession, courses: dict[str, Course]) -> None:
    services.session_cancel(session=session, actor=session.trainer, reason="The community hall is under repair.")
