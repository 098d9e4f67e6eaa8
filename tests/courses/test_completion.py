"""The completion rule: one place decides, one record and one ``course.completed`` event per enrolment."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from courses import selectors, services
from courses.models import CourseCompletion, Enrollment, Lesson
from lms.audit.models import AuditEntry
from lms.events.models import Event
from lms.notifications.models import Notification

COMPLETE = "/api/v1/lessons/{}/complete/"


@pytest.fixture
def enrollment(people, published_course) -> Enrollment:
    return services.enrollment_create_self(course=published_course, user=people.trainee)[0]


def _lessons(course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order"))


def _complete_all(enrollment, course) -> None:
    for lesson in _lessons(course):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)


def unmet_requirement(enrollment) -> list[selectors.Requirement]:
    """A requirement provider as a later app (assessments) plugs one in."""
    return [selectors.Requirement(key="exam", label="Pass the final test", is_met=False)]


def test_the_last_required_lesson_completes_the_course_with_one_record_event_and_notice(
    people, published_course, enrollment
):
    first, second = _lessons(published_course)
    services.lesson_complete(enrollment=enrollment, lesson=first)
    assert not CourseCompletion.objects.exists()

    services.lesson_complete(enrollment=enrollment, lesson=second)

    completion = CourseCompletion.objects.get()
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert enrollment.completed_at == completion.completed_at
    assert (completion.enrollment, completion.course, completion.officer) == (
        enrollment,
        published_course,
        people.trainee.officer,
    )
    assert completion.competencies == ["COP", "HR"]
    assert completion.valid_until is None
    event = Event.objects.get(name="course.completed")
    assert event.payload == {"completion_id": completion.pk}
    assert AuditEntry.objects.filter(action="course.completed", target_id=str(enrollment.pk)).count() == 1
    notice = Notification.objects.get(user=people.trainee, kind="course.completed")
    assert published_course.title in notice.message
    assert notice.link == f"/courses/{published_course.pk}/"


def test_completion_is_written_once_however_often_it_is_checked(published_course, enrollment):
    _complete_all(enrollment, published_course)
    first = CourseCompletion.objects.get()

    again = services.enrollment_complete_if_met(enrollment_id=enrollment.pk)
    services.lesson_complete(enrollment=enrollment, lesson=_lessons(published_course)[0])

    assert again == first
    assert CourseCompletion.objects.count() == 1
    assert Event.objects.filter(name="course.completed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_write_one_completion_and_one_event(people, published_course):
    enrollment = services.enrollment_create_self(course=published_course, user=people.trainee)[0]
    for lesson in _lessons(published_course):
        # Progress without the check, so that the threads below race to complete.
        enrollment.lesson_progress.create(lesson=lesson, completed_at=enrollment.enrolled_at)
    threads_count = 5
    barrier = threading.Barrier(threads_count)
    results: list[int] = []
    errors: list[BaseException] = []

    def check() -> None:
        try:
            barrier.wait()
            results.append(services.enrollment_complete_if_met(enrollment_id=enrollment.pk).pk)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    completion = CourseCompletion.objects.get()
    assert results == [completion.pk] * threads_count
    assert Event.objects.filter(name="course.completed").count() == 1


def test_validity_runs_from_the_completion_day_to_the_same_day_months_later(people, published_course, enrollment):
    published_course.validity_months = 24
    published_course.save()
    _complete_all(enrollment, published_course)

    completion = CourseCompletion.objects.get()
    completed_on = timezone.localdate(completion.completed_at)
    assert completion.valid_until == services._months_after(completed_on, 24)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 24), 12, datetime.date(2027, 11, 24)),
        (datetime.date(2026, 12, 15), 1, datetime.date(2027, 1, 15)),
        (datetime.date(2026, 5, 31), 30, datetime.date(2028, 11, 30)),
    ],
)
def test_months_after_keeps_the_day_or_the_end_of_a_shorter_month(day, months, expected):
    assert services._months_after(day, months) == expected


def test_a_requirement_added_after_enrollment_binds_later_enrollments_only(people, published_course, enrollment):
    module = published_course.modules.get()
    extra = services.lesson_create(module=module, title="Debrief", body="Talk it through.")
    published_course.requires_attendance = True
    published_course.save()
    services.course_publish(course=published_course, actor=people.trainer_north)
    later = services.enrollment_create_self(course=published_course, user=people.other_trainee)[0]

    _complete_all(enrollment, published_course)
    for lesson in _lessons(published_course):
        services.lesson_complete(enrollment=later, lesson=lesson)

    assert CourseCompletion.objects.filter(enrollment=enrollment).exists()
    later.refresh_from_db()
    assert later.status == Enrollment.Status.IN_PROGRESS
    assert extra.pk in later.release.required_lesson_ids
    assert [(r.key, r.is_met) for r in selectors.completion_requirements(later)] == [
        ("lessons", True),
        ("attendance", False),
    ]


def test_a_lesson_archived_after_enrollment_stays_readable_and_required(people, published_course, enrollment):
    first, second = _lessons(published_course)
    Lesson.objects.filter(pk=second.pk).update(is_archived=True)

    assert selectors.lesson_get(user=people.trainee, lesson_id=second.pk) == second
    services.lesson_complete(enrollment=enrollment, lesson=first)
    assert not CourseCompletion.objects.exists()
    services.lesson_complete(enrollment=enrollment, lesson=second)
    assert CourseCompletion.objects.filter(enrollment=enrollment).exists()

    services.course_publish(course=published_course, actor=people.trainer_north)
    later = services.enrollment_create_self(course=published_course, user=people.other_trainee)[0]
    assert later.release.required_lesson_ids == [first.pk]
    assert selectors.lesson_get(user=people.other_trainee, lesson_id=second.pk) is None


def test_optional_lessons_do_not_hold_back_completion(people, draft_course):
    module = draft_course.modules.get()
    services.lesson_create(module=module, title="Further reading", is_required=False)
    services.course_publish(course=draft_course, actor=people.trainer_north)
    enrollment = services.enrollment_create_self(course=draft_course, user=people.trainee)[0]

    for lesson in Lesson.objects.filter(module=module, is_required=True):
        services.lesson_complete(enrollment=enrollment, lesson=lesson)

    assert CourseCompletion.objects.filter(enrollment=enrollment).exists()


def test_a_course_that_requires_nothing_is_never_completed_automatically(people):
    course = services.course_create(creator=people.trainer_north, code="EMPTY-1", title="Empty")
    services.course_publish(course=course, actor=people.trainer_north)
    enrollment = services.enrollment_create_self(course=course, user=people.trainee)[0]

    assert selectors.completion_requirements(enrollment) == []
    assert services.enrollment_complete_if_met(enrollment_id=enrollment.pk) is None
    assert not CourseCompletion.objects.exists()


def test_a_plugged_in_requirement_holds_back_completion_until_met(settings, published_course, enrollment):
    settings.COURSE_COMPLETION_REQUIREMENTS = [
        *settings.COURSE_COMPLETION_REQUIREMENTS,
        "tests.courses.test_completion.unmet_requirement",
    ]

    _complete_all(enrollment, published_course)

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.IN_PROGRESS
    assert not Event.objects.filter(name="course.completed").exists()
    assert [r.key for r in selectors.completion_requirements(enrollment) if not r.is_met] == ["exam"]


def test_the_completion_check_makes_no_text_and_a_page_shows_it_in_its_own_language(published_course, enrollment):
    lessons = _lessons(published_course)
    services.lesson_complete(enrollment=enrollment, lesson=lessons[0])
    with translation.override("fr"):  # as the check does, whatever the language of the moment
        requirements = selectors.completion_requirements(enrollment)

    with translation.override("ar"):
        lessons_requirement = next(r for r in requirements if r.key == "lessons")
        assert str(lessons_requirement.detail) == f"أُنجز 1 من أصل {len(lessons)}"
        assert str(lessons_requirement.label) == translation.gettext("Complete the required lessons")


# Sequential modules


@pytest.fixture
def sequential_course(people, draft_course):
    second = services.module_create(course=draft_course, title="Practice")
    services.lesson_create(module=second, title="On the beat")
    draft_course.is_sequential = True
    draft_course.save()
    services.course_publish(course=draft_course, actor=people.trainer_north)
    return draft_course


def test_a_sequential_course_opens_a_module_once_the_ones_before_are_done(people, sequential_course):
    enrollment = services.enrollment_create_self(course=sequential_course, user=people.trainee)[0]
    first, second, later = _lessons(sequential_course)

    with pytest.raises(ValidationError) as refused:
        services.lesson_complete(enrollment=enrollment, lesson=later)
    assert refused.value.code == "locked"
    assert not enrollment.lesson_progress.filter(lesson=later).exists()

    services.lesson_complete(enrollment=enrollment, lesson=first)
    assert selectors.enrollment_locked_module_ids(enrollment) == {later.module_id}
    services.lesson_complete(enrollment=enrollment, lesson=second)
    assert selectors.enrollment_locked_module_ids(enrollment) == set()
    assert services.lesson_complete(enrollment=enrollment, lesson=later) == 100


def test_completing_a_locked_lesson_over_the_api_is_a_400(api_client, people, sequential_course):
    services.enrollment_create_self(course=sequential_course, user=people.trainee)
    later = _lessons(sequential_course)[-1]
    api_client.force_authenticate(people.trainee)

    response = api_client.post(COMPLETE.format(later.pk))

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Finish the modules before this one first."]}


def test_locked_modules_are_those_after_the_first_unfinished_one():
    assert selectors.locked_module_ids(
        module_ids=[1, 2, 3], lesson_modules={10: 1, 20: 2, 30: 3}, required_ids=[10, 20, 30], completed_ids=[10]
    ) == {3}
    assert (
        selectors.locked_module_ids(
            module_ids=[1, 2, 3], lesson_modules={10: 1, 30: 3}, required_ids=[10, 30], completed_ids=[10]
        )
        == set()
    )  # module 2 requires nothing; module 3's own lesson is open
