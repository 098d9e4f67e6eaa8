"""The in-person sessions API: one access table of roles x endpoints, then exact answers.

The session is hosted by the northern station: `trainer` (trainer.north) runs it,
`other_trainer` (trainer.south) cannot see it, `trainee` is registered for it and
`other_trainee` (southern station) neither registered nor enrolled. A session the caller
cannot see is a 404; one they see but do not run is a 403 for every write.
"""

import datetime

import pytest
from django.utils import timezone

from courses import services
from courses.models import PracticalResult, SessionRegistration, TrainingSession
from lms.audit.models import AuditEntry
from organisations.models import Officer
from tests.courses.sessions_support import FIRST_AID, course_requiring, session_at
from tests.factories import OfficerFactory

ROLES = ["anonymous", "trainee", "other_trainee", "trainer", "other_trainer", "leader", "admin"]
USERS = {
    "trainee": "trainee",
    "other_trainee": "other_trainee",
    "trainer": "trainer_north",
    "other_trainer": "trainer_south",
    "leader": "leader",
    "admin": "admin",
}
SESSIONS = "/api/v1/sessions/"
SESSION = "/api/v1/sessions/{session}/"

# (method, url, body) -> expected status per role, in ROLES order
TABLE = {
    ("get", SESSIONS, None): [401, 200, 200, 200, 200, 200, 200],
    ("post", SESSIONS, "create"): [401, 403, 403, 201, 400, 403, 201],
    ("get", SESSION, None): [401, 200, 404, 200, 404, 200, 200],
    ("patch", SESSION, "update"): [401, 403, 404, 200, 404, 403, 200],
    ("post", SESSION + "cancel/", None): [401, 403, 404, 200, 404, 403, 200],
    ("get", SESSION + "registrations/", None): [401, 403, 404, 200, 404, 200, 200],
    ("post", SESSION + "registrations/", "register"): [401, 403, 404, 200, 404, 403, 200],
    ("post", SESSION + "attendance/", "attendance"): [401, 403, 404, 200, 404, 403, 200],
    ("post", SESSION + "practicals/", "practicals"): [401, 403, 404, 200, 404, 403, 200],
    ("post", SESSION + "paper-scores/", "scores"): [401, 403, 404, 200, 404, 403, 200],
}
CASES = [
    (method, url, body, role, status)
    for (method, url, body), statuses in TABLE.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.fixture
def course(people, draft_course):
    return course_requiring(draft_course, people=people, attendance=True, practicals=[FIRST_AID])


@pytest.fixture
def session(tree, people, course) -> TrainingSession:
    """Today at the northern station, the trainee registered."""
    session = session_at(tree.north_station, course=course, actor=people.trainer_north, paper_test_max_score=20)
    services.session_register(session=session, officers=[people.trainee.officer], actor=people.trainer_north)
    return session


def _bodies(tree, people, course) -> dict:
    trainee = people.trainee.officer.pk
    return {
        "create": {
            "course": course.pk,
            "unit": tree.north_station.pk,
            "date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
            "start_time": "09:00",
            "place": "Kora hall",
            "capacity": 20,
        },
        "update": {"place": "Kora hall", "capacity": 15},
        "register": {"officers": [tree.north_officers[1].pk]},
        "attendance": {"marks": [{"officer": trainee, "attendance": "present"}]},
        "practicals": {"results": [{"officer": trainee, "skill": FIRST_AID, "passed": True, "comment": "Calm"}]},
        "scores": {"scores": [{"officer": trainee, "score": "15.5"}]},
        None: {},
    }


def _state() -> dict:
    return {
        "sessions": list(TrainingSession.objects.values_list("pk", "status", "place", "capacity").order_by("pk")),
        "registrations": list(
            SessionRegistration.objects.values_list("officer_id", "attendance", "paper_score").order_by("pk")
        ),
        "practicals": PracticalResult.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "body", "role", "expected"), CASES)
def test_access_table(api_client, tree, people, course, session, method, url, body, role, expected):
    if role != "anonymous":
        api_client.force_authenticate(getattr(people, USERS[role]))
    before = _state()

    response = getattr(api_client, method)(
        url.format(session=session.pk), _bodies(tree, people, course)[body], format="json"
    )

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert _state() == before


