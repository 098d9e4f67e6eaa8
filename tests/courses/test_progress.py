"""Lesson completion and progress: counted against the enrolment's pinned release only."""

import pytest
from django.core.exceptions import ValidationError

from courses import services
from courses.models import Enrollment, Lesson, LessonProgress

COMPLETE = "/api/v1/lessons/{}/complete/"


@pytest.fixture
def enrollment(people, published_course) -> Enrollment:
    return services.enrollment_create_self(course=published_course, user=people.trainee)[0]


def _lessons(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("order"))


def test_progress_is_completed_required_lessons_of_the_release_over_their_number(enrollment, published_course):
    first, second = _lessons(published_course)

    assert services.lesson_complete(enrollment=enrollment, lesson=first) == 50
    assert services.lesson_complete(enrollment=enrollment, lesson=second) == 100

    enrollment.refresh_from_db()
    assert enrollment.last_lesson == second
    assert enrollment.status == Enrollment.Status.COMPLETED  # the course requires nothing else


def test_lesson_complete_is_idempotent(enrollment, published_course):
    first, second = _lessons(published_course)
    services.lesson_complete(enrollment=enrollment, lesson=first)
    services.lesson_complete(enrollment=enrollment, lesson=second)

    assert services.lesson_complete(enrollment=enrollment, lesson=first) == 100
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 2
    enrollment.refresh_from_db()
    assert enrollment.last_lesson == first  # resume where the officer last was


def test_a_lesson_added_after_the_enrollments_release_does_not_count(people, enrollment, published_course):
    first, second = _lessons(published_course)
    added = services.lesson_create(module=first.module, title="Added later")
    services.course_publish(course=published_course, actor=people.trainer_north)
    later = services.enrollments_create(
        course=published_course,
        officers=[people.trainee.officer.unit.officers.exclude(user=people.trainee).get()],
        actor=people.trainer_north,
    )
    assert later == 1
    later_enrollment = Enrollment.objects.exclude(pk=enrollment.pk).get()

    assert services.lesson_complete(enrollment=enrollment, lesson=added) == 0
    assert services.lesson_complete(enrollment=enrollment, lesson=first) == 50
    assert services.lesson_complete(enrollment=enrollment, lesson=second) == 100
    # Pinned to release 2, the later enrolment must do all three lessons.
    assert later_enrollment.release.number == 2
    assert services.lesson_complete(enrollment=later_enrollment, lesson=first) == 33
    assert services.lesson_complete(enrollment=later_enrollment, lesson=added) == 66


def test_optional_lessons_do_not_count(people, enrollment, published_course):
    first, _ = _lessons(published_course)
    optional = services.lesson_create(module=first.module, title="Further reading", is_required=False)

    assert services.lesson_complete(enrollment=enrollment, lesson=optional) == 0


def test_a_lesson_of_another_course_is_refused(people, enrollment):
    other = services.course_create(creator=people.trainer_north, code="HR-101", title="Human rights")
    lesson = services.lesson_create(module=services.module_create(course=other, title="M"), title="L")

    with pytest.raises(ValidationError):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)

    assert not LessonProgress.objects.exists()


# The API


def test_complete_api_returns_progress(api_client, people, enrollment, published_course):
    first, _ = _lessons(published_course)
    api_client.force_authenticate(people.trainee)

    response = api_client.post(COMPLETE.format(first.pk))
    again = api_client.post(COMPLETE.format(first.pk))

    assert response.status_code == 200
    assert response.json() == {"progress": 50}
    assert again.json() == {"progress": 50}
    assert LessonProgress.objects.count() == 1


def test_complete_api_refuses_a_caller_not_enrolled(api_client, people, enrollment, published_course):
    first, _ = _lessons(published_course)
    api_client.force_authenticate(people.other_trainee)

    response = api_client.post(COMPLETE.format(first.pk))

    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_complete_api_hides_lessons_of_a_draft_course(api_client, people):
    draft = services.course_create(creator=people.trainer_north, code="HR-101", title="Human rights")
    lesson = services.lesson_create(module=services.module_create(course=draft, title="M"), title="L")
    api_client.force_authenticate(people.trainee)

    assert api_client.post(COMPLETE.format(lesson.pk)).status_code == 404
    assert not LessonProgress.objects.exists()


def test_complete_api_anonymous_is_401(api_client, enrollment, published_course):
    first, _ = _lessons(published_course)

    assert api_client.post(COMPLETE.format(first.pk)).status_code == 401
    assert not LessonProgress.objects.exists()


def test_progress_shows_in_the_enrollments_list(api_client, people, enrollment, published_course):
    first, _ = _lessons(published_course)
    services.lesson_complete(enrollment=enrollment, lesson=first)
    api_client.force_authenticate(people.trainee)

    item = api_client.get("/api/v1/enrollments/").json()["results"][0]

    assert (item["progress"], item["last_lesson"]) == (50, first.pk)
