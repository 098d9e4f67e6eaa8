"""Racing "start" requests: row locks, not luck, keep the attempt limit.

Run on both databases by CI. On PostgreSQL the enrolment row lock is what serialises the
starts; SQLite serialises every writer anyway, so there the test shows the rule holds
with the embedded default, not that the lock works.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessments import services
from assessments.models import Attempt
from courses import services as course_services

THREADS = 8


def run_concurrently(target, count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_racing_starts_open_one_attempt_and_never_exceed_the_limit(people):
    course = course_services.course_create(creator=people.trainer_north, code="RACE-1", title="Race")
    assessment = services.assessment_create(course=course, title="Final", actor=people.trainer_north, max_attempts=2)
    services.question_create(
        bank=assessment.bank,
        kind="true_false",
        text="Water is wet.",
        actor=people.trainer_north,
        choices=[{"correct": True}],
    )
    services.assessment_publish(assessment=assessment, actor=people.trainer_north)
    course_services.course_publish(course=course, actor=people.trainer_north)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    User = type(people.trainee)
    barrier = threading.Barrier(THREADS)

    def race(results: list, errors: list) -> None:
        def start() -> None:
            try:
                barrier.wait()
                user = User.objects.get(pk=people.trainee.pk)
                attempt = services.attempt_start(assessment=assessment, user=user)
                results.append((attempt.pk, attempt.is_new))
                services.attempt_submit(attempt=attempt, user=user)
            except ValidationError as error:
                errors.append(error.code)
            except BaseException as error:  # reported by the assertions below
                errors.append(repr(error))
            finally:
                connection.close()

        return start

    results: list = []
    errors: list = []
    run_concurrently(race(results, errors), THREADS)
    barrier.reset()

    # Each start either opens a new attempt, returns the open one, or is refused at the limit.
    assert set(errors) <= {"attempt_limit"}
    assert Attempt.objects.count() == 2
    assert sorted(Attempt.objects.values_list("number", flat=True)) == [1, 2]
    assert sum(1 for _pk, is_new in results if is_new) == 2
    assert not Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).exists()


@pytest.mark.django_db(transaction=True)
def test_racing_starts_without_submitting_share_one_open_attempt(people):
    course = course_services.course_create(creator=people.trainer_north, code="RACE-2", title="Race")
    assessment = services.assessment_create(course=course, title="Final", actor=people.trainer_north, max_attempts=2)
    services.question_create(
        bank=assessment.bank, kind="numeric", text="2 + 2?", actor=people.trainer_north, numeric_answer="4"
    )
    services.assessment_publish(assessment=assessment, actor=people.trainer_north)
    course_services.course_publish(course=course, actor=people.trainer_north)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    User = type(people.trainee)
    barrier = threading.Barrier(THREADS)
    opened: list[int] = []
    errors: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            opened.append(services.attempt_start(assessment=assessment, user=User.objects.get(pk=people.trainee.pk)).pk)
        except BaseException as error:  # reported by the assertions below
            errors.append(repr(error))
        finally:
            connection.close()

    run_concurrently(start, THREADS)

    assert errors == []
    attempt = Attempt.objects.get()
    assert opened == [attempt.pk] * THREADS
    assert attempt.status == Attempt.Status.IN_PROGRESS
