"""Helpers shared by the in-person session tests (services, API and pages)."""

import datetime

from django.utils import timezone

from courses import services
from courses.models import Course, Enrollment, Lesson, TrainingSession

FIRST_AID = "First aid"


def course_requiring(course: Course, *, people, attendance: bool = True, practicals=()) -> Course:
    """Set what the draft course requires beyond its lessons, then publish it."""
    Course.objects.filter(pk=course.pk).update(requires_attendance=attendance, required_practicals=list(practicals))
    services.course_publish(course=course, actor=people.trainer_north)
    course.refresh_from_db()
    return course


def session_at(
    unit, *, course: Course, actor, days_from_today: int = 0, capacity: int = 10, paper_test_max_score=None
) -> TrainingSession:
    return services.session_create(
        actor=actor,
        course=course,
        unit=unit,
        date=timezone.localdate() + datetime.timedelta(days=days_from_today),
        start_time=datetime.time(8, 30),
        end_time=datetime.time(16, 0),
        place="Kora Central Station, briefing room",
        capacity=capacity,
        paper_test_max_score=paper_test_max_score,
    )


def lessons_complete(course: Course, officer) -> Enrollment:
    """Complete every lesson of the course for the officer's enrolment."""
    enrollment = Enrollment.objects.get(course=course, officer=officer)
    for lesson in Lesson.objects.filter(module__course=course).order_by("module__order", "order"):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    return enrollment
