"""A course's assessments on its trainee's pages (the outline, "My courses", the lesson page):
listed with their state and attempts left, counted in progress, offered as the next thing to
do once the lessons are done, in a fixed number of queries whatever their number."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment
from courses import services as course_services
from courses.models import Enrollment, Lesson
from tests.assessments.conftest import right_answers, wrong_answers


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _lessons_done(course, people) -> Enrollment:
    enrollment = Enrollment.objects.get(course=course, officer=people.trainee.officer)
    for lesson in Lesson.objects.filter(module__course=course):
        course_services.lesson_complete(enrollment=enrollment, lesson=lesson)
    return enrollment


def _attempt(assessment, people, *, right: bool) -> None:
    attempt = services.attempt_start(assessment=assessment, user=people.trainee)
    answers = right_answers(attempt) if right else wrong_answers(attempt)
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=answers)


def test_the_outline_lists_the_final_with_its_state_and_counts_it_in_progress(client, people, course, published):
    _lessons_done(course, people)
    detail = reverse("assessment-detail", args=[published.pk])
    outline = reverse("course-outline", args=[course.pk])
    client.force_login(people.trainee)

    lessons_done = _html(client, outline)
    _attempt(published, people, right=False)
    failed = _html(client, outline)
    _attempt(published, people, right=True)
    passed = _html(client, outline)

    # The lesson is done, the final is not: half way, and "Resume" leads to the final.
    assert '<span class="progress-value">50%</span>' in lessons_done
    assert f'<a href="{detail}" lang="en" dir="ltr">Final test</a>' in lessons_done
    assert '<span class="requirement-state">Not started</span>' in lessons_done
    assert "(2 attempts left)" in lessons_done
    assert f'<a class="button" href="{detail}">Resume</a>' in lessons_done
    assert '<span class="progress-value">50%</span>' in failed
    assert '<span class="requirement-state">Failed</span>' in failed
    assert "(1 attempt left)" in failed
    assert f'<a class="button" href="{detail}">Resume</a>' in failed
    assert '<span class="progress-value">100%</span>' in passed
    assert '<span class="requirement-state">Passed</span>' in passed
    assert "attempt left" not in passed
    assert 'class="button" href' not in passed.split('id="enrolment-heading"', 1)[1].split("</section>", 1)[0]


def test_my_courses_and_the_lesson_page_count_the_final_too(client, people, course, published):
    enrollment = _lessons_done(course, people)
    lesson = Lesson.objects.get(module__course=course)
    client.force_login(people.trainee)

    my_courses = _html(client, reverse("my-courses"))
    lesson_page = _html(client, reverse("lesson-detail", args=[lesson.pk]))

    assert enrollment.status != Enrollment.Status.COMPLETED
    assert '<span class="progress-value">50%</span>' in my_courses
    assert f'<a class="button" href="{reverse("assessment-detail", args=[published.pk])}">Resume' in my_courses
    assert '<span class="progress-value">50%</span>' in lesson_page


def test_an_unpublished_assessment_is_not_listed_and_a_later_one_does_not_count(client, people, course, published):
    draft = services.assessment_create(course=course, title="Draft quiz", actor=people.trainer_north)
    later = services.assessment_create(course=course, title="Later quiz", actor=people.trainer_north)
    Assessment.objects.filter(pk=later.pk).update(published_at=timezone.now())
    _lessons_done(course, people)
    client.force_login(people.trainee)

    html = _html(client, reverse("course-outline", args=[course.pk]))

    assert draft.title not in html
    assert "Later quiz</a>" in html
    assert '<span class="badge">Optional</span>' in html.split("Later quiz</a>", 1)[1]
    assert '<span class="progress-value">50%</span>' in html  # the lesson and the final only


@pytest.mark.parametrize("page", ["course-outline", "my-courses", "lesson-detail"])
def test_the_pages_run_the_same_queries_for_1_or_8_assessments(client, people, course, published, page):
    _lessons_done(course, people)
    _attempt(published, people, right=False)
    args = {
        "course-outline": [course.pk],
        "lesson-detail": [Lesson.objects.get(module__course=course).pk],
    }.get(page, [])
    url = reverse(page, args=args)
    client.force_login(people.trainee)

    one = _queries(client, url)
    for number in range(7):
        extra = services.assessment_create(
            course=course, title=f"Quiz {number}", actor=people.trainer_north, max_attempts=3
        )
        Assessment.objects.filter(pk=extra.pk).update(published_at=timezone.now())
    many = _queries(client, url)

    assert one == many
    if page == "course-outline":
        assert _html(client, url).count('<span class="requirement-state">Not started</span>') == 7


def test_courses_show_no_assessment_without_the_hook_and_a_misspelt_hook_stops_the_start(
    client, settings, people, course, published
):
    _lessons_done(course, people)
    client.force_login(people.trainee)
    settings.COURSE_LEARNER_ASSESSMENTS = []

    html = _html(client, reverse("course-outline", args=[course.pk]))

    assert 'id="assessments-heading"' not in html
    assert '<span class="progress-value">100%</span>' in html  # courses alone count lessons only
    settings.COURSE_LEARNER_ASSESSMENTS = ["assessments.selectors.course_learner_assesments"]
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    assert "COURSE_LEARNER_ASSESSMENTS names 'assessments.selectors.course_learner_assesments'" in str(refused.value)
