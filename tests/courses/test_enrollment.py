"""Enrolment: self-enrolment rules, trainer enrolment by officers or unit within scope,
no duplicates even under concurrent requests, and the scoped enrolments list."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from courses import services
from courses.models import Course, Enrollment
from lms.audit.models import AuditEntry
from organisations import services as organisation_services
from organisations.models import Officer, Role
from tests.factories import OfficerFactory, UserFactory

ENROL = "/api/v1/courses/{}/enrol/"


# Self-enrolment


def test_self_enrollment_creates_one_enrollment_pinned_to_the_latest_release(api_client, people, published_course):
    api_client.force_authenticate(people.trainee)

    first = api_client.post(ENROL.format(published_course.pk))
    second = api_client.post(ENROL.format(published_course.pk))

    enrollment = Enrollment.objects.get()
    assert first.status_code == 201
    assert first.json() == {"id": enrollment.pk, "course": published_course.pk, "status": "in_progress", "progress": 0}
    assert second.status_code == 200
    assert second.json() == first.json()
    assert enrollment.officer.user == people.trainee
    assert enrollment.release == published_course.releases.get()
    assert enrollment.enrolled_by == people.trainee
    assert AuditEntry.objects.filter(action="course.enrolled").count() == 1


def test_self_enrollment_in_a_draft_course_is_404(api_client, people, draft_course):
    api_client.force_authenticate(people.trainee)

    response = api_client.post(ENROL.format(draft_course.pk))

    assert response.status_code == 404
    assert not Enrollment.objects.exists()


def test_self_enrollment_in_a_closed_course_is_403(api_client, people, published_course):
    Course.objects.filter(pk=published_course.pk).update(is_self_enrollment_open=False)
    api_client.force_authenticate(people.trainee)

    response = api_client.post(ENROL.format(published_course.pk))

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_a_user_who_is_not_an_officer_cannot_self_enrol(api_client, people, published_course):
    api_client.force_authenticate(people.trainer_south)

    response = api_client.post(ENROL.format(published_course.pk))

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_an_officer_who_has_left_cannot_self_enrol(people, published_course):
    Officer.objects.filter(user=people.trainee).update(is_active=False)
    trainee = type(people.trainee).objects.get(pk=people.trainee.pk)

    with pytest.raises(PermissionDenied):
        services.enrollment_create_self(course=published_course, user=trainee)

    assert not Enrollment.objects.exists()


def test_a_trainee_may_only_enrol_themselves(api_client, people, tree, published_course):
    api_client.force_authenticate(people.trainee)

    response = api_client.post(ENROL.format(published_course.pk), {"officers": [tree.north_officers[1].pk]})

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_anonymous_cannot_enrol(api_client, published_course):
    assert api_client.post(ENROL.format(published_course.pk)).status_code == 401
    assert not Enrollment.objects.exists()


# Trainer enrolment


def test_trainer_enrols_named_officers_with_a_deadline_skipping_those_already_enrolled(
    api_client, people, tree, published_course
):
    services.enrollment_create_self(course=published_course, user=people.trainee)
    api_client.force_authenticate(people.trainer_north)
    officers = [officer.pk for officer in tree.north_officers]

    response = api_client.post(
        ENROL.format(published_course.pk), {"officers": officers, "deadline": "2027-03-31"}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"enrolled": 1}
    added = Enrollment.objects.get(officer=tree.north_officers[1])
    assert added.deadline == datetime.date(2027, 3, 31)
    assert added.enrolled_by == people.trainer_north
    assert Enrollment.objects.get(officer=tree.north_officers[0]).deadline is None
    entry = AuditEntry.objects.get(action="course.enrolled", actor=people.trainer_north)
    assert entry.after == {"officer_ids": [tree.north_officers[1].pk], "release": 1, "deadline": "2027-03-31"}


def test_trainer_enrols_a_unit_subtree_of_active_officers(api_client, people, tree, published_course):
    OfficerFactory(unit=tree.north_district)
    OfficerFactory(unit=tree.north_station, is_active=False)
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(ENROL.format(published_course.pk), {"unit": tree.north.pk}, format="json")
    again = api_client.post(ENROL.format(published_course.pk), {"unit": tree.north.pk}, format="json")

    assert response.status_code == 200
    assert response.json() == {"enrolled": 3}
    assert again.json() == {"enrolled": 0}
    assert Enrollment.objects.count() == 3
    assert not Enrollment.objects.filter(officer__is_active=False).exists()
    assert AuditEntry.objects.filter(action="course.enrolled").count() == 1


def test_admin_enrols_any_unit(api_client, people, tree, published_course):
    api_client.force_authenticate(people.admin)

    response = api_client.post(ENROL.format(published_course.pk), {"unit": tree.nation.pk}, format="json")

    assert response.json() == {"enrolled": 4}


def test_a_unit_outside_the_trainers_scope_is_404_and_writes_nothing(api_client, people, tree, published_course):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(ENROL.format(published_course.pk), {"unit": tree.south.pk}, format="json")

    assert response.status_code == 404
    assert not Enrollment.objects.exists()
    assert not AuditEntry.objects.filter(action="course.enrolled").exists()


def test_officers_outside_the_trainers_scope_are_listed_and_nothing_is_written(
    api_client, people, tree, published_course
):
    api_client.force_authenticate(people.trainer_north)
    officers = [tree.north_officers[1].pk, tree.south_officers[0].pk, tree.south_officers[1].pk]

    response = api_client.post(ENROL.format(published_course.pk), {"officers": officers}, format="json")

    assert response.status_code == 400
    south = ", ".join(str(officer.pk) for officer in tree.south_officers)
    assert response.json() == {"officers": [f"Outside your scope or no longer serving: {south}."]}
    assert not Enrollment.objects.exists()
    assert not AuditEntry.objects.filter(action="course.enrolled").exists()


def test_unknown_officers_are_a_400(api_client, people, published_course):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(ENROL.format(published_course.pk), {"officers": [999999]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"officers": ["Unknown officer(s): 999999."]}
    assert not Enrollment.objects.exists()


def test_a_leader_cannot_enrol_others(api_client, people, tree, published_course):
    api_client.force_authenticate(people.leader)

    response = api_client.post(ENROL.format(published_course.pk), {"unit": tree.north.pk}, format="json")

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_enrolling_in_a_draft_course_is_refused(people, tree, draft_course):
    with pytest.raises(ValidationError):
        services.enrollments_create(course=draft_course, officers=tree.north_officers, actor=people.trainer_north)

    assert not Enrollment.objects.exists()


def test_an_author_enrolling_themselves_in_their_own_draft_gets_400(api_client, people, draft_course):
    officer = OfficerFactory(unit=people.trainee.officer.unit)
    officer.user = people.trainer_north
    officer.save()
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(ENROL.format(draft_course.pk))

    assert response.status_code == 400
    assert not Enrollment.objects.exists()


# Concurrency: the same officers enrolled by simultaneous requests


def run_concurrently(target, count: int) -> None:
    """Run ``target`` in ``count`` threads at once and wait for them all."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrollment_of_the_same_officers_creates_one_enrollment_each(people, tree, published_course):
    officers = list(Officer.objects.select_related("unit").filter(unit__path__startswith=tree.north.path))
    officers += OfficerFactory.create_batch(8, unit=tree.north_station)
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    results: list[int] = []
    errors: list[BaseException] = []

    def enrol() -> None:
        try:
            barrier.wait()
            results.append(
                services.enrollments_create(course=published_course, officers=officers, actor=people.trainer_north)
            )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    run_concurrently(enrol, threads_count)

    assert errors == []
    assert sum(results) == len(officers)
    assert Enrollment.objects.count() == len(officers)
    assert set(Enrollment.objects.values_list("officer_id", flat=True)) == {officer.pk for officer in officers}


