"""In-person sessions, the services: scheduling, registering within capacity (also under
concurrency), attendance, practicals and paper scores all or nothing, audited, and
completing a course exactly once when attendance and practicals are the last requirements."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from courses import services
from courses.models import CourseCompletion, Enrollment, PracticalResult, SessionRegistration, TrainingSession
from lms.audit.models import AuditEntry
from lms.events.models import Event
from lms.notifications.models import Notification
from organisations.models import Officer
from tests.courses.sessions_support import FIRST_AID, course_requiring, lessons_complete, session_at
from tests.factories import OfficerFactory

PRESENT = SessionRegistration.Attendance.PRESENT
ABSENT = SessionRegistration.Attendance.ABSENT


@pytest.fixture
def course(people, draft_course):
    return course_requiring(draft_course, people=people, attendance=True)


@pytest.fixture
def session(tree, people, course):
    return session_at(tree.north_station, course=course, actor=people.trainer_north, paper_test_max_score=20)


@pytest.fixture
def registered(tree, people, session) -> list[Officer]:
    """The two officers of the northern station, registered (and so enrolled)."""
    officers = list(Officer.objects.select_related("unit").filter(unit=tree.north_station).order_by("pk"))
    services.session_register(session=session, officers=officers, actor=people.trainer_north)
    return officers


def _attendance(session) -> dict[int, str]:
    return dict(SessionRegistration.objects.filter(session=session).values_list("officer_id", "attendance"))


# Scheduling


def test_a_trainer_schedules_a_session_of_a_published_course_in_scope(tree, people, course):
    session = session_at(tree.north_station, course=course, actor=people.trainer_north, capacity=12)

    assert (session.course, session.unit, session.trainer, session.created_by) == (
        course,
        tree.north_station,
        people.trainer_north,
        people.trainer_north,
    )
    assert (session.capacity, session.status) == (12, TrainingSession.Status.SCHEDULED)
    entry = AuditEntry.objects.get(action="session.create")
    assert entry.after == {
        "course": course.pk,
        "date": timezone.localdate().isoformat(),
        "start_time": "08:30",
        "end_time": "16:00",
        "place": "Kora Central Station, briefing room",
        "unit": tree.north_station.pk,
        "capacity": 12,
        "trainer": people.trainer_north.pk,
        "paper_test_max_score": None,
    }


@pytest.mark.parametrize("user", ["trainer_south", "leader", "trainee"])
def test_only_a_trainer_covering_the_host_unit_schedules_there(tree, people, course, user):
    with pytest.raises(PermissionDenied):
        session_at(tree.north_station, course=course, actor=getattr(people, user))

    assert not TrainingSession.objects.exists()


def test_every_scheduling_problem_is_listed_at_once(tree, people, draft_course):
    with pytest.raises(ValidationError) as raised:
        services.session_create(
            actor=people.trainer_north,
            course=draft_course,
            unit=tree.north_station,
            date=timezone.localdate() - datetime.timedelta(days=400),
            start_time=datetime.time(10, 0),
            end_time=datetime.time(9, 0),
            place="  ",
            capacity=0,
            trainer=people.trainer_south,
        )

    assert raised.value.message_dict == {
        "place": ["This field cannot be blank."],
        "capacity": ["A session has room for at least one officer."],
        "end_time": ["The session ends after it starts."],
        "date": ["The date is more than a year ago."],
        "course": ["Sessions are scheduled for published courses only."],
        "trainer": ["The trainer's scope does not cover the host unit."],
    }
    assert not TrainingSession.objects.exists()


def test_an_update_keeps_the_capacity_above_the_registered_and_tells_them_of_a_move(people, session, registered):
    with pytest.raises(ValidationError) as raised:
        services.session_update(session=session, actor=people.trainer_north, capacity=1)
    assert raised.value.message_dict == {"capacity": ["2 officers are registered already."]}

    new_date = timezone.localdate() + datetime.timedelta(days=3)
    services.session_update(session=session, actor=people.trainer_north, date=new_date, place="Kora hall")

    session.refresh_from_db()
    assert (session.date, session.place, session.capacity) == (new_date, "Kora hall", 10)
    entry = AuditEntry.objects.get(action="session.update")
    assert entry.before == {"date": timezone.localdate().isoformat(), "place": "Kora Central Station, briefing room"}
    assert entry.after == {"date": new_date.isoformat(), "place": "Kora hall"}
    assert Notification.objects.filter(kind="session.moved", user=people.trainee).count() == 1


def test_cancelling_tells_the_registered_and_a_held_session_cannot_be_cancelled(people, session, registered, course):
    services.session_cancel(session=session, actor=people.trainer_north, reason="Flooded road")

    session.refresh_from_db()
    assert session.status == TrainingSession.Status.CANCELLED
    assert AuditEntry.objects.get(action="session.cancel").reason == "Flooded road"
    notice = Notification.objects.get(kind="session.cancelled", user=people.trainee)
    assert course.title in notice.message
    assert notice.link == f"/sessions/{session.pk}/"

    held = session_at(session.unit, course=course, actor=people.trainer_north)
    services.session_register(session=held, officers=registered, actor=people.trainer_north)
    services.attendance_record(session=held, marks={registered[0].pk: PRESENT}, actor=people.trainer_north)
    with pytest.raises(ValidationError) as raised:
        services.session_cancel(session=held, actor=people.trainer_north)
    assert raised.value.messages == ["A session that was held cannot be cancelled."]
    held.refresh_from_db()
    assert held.status == TrainingSession.Status.HELD


# Registering


def test_registering_enrols_audits_and_notifies_and_skips_those_registered(tree, people, session, course):
    officers = list(Officer.objects.select_related("unit").filter(unit=tree.north_station).order_by("pk"))

    first = services.session_register(session=session, officers=officers[:1], actor=people.trainer_north)
    second = services.session_register(session=session, officers=officers, actor=people.trainer_north)

    assert (first, second) == (1, 1)
    assert set(_attendance(session)) == {officer.pk for officer in officers}
    assert set(Enrollment.objects.filter(course=course).values_list("officer_id", flat=True)) == {
        officer.pk for officer in officers
    }
    assert [entry.after for entry in AuditEntry.objects.filter(action="session.registered").order_by("pk")] == [
        {"officer_ids": [officers[0].pk]},
        {"officer_ids": [officers[1].pk]},
    ]
    notice = Notification.objects.get(kind="session.registered", user=people.trainee)
    assert notice.message.startswith(f"You are registered for {course.title} on ")
    assert services.session_register(session=session, officers=officers, actor=people.trainer_north) == 0


def test_a_batch_beyond_the_capacity_is_refused_whole(tree, people, course):
    session = session_at(tree.north_station, course=course, actor=people.trainer_north, capacity=3)
    officers = OfficerFactory.create_batch(4, unit=tree.north_station)

    with pytest.raises(ValidationError) as raised:
        services.session_register(session=session, officers=officers, actor=people.trainer_north)

    assert raised.value.message_dict == {
        "officers": ["Only 3 of 3 places are left and 4 officers were to be registered: nobody was registered."]
    }
    assert not SessionRegistration.objects.exists()
    assert not Enrollment.objects.exists()
    assert not AuditEntry.objects.filter(action="session.registered").exists()


def test_officers_outside_the_trainers_scope_or_gone_are_refused(tree, people, session):
    gone = OfficerFactory(unit=tree.north_station, is_active=False)
    officers = [tree.north_officers[1], tree.south_officers[0], gone]

    with pytest.raises(ValidationError) as raised:
        services.session_register(session=session, officers=officers, actor=people.trainer_north)

    refused = ", ".join(str(pk) for pk in sorted([tree.south_officers[0].pk, gone.pk]))
    assert raised.value.message_dict == {"officers": [f"Outside your scope or no longer serving: {refused}."]}
    assert not SessionRegistration.objects.exists()


def test_a_registration_with_a_record_cannot_be_removed(people, session, registered):
    services.attendance_record(session=session, marks={registered[0].pk: ABSENT}, actor=people.trainer_north)

    with pytest.raises(ValidationError):
        services.session_unregister(session=session, officer=registered[0], actor=people.trainer_north)
    services.session_unregister(session=session, officer=registered[1], actor=people.trainer_north)

    assert list(_attendance(session)) == [registered[0].pk]
    assert AuditEntry.objects.get(action="session.unregistered").before == {"officer_id": registered[1].pk}


def run_concurrently(target, count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_the_capacity(tree, people, course):
    session = session_at(tree.north_station, course=course, actor=people.trainer_north, capacity=4)
    batches = [OfficerFactory.create_batch(3, unit=tree.north_station) for _ in range(2)]
    barrier = threading.Barrier(len(batches))
    registered: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def register(officers) -> None:
        try:
            barrier.wait()
            registered.append(services.session_register(session=session, officers=officers, actor=people.trainer_north))
        except ValidationError as error:
            refused.extend(error.messages)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert registered == [3]
    assert refused == ["Only 1 of 4 places are left and 3 officers were to be registered: nobody was registered."]
    assert SessionRegistration.objects.filter(session=session).count() == 3


# Attendance


def test_attendance_is_all_or_nothing_and_lists_every_problem(tree, people, session, registered):
    stranger = tree.south_officers[0]

    with pytest.raises(ValidationError) as raised:
        services.attendance_record(
            session=session,
            marks={registered[0].pk: PRESENT, registered[1].pk: "late", stranger.pk: PRESENT},
            actor=people.trainer_north,
        )

    assert raised.value.message_dict == {
        registered[1].pk: [f"{_label(registered[1])}: late is not present, absent or excused."],
        stranger.pk: [f"{_label(stranger)} is not registered for this session."],
    }
    assert set(_attendance(session).values()) == {SessionRegistration.Attendance.REGISTERED}
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.SCHEDULED
    assert not AuditEntry.objects.filter(action="session.attendance").exists()


def test_attendance_is_audited_with_before_and_after_and_holds_the_session(people, session, registered):
    changed = services.attendance_record(
        session=session, marks={registered[0].pk: PRESENT, registered[1].pk: ABSENT}, actor=people.trainer_north
    )
    again = services.attendance_record(session=session, marks={registered[1].pk: ABSENT}, actor=people.trainer_north)

    assert (changed, again) == (2, 0)
    assert _attendance(session) == {registered[0].pk: PRESENT, registered[1].pk: ABSENT}
    entries = AuditEntry.objects.filter(action="session.attendance").order_by("target_id")
    registrations = {r.officer_id: r.pk for r in SessionRegistration.objects.filter(session=session)}
    assert sorted((int(e.target_id), e.before, e.after, e.actor_id) for e in entries) == sorted(
        [
            (
                registrations[registered[0].pk],
                {"attendance": "registered"},
                {"attendance": "present"},
                people.trainer_north.pk,
            ),
            (
                registrations[registered[1].pk],
                {"attendance": "registered"},
                {"attendance": "absent"},
                people.trainer_north.pk,
            ),
        ]
    )
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD
    assert AuditEntry.objects.get(action="session.held").after == {"status": "held"}


def test_attendance_completes_the_enrollment_exactly_once(people, session, registered, course):
    officer = registered[0]
    enrollment = lessons_complete(course, officer)
    assert not CourseCompletion.objects.exists()

    services.attendance_record(session=session, marks={officer.pk: PRESENT}, actor=people.trainer_north)
    services.attendance_record(session=session, marks={officer.pk: PRESENT}, actor=people.trainer_north)
    services.attendance_record(session=session, marks={officer.pk: ABSENT}, actor=people.trainer_north)
    services.attendance_record(session=session, marks={officer.pk: PRESENT}, actor=people.trainer_north)

    completion = CourseCompletion.objects.get()
    assert completion.enrollment == enrollment
    assert Event.objects.filter(name="course.completed").count() == 1
    assert AuditEntry.objects.get(action="course.completed").actor == people.trainer_north
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_attendance_alone_does_not_complete_without_the_lessons(people, session, registered):
    services.attendance_record(session=session, marks={registered[0].pk: PRESENT}, actor=people.trainer_north)

    assert not CourseCompletion.objects.exists()


def test_a_cancelled_session_takes_no_attendance_and_completes_nothing(people, session, registered, course):
    lessons_complete(course, registered[0])
    services.session_cancel(session=session, actor=people.trainer_north)

    with pytest.raises(ValidationError) as raised:
        services.attendance_record(session=session, marks={registered[0].pk: PRESENT}, actor=people.trainer_north)

    assert raised.value.messages == ["The session is cancelled: nothing can be recorded."]
    assert set(_attendance(session).values()) == {SessionRegistration.Attendance.REGISTERED}
    assert not CourseCompletion.objects.exists()


def test_attendance_waits_for_the_day_of_the_session(tree, people, course):
    session = session_at(tree.north_station, course=course, actor=people.trainer_north, days_from_today=1)
    services.session_register(session=session, officers=tree.north_officers, actor=people.trainer_north)

    with pytest.raises(ValidationError) as raised:
        services.attendance_record(
            session=session, marks={tree.north_officers[0].pk: PRESENT}, actor=people.trainer_north
        )

    assert raised.value.messages == ["Attendance and results are recorded from the day of the session."]


@pytest.mark.parametrize("user", ["trainer_south", "leader", "trainee"])
def test_only_the_sessions_trainers_record_attendance(people, session, registered, user):
    with pytest.raises(PermissionDenied):
        services.attendance_record(session=session, marks={registered[0].pk: PRESENT}, actor=getattr(people, user))

    assert set(_attendance(session).values()) == {SessionRegistration.Attendance.REGISTERED}


# Practicals and paper scores


@pytest.fixture
def practical_course(people, draft_course):
    return course_requiring(draft_course, people=people, attendance=True, practicals=[FIRST_AID])


def test_a_required_practical_holds_back_completion_until_passed(tree, people, practical_course):
    session = session_at(tree.north_station, course=practical_course, actor=people.trainer_north)
    officer = tree.north_officers[0]
    services.session_register(session=session, officers=[officer], actor=people.trainer_north)
    enrollment = lessons_complete(practical_course, officer)
    services.attendance_record(session=session, marks={officer.pk: PRESENT}, actor=people.trainer_north)
    assert not CourseCompletion.objects.exists()

    services.practicals_record(
        session=session,
        results=[(officer.pk, "first AID", False, "Recovery position wrong")],
        actor=people.trainer_north,
    )
    assert not CourseCompletion.objects.exists()

    services.practicals_record(session=session, results=[(officer.pk, FIRST_AID, True, "")], actor=people.trainer_north)

    assert CourseCompletion.objects.get().enrollment == enrollment
    result = PracticalResult.objects.get()
    assert (result.skill, result.is_passed, result.comment) == (FIRST_AID, True, "")
    before_after = [
        (entry.before, entry.after) for entry in AuditEntry.objects.filter(action="session.practical").order_by("pk")
    ]
    assert before_after == [
        (None, {"skill": FIRST_AID, "is_passed": False, "comment": "Recovery position wrong"}),
        (
            {"skill": FIRST_AID, "is_passed": False, "comment": "Recovery position wrong"},
            {"skill": FIRST_AID, "is_passed": True, "comment": ""},
        ),
    ]


def test_practicals_are_all_or_nothing_by_entry(tree, people, practical_course):
    session = session_at(tree.north_station, course=practical_course, actor=people.trainer_north)
    present, absent = tree.north_officers
    services.session_register(session=session, officers=[present, absent], actor=people.trainer_north)
    services.attendance_record(session=session, marks={absent.pk: ABSENT}, actor=people.trainer_north)
    stranger = tree.south_officers[0]

    with pytest.raises(ValidationError) as raised:
        services.practicals_record(
            session=session,
            results=[
                (present.pk, FIRST_AID, True, ""),
                (absent.pk, FIRST_AID, True, ""),
                (stranger.pk, FIRST_AID, True, ""),
                (present.pk, " ", True, ""),
                (present.pk, "first aid", False, ""),
            ],
            actor=people.trainer_north,
        )

    assert raised.value.message_dict == {
        1: [f"{_label(absent)} is marked absent at this session: an absent officer gets no result or score."],
        2: [f"{_label(stranger)} is not registered for this session."],
        3: [f"{_label(present)}: a skill is named in 1 to 100 characters."],
        4: [f"{_label(present)}: first aid is listed twice."],
    }
    assert not PracticalResult.objects.exists()


def test_a_removed_practical_is_audited(tree, people, practical_course):
    session = session_at(tree.north_station, course=practical_course, actor=people.trainer_north)
    officer = tree.north_officers[0]
    services.session_register(session=session, officers=[officer], actor=people.trainer_north)
    services.practicals_record(session=session, results=[(officer.pk, "Radio", True, "")], actor=people.trainer_north)

    changed = services.practicals_record(
        session=session, results=[(officer.pk, "radio", None, "")], actor=people.trainer_north
    )

    assert changed == 1
    assert not PracticalResult.objects.exists()
    assert AuditEntry.objects.filter(action="session.practical").order_by("-pk").first().after is None


def test_paper_scores_are_checked_per_officer_and_audited(tree, people, session, registered):
    first, second = registered
    services.attendance_record(session=session, marks={second.pk: ABSENT}, actor=people.trainer_north)

    with pytest.raises(ValidationError) as raised:
        services.paper_scores_record(
            session=session, scores={first.pk: Decimal("20.5"), second.pk: Decimal("10")}, actor=people.trainer_north
        )
    assert raised.value.message_dict == {
        first.pk: [f"{_label(first)}: a score is between 0 and 20, with at most one decimal."],
        second.pk: [f"{_label(second)} is marked absent at this session: an absent officer gets no result or score."],
    }
    with pytest.raises(ValidationError):
        services.paper_scores_record(session=session, scores={first.pk: Decimal("12.25")}, actor=people.trainer_north)
    assert set(SessionRegistration.objects.values_list("paper_score", flat=True)) == {None}

    services.paper_scores_record(session=session, scores={first.pk: Decimal("17.5")}, actor=people.trainer_north)
    services.paper_scores_record(session=session, scores={first.pk: None}, actor=people.trainer_north)

    assert [(e.before, e.after) for e in AuditEntry.objects.filter(action="session.paper_score").order_by("pk")] == [
        ({"paper_score": None}, {"paper_score": "17.5"}),
        ({"paper_score": "17.5"}, {"paper_score": None}),
    ]


def test_results_together_are_all_or_nothing(tree, people, practical_course):
    session = session_at(
        tree.north_station, course=practical_course, actor=people.trainer_north, paper_test_max_score=10
    )
    officer = tree.north_officers[0]
    services.session_register(session=session, officers=[officer], actor=people.trainer_north)

    with pytest.raises(ValidationError) as raised:
        services.session_results_record(
            session=session,
            practicals=[(officer.pk, FIRST_AID, True, "")],
            scores={officer.pk: Decimal("11")},
            actor=people.trainer_north,
        )

    assert raised.value.message_dict == {
        officer.pk: [f"{_label(officer)}: a score is between 0 and 10, with at most one decimal."]
    }
    assert not PracticalResult.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["session.practical", "session.held"]).exists()


def _label(officer):
    """How session messages name an officer: name and service number, never an internal id."""
    return f"{officer.full_name} ({officer.service_number})"
