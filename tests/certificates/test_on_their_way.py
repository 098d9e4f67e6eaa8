"""Between a completion and its certificate (issued by a worker after the request, through
the ``course.completed`` delivery), "My certificates" and the course page say that the
certificate is being prepared, or delayed, from the completion and its delivery."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates import selectors, services
from certificates.models import Certificate
from courses import services as course_services
from courses.models import CourseCompletion
from lms.events.models import Delivery, Event
from lms.events.services import delivery_run
from tests.certificates.conftest import complete

PREPARING = (
    '<p class="notice" role="status">Your certificate for <bdi>HR-101</bdi> is being prepared; it usually takes'
    " a few seconds. This page shows it when it is ready.</p>"
)
SLOW = (
    '<p class="notice" role="status">Your certificate for <bdi>HR-101</bdi> is taking longer than usual; the'
    " platform keeps trying. This page shows it when it is ready.</p>"
)
RETRYING = (
    '<p class="notice" role="status">Your certificate for <bdi>HR-101</bdi> is delayed: preparing it failed, and'
    " the platform keeps trying. This page shows it when it is ready.</p>"
)
FAILED = (
    '<p class="notice" role="status">Your certificate for <bdi>HR-101</bdi> is delayed: preparing it failed'
    " several times, and the platform stopped trying. The problem is listed for administrators, who can start it"
    " again. This page shows it when it is ready.</p>"
)
REFRESH = '<meta http-equiv="refresh" content="5">'
NONE_YET = "You hold no certificate yet."


def delivery_of(completion: CourseCompletion) -> Delivery:
    return Delivery.objects.get(handler=selectors.COMPLETION_HANDLER, event__payload__completion_id=completion.pk)


def completed_ago(completion: CourseCompletion, **delta) -> None:
    """The completion and its event as if written ``delta`` ago."""
    moment = completion.completed_at - datetime.timedelta(**delta)
    CourseCompletion.objects.filter(pk=completion.pk).update(completed_at=moment)
    Event.objects.filter(pk=delivery_of(completion).event_id).update(occurred_at=moment)


def my_certificates(client, user) -> str:
    client.force_login(user)
    response = client.get("/certificates/")
    assert response.status_code == 200
    return response.content.decode()


def failing_render(monkeypatch) -> None:
    def broken(certificate, *, logo=None):
        raise OSError("disk full")

    monkeypatch.setattr(services, "certificate_pdf", broken)


# My certificates ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_completion_waiting_for_its_worker_shows_the_certificate_being_prepared(client, people, completion):
    page = my_certificates(client, people.trainee)

    assert PREPARING in page
    assert REFRESH in page
    assert '<a href="?refresh=off">Stop updating</a>' in page
    assert NONE_YET not in page


@pytest.mark.django_db
def test_once_issued_the_certificate_replaces_the_notice_and_the_page_stops_refreshing(client, people, completion):
    assert delivery_run(delivery_id=delivery_of(completion).pk) is True
    certificate = Certificate.objects.get(completion=completion)

    page = my_certificates(client, people.trainee)

    assert certificate.code in page
    assert "Your certificate for" not in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db
def test_a_certificate_not_issued_after_two_minutes_is_taking_longer(client, people, completion):
    completed_ago(completion, minutes=2)

    page = my_certificates(client, people.trainee)

    assert SLOW in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db
def test_a_failed_attempt_says_the_certificate_is_delayed_and_retried(client, people, completion, monkeypatch):
    failing_render(monkeypatch)
    assert delivery_run(delivery_id=delivery_of(completion).pk) is False
    assert (delivery_of(completion).status, delivery_of(completion).attempts) == ("pending", 1)

    page = my_certificates(client, people.trainee)

    assert RETRYING in page
    assert 'http-equiv="refresh"' not in page


@pytest.mark.django_db
def test_after_the_last_attempt_the_holder_learns_administrators_see_the_problem(
    client, people, completion, monkeypatch, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    failing_render(monkeypatch)
    delivery_run(delivery_id=delivery_of(completion).pk)
    assert delivery_of(completion).status == "failed"

    page = my_certificates(client, people.trainee)

    assert FAILED in page
    assert NONE_YET not in page


@pytest.mark.django_db
def test_a_completion_whose_delivery_is_done_without_a_certificate_is_not_on_its_way(client, people, completion):
    # Completed before certificates were issued automatically: a bulk run issues it.
    Delivery.objects.filter(pk=delivery_of(completion).pk).update(status=Delivery.Status.DONE)

    page = my_certificates(client, people.trainee)

    assert "Your certificate for" not in page
    assert NONE_YET in page


@pytest.mark.django_db
def test_another_officers_certificate_on_its_way_is_not_shown(client, people, course):
    complete(course, people.other_trainee)

    page = my_certificates(client, people.trainee)

    assert "Your certificate for" not in page
    assert NONE_YET in page


@pytest.mark.django_db
def test_my_certificates_runs_the_same_queries_with_1_or_6_on_their_way(client, people, course, mission):
    complete(course, people.trainee)
    client.force_login(people.trainee)
    counts = []
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/certificates/").content.decode().count("is being prepared") == 1
    counts.append(len(captured))
    for number in range(5):
        other = course_services.course_create(
            creator=people.trainer_north, code=f"C-{number}", title=f"Course {number}", owner=mission
        )
        course_services.lesson_create(module=course_services.module_create(course=other, title="M"), title="L")
        course_services.course_publish(course=other, actor=people.trainer_north)
        complete(other, people.trainee)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/certificates/").content.decode().count("is being prepared") == 6
    counts.append(len(captured))

    assert counts[0] == counts[1]


# The course page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_course_page_of_a_completed_enrollment_says_the_certificate_is_coming(client, people, course, completion):
    client.force_login(people.trainee)

    page = client.get(reverse("course-outline", args=[course.pk])).content.decode()

    assert (
        '<p class="notice" role="status">Your certificate for <bdi>HR-101</bdi> is being prepared; it usually'
        ' takes a few seconds. <a href="/certificates/">My certificates shows it when it is ready.</a></p>'
    ) in page


@pytest.mark.django_db
def test_the_course_page_says_nothing_once_the_certificate_is_issued(client, people, course, completion):
    delivery_run(delivery_id=delivery_of(completion).pk)
    client.force_login(people.trainee)

    page = client.get(reverse("course-outline", args=[course.pk])).content.decode()

    assert "Your certificate for" not in page


@pytest.mark.django_db
def test_the_course_page_speaks_only_of_its_own_course(client, people, course, mission):
    other = course_services.course_create(creator=people.trainer_north, code="COP-101", title="Policing", owner=mission)
    course_services.lesson_create(module=course_services.module_create(course=other, title="M"), title="L")
    course_services.course_publish(course=other, actor=people.trainer_north)
    complete(other, people.trainee)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    client.force_login(people.trainee)

    page = client.get(reverse("course-outline", args=[course.pk])).content.decode()

    assert "Your certificate for" not in page


@pytest.mark.django_db
def test_the_notice_costs_the_completed_course_page_one_query_and_none_before(client, people, course):
    enrollment = course_services.enrollment_create_self(course=course, user=people.trainee)[0]
    client.force_login(people.trainee)
    url = reverse("course-outline", args=[course.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    complete(course, people.trainee)
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"

    with CaptureQueriesContext(connection) as after:
        assert "is being prepared" in client.get(url).content.decode()

    # One query for the notice; a completed enrolment reads its requirements as before.
    assert len(after) == len(before) + 1