@pytest.mark.django_db(transaction=True)
def test_concurrent_self_enrollment_creates_one_enrollment(people, published_course):
    threads_count = 5
    barrier = threading.Barrier(threads_count)
    created: list[bool] = []
    errors: list[BaseException] = []
    User = type(people.trainee)

    def enrol() -> None:
        try:
            barrier.wait()
            user = User.objects.get(pk=people.trainee.pk)
            created.append(services.enrollment_create_self(course=published_course, user=user)[1])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    run_concurrently(enrol, threads_count)

    assert errors == []
    assert sorted(created) == [False] * (threads_count - 1) + [True]
    assert Enrollment.objects.count() == 1


# The enrolments list


def _enrol_everyone(people, tree, course):
    services.enrollments_create(
        course=course, officers=Officer.objects.select_related("unit"), actor=people.admin, deadline=None
    )


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("trainee", ["north0"]),
        ("other_trainee", ["south0"]),
        ("trainer_north", ["north0", "north1"]),
        ("trainer_south", ["south0", "south1"]),
        ("leader", ["north0", "north1", "south0", "south1"]),
        ("admin", ["north0", "north1", "south0", "south1"]),
    ],
)
def test_enrollments_list_is_scoped(api_client, people, tree, published_course, user, expected):
    _enrol_everyone(people, tree, published_course)
    names = {
        **{f"north{i}": officer.pk for i, officer in enumerate(tree.north_officers)},
        **{f"south{i}": officer.pk for i, officer in enumerate(tree.south_officers)},
    }
    api_client.force_authenticate(getattr(people, user))

    response = api_client.get("/api/v1/enrollments/")

    assert response.status_code == 200
    assert sorted(item["officer"]["id"] for item in response.json()["results"]) == sorted(names[n] for n in expected)


