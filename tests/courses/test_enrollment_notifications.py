"""A trainer's enrolment tells each newly enrolled officer with an account, in their
language, with the deadline if there is one; a whole unit costs one insert of notices."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import Enrollment
from lms.events.models import Event
from lms.notifications.models import Notification
from tests.factories import OfficerFactory, UserFactory

DEADLINE = datetime.date(2027, 1, 15)


def _notices() -> list[tuple[str, str, str, str]]:
    return list(
        Notification.objects.order_by("user__username").values_list("user__username", "kind", "message", "link")
    )


def test_named_officers_with_an_account_are_told_of_the_enrollment(people, tree, published_course):
    without_account = OfficerFactory(unit=tree.north_station)

    services.enrollments_create(
        course=published_course, officers=[tree.north_officers[0], without_account], actor=people.trainer_north
    )

    assert Enrollment.objects.count() == 2
    assert _notices() == [
        (
            "trainee",
            "course.enrolled",
            "You have been enrolled in Community-oriented policing.",
            f"/courses/{published_course.pk}/",
        )
    ]


def test_the_deadline_is_given_in_each_officers_language(people, tree, published_course):
    for language in ("fr", "ar"):
        OfficerFactory(unit=tree.north_station, user=UserFactory(username=language, preferred_language=language))

    services.enrollments_create_for_unit(
        course=published_course, unit=tree.north_station, actor=people.trainer_north, deadline=DEADLINE
    )

    # The sentence itself, not only the date: its gettext_lazy was once aliased under a
    # name makemessages does not read, and the notice went out in English to everyone.
    messages = dict(Notification.objects.values_list("user__username", "message"))
    assert messages["trainee"] == (
        "You have been enrolled in Community-oriented policing; complete it by 15 January 2027."
    )
    assert messages["fr"] == (
        "Vous avez été inscrit à Community-oriented policing\u00a0; terminez-le avant le 15 janvier 2027."
    )
    assert messages["ar"].startswith("سُجِّلت في Community-oriented policing؛ أتممها بحلول ")


def test_officers_already_enrolled_are_not_told_again(people, tree, published_course):
    services.enrollments_create(course=published_course, officers=[tree.north_officers[0]], actor=people.trainer_north)

    services.enrollments_create(
        course=published_course, officers=tree.north_officers, actor=people.trainer_north, deadline=DEADLINE
    )

    assert Notification.objects.filter(kind="course.enrolled").count() == 1


def test_self_enrollment_sends_no_notice(people, published_course):
    services.enrollment_create_self(course=published_course, user=people.trainee)

    assert not Notification.objects.exists()


def test_a_refused_enrollment_sends_no_notice(people, tree, published_course):
    with pytest.raises(ValidationError):
        services.enrollments_create(
            course=published_course,
            officers=[tree.north_officers[0], tree.south_officers[0]],
            actor=people.trainer_north,
        )

    assert not Notification.objects.exists()


def test_an_officer_whose_account_is_disabled_gets_no_notice(people, tree, published_course):
    people.trainee.is_active = False
    people.trainee.save()

    services.enrollments_create(course=published_course, officers=[tree.north_officers[0]], actor=people.trainer_north)

    assert Enrollment.objects.count() == 1
    assert not Notification.objects.exists()


def _cohort(tree, size: int):
    unit = tree.north_station
    for number in range(size):
        user = UserFactory(username=f"cohort{number}", email=f"cohort{number}@example.org" if number % 2 else "")
        OfficerFactory(unit=unit, user=user)
    return unit


def _queries(statement: str, queries) -> int:
    return sum(query["sql"].startswith(statement) for query in queries)


@pytest.mark.parametrize("size", [10, 200])
def test_a_unit_cohort_is_told_with_one_bulk_insert(people, tree, published_course, size):
    unit = _cohort(tree, size)

    with CaptureQueriesContext(connection) as captured:
        enrolled = services.enrollments_create_for_unit(
            course=published_course, unit=unit, actor=people.trainer_north, deadline=DEADLINE
        )

    queries = captured.captured_queries
    notified = size + 1  # the cohort and the trainee
    assert enrolled == size + 2  # and an officer without an account
    assert Notification.objects.filter(kind="course.enrolled").count() == notified
    assert Event.objects.filter(name="notification.created").count() == size // 2
    # One query for the recipients; the notices, their events and deliveries inserted in
    # bulk: one statement each, or a few on SQLite, which caps the parameters of one.
    batches = 1 if connection.features.max_query_params is None else 2
    assert _queries('SELECT "organisations_user"', queries) == 1
    assert _queries('INSERT INTO "notifications_notification"', queries) <= batches
    assert _queries('INSERT INTO "events_event"', queries) == 1
    assert _queries('INSERT INTO "events_delivery"', queries) == 1
    assert len(queries) <= 20