def test_the_session_as_the_registered_trainee_reads_it(api_client, tree, people, course, session):
    api_client.force_authenticate(people.trainee)

    response = api_client.get(SESSION.format(session=session.pk))

    assert response.json() == {
        "id": session.pk,
        "course": {"id": course.pk, "code": "COP-101", "title": "Community-oriented policing"},
        "date": timezone.localdate().isoformat(),
        "start_time": "08:30",
        "end_time": "16:00",
        "place": "Kora Central Station, briefing room",
        "unit": {"id": tree.north_station.pk, "code": "N1-ST", "name": "Kora Central Station"},
        "capacity": 10,
        "registered": 1,
        "trainer": {"id": people.trainer_north.pk, "name": "trainer.north"},
        "paper_test_max_score": 20,
        "status": "scheduled",
        "own_attendance": "registered",
    }


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("trainee", ["north-today", "north-later"]),
        ("other_trainee", ["south-other-course"]),
        ("trainer_north", ["north-today", "north-later"]),
        ("trainer_south", ["south-other-course"]),
        ("leader", ["north-today", "south-other-course", "north-later"]),
        ("admin", ["north-today", "south-other-course", "north-later"]),
    ],
)
def test_the_list_is_scoped(api_client, tree, people, course, session, user, expected):
    # The trainee is registered for "north-today" and so enrolled in its course, whose other
    # scheduled session shows too; other_trainee is enrolled in the other course only.
    later = session_at(tree.north_station, course=course, actor=people.trainer_north, days_from_today=5)
    other_course = services.course_create(creator=people.trainer_south, code="HR-101", title="Human rights")
    module = services.module_create(course=other_course, title="Arrest")
    services.lesson_create(module=module, title="Rights on arrest")
    services.course_publish(course=other_course, actor=people.trainer_south)
    south = session_at(tree.south_station, course=other_course, actor=people.trainer_south, days_from_today=3)
    services.enrollments_create(
        course=other_course, officers=[people.other_trainee.officer], actor=people.trainer_south
    )
    names = {session.pk: "north-today", later.pk: "north-later", south.pk: "south-other-course"}
    api_client.force_authenticate(getattr(people, user))

    response = api_client.get(SESSIONS)

    assert [names[row["id"]] for row in response.json()["results"]] == expected


def test_the_list_filters_by_course_and_time(api_client, tree, people, course, session):
    api_client.force_authenticate(people.trainer_north)
    past = session_at(tree.north_station, course=course, actor=people.trainer_north, days_from_today=-3)

    upcoming = api_client.get(SESSIONS, {"upcoming": "true", "course": course.pk}).json()["results"]
    before_today = api_client.get(SESSIONS, {"upcoming": "false"}).json()["results"]
    other_course = api_client.get(SESSIONS, {"course": course.pk + 1000}).json()["results"]

    assert [row["id"] for row in upcoming] == [session.pk]
    assert [row["id"] for row in before_today] == [past.pk]
    assert other_course == []


def test_the_roster_lists_attendance_scores_and_practicals(api_client, tree, people, session):
    trainee = people.trainee.officer
    services.attendance_record(session=session, marks={trainee.pk: "present"}, actor=people.trainer_north)
    services.practicals_record(session=session, results=[(trainee.pk, FIRST_AID, True, "Calm")], actor=people.admin)
    api_client.force_authenticate(people.leader)

    response = api_client.get(SESSION.format(session=session.pk) + "registrations/")

    assert response.json() == [
        {
            "officer": {
                "id": trainee.pk,
                "name": trainee.full_name,
                "service_number": trainee.service_number,
                "unit": {"id": tree.north_station.pk, "code": "N1-ST", "name": "Kora Central Station"},
            },
            "attendance": "present",
            "paper_score": None,
            "practicals": [{"skill": FIRST_AID, "passed": True, "comment": "Calm"}],
        }
    ]


def test_registering_a_unit_registers_its_active_officers(api_client, tree, people, session):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(SESSION.format(session=session.pk) + "registrations/", {"unit": tree.north.pk})

    assert response.json() == {"registered": 1}
    assert set(SessionRegistration.objects.values_list("officer_id", flat=True)) == {
        officer.pk for officer in tree.north_officers
    }


def test_registering_beyond_the_capacity_is_a_400_and_registers_nobody(api_client, tree, people, session):
    extra = OfficerFactory.create_batch(10, unit=tree.north_station)
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        SESSION.format(session=session.pk) + "registrations/", {"officers": [o.pk for o in extra]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "officers": ["Only 9 of 10 places are left and 10 officers were to be registered: nobody was registered."]
    }
    assert SessionRegistration.objects.count() == 1


def test_a_unit_outside_the_scope_is_a_400(api_client, tree, people, session):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(SESSION.format(session=session.pk) + "registrations/", {"unit": tree.south.pk})

    assert response.status_code == 400
    assert response.json() == {"unit": ["Unknown unit, or outside your trainer scope."]}


