"""The demo courses seeded by ``seed_demo``: substantial, published, translated, and seeded once;
with in-person sessions held and coming, and the first completions at the demo station."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from courses.demo import courses_read
from courses.models import (
    Course,
    CourseCompletion,
    CourseRelease,
    Enrollment,
    Lesson,
    Module,
    PracticalResult,
    SessionRegistration,
    TrainingSession,
)
from lms.audit.models import AuditEntry
from lms.events.models import Event
from organisations.models import Organisation

ENGLISH_CODES = ["BM-201", "COP-101", "HR-101", "SGBV-101", "TOC-201"]
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
FRENCH_ACCENTS = re.compile(r"[àâçéèêëîïôûùüÿœ]")


# The demo with the courses' seed step alone: higher apps test their own steps.
COURSES_ONLY = ["courses.demo.courses_seed"]


@pytest.fixture(scope="module")
def courses_seeded_once(django_db_setup, django_db_blocker):
    """The organisation and the courses' part of the demo, seeded once for this module
    (it takes seconds) inside a transaction rolled back after the module."""
    with django_db_blocker.unblock(), override_settings(DEMO_SEED_STEPS=COURSES_ONLY):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def courses_seeded(courses_seeded_once, db, settings):
    """Per test: that demo as seeded (a test's changes roll back with its savepoint); a
    second ``seed_demo`` in the test runs the same steps."""
    settings.DEMO_SEED_STEPS = COURSES_ONLY


def lessons_of(course: Course):
    return Lesson.objects.filter(module__course=course)


def test_at_least_eight_published_courses_written_by_the_trainer_for_the_mission(courses_seeded):
    courses = Course.objects.filter(code__in=[spec.code for spec in courses_read()])

    assert courses.count() >= 8
    assert all(course.is_published for course in courses)
    assert {course.created_by.username for course in courses} == {"demo.trainer"}
    assert {course.owner.acronym for course in courses} == {"MINUSKE"}
    assert {course.owner.kind for course in courses} == {Organisation.Kind.MISSION}
    # One release each, requiring every lesson of the course.
    for course in courses:
        release = CourseRelease.objects.get(course=course)
        assert sorted(release.required_lesson_ids) == sorted(lessons_of(course).values_list("pk", flat=True))


def test_each_english_course_has_three_modules_of_two_or_three_lessons(courses_seeded):
    for code in ENGLISH_CODES:
        course = Course.objects.get(code=code)
        assert course.language == "en"
        assert course.translation_of is None
        modules = Module.objects.filter(course=course)
        assert modules.count() >= 3, code
        for module in modules:
            assert 2 <= module.lessons.count() <= 3, (code, module.title)


def test_every_lesson_follows_the_lesson_template(courses_seeded):
    lessons = Lesson.objects.filter(module__course__code__in=[spec.code for spec in courses_read()])

    assert lessons.count() >= 39
    for lesson in lessons:
        assert lesson.aim.strip(), lesson.title
        assert lesson.relevance.strip(), lesson.title
        assert 2 <= len(lesson.learning_outcomes.splitlines()) <= 4, lesson.title
        assert 45 <= lesson.duration_minutes <= 60, lesson.title
        assert "<h2>" in lesson.body_html, lesson.title
        assert "<li>" in lesson.body_html, lesson.title
        assert lesson.summary.strip(), lesson.title


def test_english_lessons_are_substantial_and_set_in_kessara(courses_seeded):
    for lesson in Lesson.objects.filter(module__course__code__in=ENGLISH_CODES):
        words = len(lesson.body.split())
        assert 150 <= words <= 320, (lesson.title, words)
        assert lesson.learning_outcomes.startswith("- Learners will "), lesson.title
        assert "## Scenario" in lesson.body, lesson.title


@pytest.mark.parametrize(
    ("code", "original", "language", "script"),
    [
        ("COP-101-FR", "COP-101", "fr", FRENCH_ACCENTS),
        ("HR-101-FR", "HR-101", "fr", FRENCH_ACCENTS),
        ("SGBV-101-AR", "SGBV-101", "ar", ARABIC_SCRIPT),
    ],
)
def test_translations_are_linked_and_written_in_their_language(courses_seeded, code, original, language, script):
    course = Course.objects.get(code=code)

    assert course.translation_of == Course.objects.get(code=original)
    assert course.language == language
    assert course.is_published
    assert not (course.title + course.summary).isascii()
    assert script.search(course.title + course.summary)
    assert Module.objects.filter(course=course).count() >= 3
    for lesson in lessons_of(course):
        assert script.search(lesson.body), lesson.title
        assert script.search(lesson.aim), lesson.title


def test_the_rendered_html_is_sanitised_markdown(courses_seeded):
    title = "Legality, necessity, proportionality, accountability"
    lesson = Lesson.objects.get(module__course__code="HR-101", title=title)

    assert "<table>" in lesson.body_html
    assert "<script" not in lesson.body_html


def test_a_second_run_creates_no_course_module_lesson_or_release(courses_seeded):
    counts = (Course.objects.count(), Module.objects.count(), Lesson.objects.count(), CourseRelease.objects.count())
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        CourseRelease.objects.count(),
    ) == counts
    assert "0 courses, 0 modules, 0 lessons" in out.getvalue()


def test_a_run_fills_in_a_missing_lesson_and_publishes_it(courses_seeded):
    course = Course.objects.get(code="TOC-201")
    deleted = Lesson.objects.get(module__course=course, title="Transnational crime units")
    deleted_pk = deleted.pk
    deleted.delete()

    call_command("seed_demo", stdout=StringIO())

    refilled = Lesson.objects.get(module__course=course, title="Transnational crime units")
    assert refilled.pk != deleted_pk
    assert CourseRelease.objects.filter(course=course).count() == 2
    assert refilled.pk in course.releases.get(number=2).required_lesson_ids
    assert Course.objects.filter(code="TOC-201").count() == 1


@pytest.mark.django_db
def test_the_demo_trainee_has_courses_in_progress_and_none_completed(client):
    call_command("seed_demo", verbosity=0)
    client.login(username="demo.trainee", password="Demo-Pass-2026")

    enrollments = client.get("/api/v1/enrollments/").json()["results"]

    assert sorted((row["course"]["code"], row["status"]) for row in enrollments) == [
        ("COP-101", "in_progress"),
        ("HR-101", "in_progress"),
    ]
    assert all(0 < row["progress"] < 100 for row in enrollments)


PRACTICAL = "De-escalation and safe restraint"


def test_hr_101_requires_attendance_and_a_practical_from_its_first_release(courses_seeded):
    course = Course.objects.get(code="HR-101")
    release = CourseRelease.objects.get(course=course)

    assert (course.requires_attendance, course.required_practicals) == (True, [PRACTICAL])
    assert (release.requires_attendance, release.required_practicals) == (True, [PRACTICAL])


def test_the_held_session_at_the_demo_station_has_attendance_results_and_scores(courses_seeded):
    held = TrainingSession.objects.get(status=TrainingSession.Status.HELD)
    registrations = SessionRegistration.objects.filter(session=held)
    present = registrations.filter(attendance=SessionRegistration.Attendance.PRESENT)

    assert (held.course.code, held.unit.code, held.trainer.username) == ("HR-101", "R1-D1-ST1", "demo.trainer")
    assert held.date < timezone.localdate()
    assert Counter(registrations.values_list("attendance", flat=True)) == {"present": 12, "absent": 1, "excused": 1}
    assert Counter(PracticalResult.objects.filter(registration__session=held).values_list("skill", "is_passed")) == {
        (PRACTICAL, True): 11,
        (PRACTICAL, False): 1,
    }
    scores = list(present.values_list("paper_score", flat=True))
    assert len(scores) == 12
    assert all(0 <= score <= held.paper_test_max_score for score in scores)
    assert set(registrations.exclude(pk__in=present).values_list("paper_score", flat=True)) == {None}


def test_some_officers_of_the_demo_station_completed_their_courses_but_not_the_trainee(courses_seeded):
    completions = CourseCompletion.objects.select_related("course", "officer__unit")
    held = TrainingSession.objects.get(status=TrainingSession.Status.HELD)
    passed = set(
        PracticalResult.objects.filter(registration__session=held, is_passed=True).values_list(
            "registration__officer_id", flat=True
        )
    )

    assert Counter(completion.course.code for completion in completions) == {"HR-101": 9, "COP-101": 6}
    assert {completion.officer.unit.code for completion in completions} == {"R1-D1-ST1"}
    assert not completions.filter(officer__user__username="demo.trainee").exists()
    assert {c.officer_id for c in completions if c.course.code == "HR-101"} <= passed
    assert Event.objects.filter(name="course.completed").count() == 15
    assert set(Enrollment.objects.filter(completion__isnull=False).values_list("status", flat=True)) == {
        Enrollment.Status.COMPLETED
    }


def test_the_coming_sessions_and_a_cancelled_one(courses_seeded):
    today = timezone.localdate()
    coming = TrainingSession.objects.filter(status=TrainingSession.Status.SCHEDULED).order_by("date")
    cancelled = TrainingSession.objects.get(status=TrainingSession.Status.CANCELLED)

    assert [(s.course.code, s.unit.code) for s in coming] == [("HR-101", "R1-D1-ST1"), ("SGBV-101", "R2-D1-SGBV1")]
    assert all(session.date > today for session in coming)
    hr_coming = SessionRegistration.objects.filter(session=coming[0])
    assert hr_coming.filter(officer__user__username="demo.trainee").exists()
    assert hr_coming.count() == 11
    assert SessionRegistration.objects.filter(session=coming[1]).count() > 0
    assert (cancelled.course.code, cancelled.unit.code) == ("COP-101", "R3-D1-ST1")
    assert AuditEntry.objects.get(action="session.cancel").reason == "The community hall is under repair."


def test_a_second_run_creates_no_session_registration_result_or_completion(courses_seeded):
    def counts():
        return (
            TrainingSession.objects.count(),
            SessionRegistration.objects.count(),
            PracticalResult.objects.count(),
            CourseCompletion.objects.count(),
            Enrollment.objects.count(),
            Event.objects.count(),
            AuditEntry.objects.count(),
        )

    before = counts()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert counts() == before
    assert "0 enrolments" in out.getvalue()
    assert "0 sessions, 0 completions" in out.getvalue()
