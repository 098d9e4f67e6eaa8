"""Demo courses for the Kessara demo: a ``DEMO_SEED_STEPS`` step (see ``organisations.demo``).

Five English courses (COP-101, HR-101, SGBV-101, TOC-201, BM-201), French versions of
COP-101 and HR-101 and an Arabic version of SGBV-101, all owned by the UN mission, written
by ``demo.trainer`` and published. The text lives in ``courses.demo_content``.

Idempotent like the rest of the seed: a course is looked up by its code, a module by its
title within the course and a lesson by its title within the module; only what is missing
is created, through the services, and nothing that exists is changed. A course is
published when this run created it or added lessons to it (unless someone archived it).
"""

from decimal import Decimal

from courses import services
from courses.demo_content import COURSES
from courses.models import Course, Enrollment, Lesson, Module
from organisations.models import Organisation

TRAINER = "demo.trainer"


def courses_seed(context) -> None:
    creator = context.users[TRAINER]
    owner = _mission(context)
    existing = {course.code: course for course in Course.objects.filter(code__in=[spec["code"] for spec in COURSES])}
    modules: dict[tuple[int, str], Module] = {
        (module.course_id, module.title): module for module in Module.objects.filter(course__in=existing.values())
    }
    lesson_keys = set(Lesson.objects.filter(module__in=modules.values()).values_list("module_id", "title"))
    created = {"courses": 0, "modules": 0, "lessons": 0}
    for spec in COURSES:
        course = existing.get(spec["code"])
        is_new = course is None
        if is_new:
            course = services.course_create(
                creator=creator,
                code=spec["code"],
                title=spec["title"],
                summary=spec["summary"],
                language=spec["language"],
                competencies=spec["competencies"],
                estimated_hours=Decimal(spec["estimated_hours"]),
                owner=owner,
                validity_months=spec["validity_months"],
                translation_of=existing.get(spec.get("translation_of", "")),
            )
            existing[course.code] = course
            created["courses"] += 1
        new_lessons = 0
        for module_title, lessons in spec["modules"]:
            module = modules.get((course.pk, module_title))
            if module is None:
                module = services.module_create(course=course, title=module_title)
                modules[(course.pk, module_title)] = module
                created["modules"] += 1
            for fields in lessons:
                if (module.pk, fields["title"]) in lesson_keys:
                    continue
                services.lesson_create(module=module, **fields)
                lesson_keys.add((module.pk, fields["title"]))
                new_lessons += 1
        created["lessons"] += new_lessons
        if (is_new or new_lessons) and course.status != Course.Status.ARCHIVED:
            services.course_publish(course=course, actor=creator)
    created["enrolments"] = _enrolments_seed(context, existing)
    for kind, count in created.items():
        context.created[kind] += count
    context.totals["enrolments"] = Enrollment.objects.count()
    context.totals["courses"] = Course.objects.count()
    context.totals["modules"] = Module.objects.count()
    context.totals["lessons"] = Lesson.objects.count()
    context.log(f"Courses: {created['courses']} new, {created['lessons']} new lessons")


# demo.trainee's station is enrolled as a cohort in these; the trainee has begun them
# (first lessons done) but finished none, so a newcomer can earn the first certificate.
COHORT_COURSES = ["HR-101", "COP-101"]
COHORT_UNIT = "R1-D1-ST1"
TRAINEE = "demo.trainee"


def _enrolments_seed(context, courses: dict[str, Course]) -> int:
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