def test_enrollments_list_item_shape_and_course_filter(api_client, people, tree, published_course):
    other = services.course_create(creator=people.trainer_north, code="HR-101", title="Human rights")
    services.lesson_create(module=services.module_create(course=other, title="M"), title="L")
    services.course_publish(course=other, actor=people.trainer_north)
    services.enrollment_create_self(course=published_course, user=people.trainee)
    services.enrollments_create(
        course=other, officers=[people.trainee.officer], actor=people.admin, deadline=datetime.date(2027, 1, 15)
    )
    api_client.force_authenticate(people.trainee)

    response = api_client.get("/api/v1/enrollments/", {"course": other.pk})

    officer = people.trainee.officer
    enrollment = Enrollment.objects.get(course=other)
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": enrollment.pk,
                "course": {"id": other.pk, "code": "HR-101", "title": "Human rights"},
                "status": "in_progress",
                "progress": 0,
                "deadline": "2027-01-15",
                "last_lesson": None,
                "officer": {"id": officer.pk, "name": officer.full_name},
            }
        ],
    }


def test_enrollments_list_anonymous_is_401(api_client):
    assert api_client.get("/api/v1/enrollments/").status_code == 401


@pytest.mark.parametrize("count", [1, 30])
def test_enrollments_list_runs_a_bounded_number_of_queries(
    api_client, people, tree, published_course, count, django_assert_max_num_queries
):
    officers = OfficerFactory.create_batch(count, unit=tree.north_station)
    services.enrollments_create(course=published_course, officers=officers, actor=people.admin)
    lesson_ids = published_course.releases.get().required_lesson_ids
    for enrollment in Enrollment.objects.all():
        services.lesson_complete(
            enrollment=enrollment, lesson=published_course.modules.get().lessons.get(pk=lesson_ids[0])
        )
    user = UserFactory(username="fresh.trainer")
    organisation_services.role_grant(user=user, role=Role.TRAINER, unit=tree.north)
    api_client.force_authenticate(user)

    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/enrollments/")

    assert response.json()["count"] == count
    assert {item["progress"] for item in response.json()["results"]} == {50}