def test_attendance_errors_name_the_row_and_the_officer(api_client, tree, people, session):
    trainee = people.trainee.officer.pk
    stranger = tree.south_officers[1].pk
    api_client.force_authenticate(people.trainer_north)
    url = SESSION.format(session=session.pk) + "attendance/"

    bad_value = api_client.post(url, {"marks": [{"officer": trainee, "attendance": "late"}]}, format="json")
    twice = api_client.post(
        url,
        {"marks": [{"officer": trainee, "attendance": "present"}, {"officer": trainee, "attendance": "absent"}]},
        format="json",
    )
    unknown = api_client.post(
        url,
        {"marks": [{"officer": trainee, "attendance": "present"}, {"officer": stranger, "attendance": "present"}]},
        format="json",
    )

    assert bad_value.status_code == twice.status_code == unknown.status_code == 400
    assert bad_value.json() == {"marks": {"0": {"attendance": ['"late" is not a valid choice.']}}}
    assert twice.json() == {"marks": {"1": {"officer": [f"Officer {trainee} is listed twice."]}}}
    assert unknown.json() == {
        "marks": {"1": {"non_field_errors": [f"{_label(stranger)} is not registered for this session."]}}
    }
    assert set(SessionRegistration.objects.values_list("attendance", flat=True)) == {"registered"}


def test_attendance_answers_the_count_changed_and_the_status(api_client, people, session):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        SESSION.format(session=session.pk) + "attendance/",
        {"marks": [{"officer": people.trainee.officer.pk, "attendance": "present"}]},
        format="json",
    )

    assert response.json() == {"changed": 1, "status": "held"}


def test_practical_and_score_errors_name_the_row_and_the_officer(api_client, tree, people, session):
    trainee = people.trainee.officer.pk
    api_client.force_authenticate(people.trainer_north)
    base = SESSION.format(session=session.pk)

    practicals = api_client.post(
        base + "practicals/",
        {
            "results": [
                {"officer": trainee, "skill": FIRST_AID, "passed": True},
                {"officer": trainee, "skill": "FIRST AID", "passed": False},
            ]
        },
        format="json",
    )
    scores = api_client.post(
        base + "paper-scores/",
        {"scores": [{"officer": trainee, "score": "21"}, {"officer": tree.north_officers[1].pk, "score": "3.25"}]},
        format="json",
    )
    other = api_client.post(
        base + "paper-scores/", {"scores": [{"officer": tree.north_officers[1].pk, "score": "3"}]}, format="json"
    )

    assert practicals.json() == {
        "results": {"1": {"non_field_errors": [f"{_label(trainee)}: FIRST AID is listed twice."]}}
    }
    assert scores.json() == {"scores": {"1": {"score": ["Ensure that there are no more than 1 decimal places."]}}}
    assert other.json() == {
        "scores": {
            "0": {"non_field_errors": [f"{_label(tree.north_officers[1].pk)} is not registered for this session."]}
        }
    }
    out_of_range = api_client.post(
        base + "paper-scores/", {"scores": [{"officer": trainee, "score": "21"}]}, format="json"
    )
    assert out_of_range.json() == {
        "scores": {
            "0": {"non_field_errors": [f"{_label(trainee)}: a score is between 0 and 20, with at most one decimal."]}
        }
    }
    assert not PracticalResult.objects.exists()
    assert set(SessionRegistration.objects.values_list("paper_score", flat=True)) == {None}


def test_scheduling_errors_come_by_field(api_client, tree, people, draft_course):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        SESSIONS,
        {
            "course": draft_course.pk,
            "unit": tree.north_station.pk,
            "date": timezone.localdate().isoformat(),
            "start_time": "10:00",
            "end_time": "09:00",
            "place": "Kora hall",
            "capacity": 5,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "end_time": ["The session ends after it starts."],
        "course": ["Sessions are scheduled for published courses only."],
    }
    assert not TrainingSession.objects.exists()


def test_a_cancelled_session_records_nothing(api_client, people, session):
    services.session_cancel(session=session, actor=people.trainer_north)
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        SESSION.format(session=session.pk) + "attendance/",
        {"marks": [{"officer": people.trainee.officer.pk, "attendance": "present"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The session is cancelled: nothing can be recorded."]}
    assert Officer.objects.get(user=people.trainee).session_registrations.get().attendance == "registered"


def test_a_course_filter_beyond_64_bits_is_a_400_not_a_server_error(api_client, people, session):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.get(SESSIONS, {"course": 2**63})

    assert response.status_code == 400
    assert response.json() == {"course": ["Ensure this value is less than or equal to 9223372036854775807."]}


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("attendance/", {"marks": [{"officer": 2**63, "attendance": "present"}]}),
        ("practicals/", {"results": [{"officer": 2**63, "skill": FIRST_AID, "passed": True}]}),
        ("paper-scores/", {"scores": [{"officer": 2**63, "score": "10.0"}]}),
    ],
)
def test_an_officer_id_beyond_64_bits_is_a_400_not_a_server_error(api_client, people, session, endpoint, body):
    api_client.force_authenticate(people.trainer_north)
    before = _state()

    response = api_client.post(SESSION.format(session=session.pk) + endpoint, body, format="json")

    assert response.status_code == 400
    [field] = body
    assert response.json() == {
        field: {"0": {"officer": ["Ensure this value is less than or equal to 9223372036854775807."]}}
    }
    assert _state() == before


def _label(officer_id):
    officer = Officer.objects.get(pk=officer_id)
    return f"{officer.full_name} ({officer.service_number})"
