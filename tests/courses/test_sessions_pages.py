"""The in-person session pages: the phone attendance page (small, no script, a fixed number
of queries), the results page, registering, scheduling, and who sees what."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses import services
from courses.models import CourseCompletion, PracticalResult, SessionRegistration, TrainingSession
from organisations.models import Officer
from tests.courses.sessions_support import FIRST_AID, course_requiring, lessons_complete, session_at
from tests.factories import OfficerFactory

ARABIC_NAME = ("عائشة", "الحسن")


@pytest.fixture
def course(people, draft_course):
    return course_requiring(draft_course, people=people, attendance=True, practicals=[FIRST_AID])


@pytest.fixture
def session(tree, people, course) -> TrainingSession:
    return session_at(
        tree.north_station, course=course, actor=people.trainer_north, capacity=50, paper_test_max_score=20
    )


def _register(session, people, officers) -> None:
    services.session_register(session=session, officers=officers, actor=people.trainer_north)


def _officers(tree, count: int) -> list[Officer]:
    return OfficerFactory.create_batch(
        count, unit=tree.north_station, given_name=ARABIC_NAME[0], family_name=ARABIC_NAME[1]
    )


# The phone attendance page


@pytest.mark.parametrize("count", [2, 40])
def test_the_attendance_page_is_small_has_no_script_and_a_fixed_number_of_queries(
    client, tree, people, session, django_assert_max_num_queries, count
):
    officers = _officers(tree, count)
    _register(session, people, officers)
    client.force_login(people.trainer_north)

    with django_assert_max_num_queries(12):
        response = client.get(f"/sessions/{session.pk}/attendance/")

    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.content) < 60_000
    assert "<script" not in html
    assert html.count("<fieldset") == count
    assert html.count('type="radio"') == 3 * count
    assert html.count("<label") == 3 * count + 1  # and the language menu
    assert f'<span dir="auto">{ARABIC_NAME[1]}, {ARABIC_NAME[0]}</span>' in html
    assert officers[0].service_number in html
    assert html.count('type="submit"') == 3  # save, and the language and sign-out forms


def test_posting_the_attendance_form_records_it_and_holds_the_session(client, tree, people, session, course):
    present, absent, unmarked = officers = _officers(tree, 3)
    _register(session, people, officers)
    lessons_complete(course, present)
    services.practicals_record(session=session, results=[(present.pk, FIRST_AID, True, "")], actor=people.admin)
    client.force_login(people.trainer_north)

    response = client.post(
        f"/sessions/{session.pk}/attendance/", {f"a-{present.pk}": "present", f"a-{absent.pk}": "absent"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{session.pk}/"
    assert dict(SessionRegistration.objects.values_list("officer_id", "attendance")) == {
        present.pk: "present",
        absent.pk: "absent",
        unmarked.pk: "registered",
    }
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD
    assert CourseCompletion.objects.get().officer == present


def test_a_refused_attendance_form_lists_the_problem_and_keeps_the_marks(client, tree, people, session):
    first, second = officers = _officers(tree, 2)
    _register(session, people, officers)
    client.force_login(people.trainer_north)

    response = client.post(
        f"/sessions/{session.pk}/attendance/", {f"a-{first.pk}": "present", f"a-{second.pk}": "late"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f"{second.full_name} ({second.service_number}): late is not present, absent or excused." in html
    assert f'name="a-{first.pk}" value="present" checked' in html
    assert set(SessionRegistration.objects.values_list("attendance", flat=True)) == {"registered"}


@pytest.mark.parametrize(
    ("user", "expected"), [("trainee", 403), ("leader", 403), ("trainer_south", 404), ("admin", 200)]
)
def test_only_those_who_run_the_session_take_attendance(client, people, session, user, expected):
    _register(session, people, [people.trainee.officer])
    client.force_login(getattr(people, user))

    responses = [
        client.get(f"/sessions/{session.pk}/attendance/"),
        client.post(f"/sessions/{session.pk}/attendance/", {f"a-{people.trainee.officer.pk}": "present"}),
    ]

    assert [response.status_code for response in responses] == [expected, 302 if expected == 200 else expected]
    if expected != 200:
        assert SessionRegistration.objects.get().attendance == "registered"


# Results


def test_the_results_page_records_practicals_and_scores_together(client, tree, people, session):
    first, second = officers = _officers(tree, 2)
    _register(session, people, officers)
    services.attendance_record(session=session, marks={second.pk: "absent"}, actor=people.trainer_north)
    client.force_login(people.trainer_north)

    page = client.get(f"/sessions/{session.pk}/results/")
    response = client.post(
        f"/sessions/{session.pk}/results/",
        {f"p-{first.pk}-0": "pass", f"c-{first.pk}-0": "Steady hands", f"s-{first.pk}": "17,5", f"s-{second.pk}": ""},
    )

    assert page.status_code == 200
    assert f'<label for="p-{first.pk}-0">{FIRST_AID}</label>' in page.content.decode()
    assert response.status_code == 302
    result = PracticalResult.objects.get()
    assert (result.registration.officer, result.skill, result.is_passed, result.comment) == (
        first,
        FIRST_AID,
        True,
        "Steady hands",
    )
    assert dict(SessionRegistration.objects.values_list("officer_id", "paper_score")) == {
        first.pk: pytest.approx(17.5),
        second.pk: None,
    }


def test_refused_results_name_each_officer_by_name_and_service_number_and_nothing_is_saved(
    client, tree, people, session
):
    # Both officers carry the same name: only the service number tells them apart.
    first, second = officers = _officers(tree, 2)
    _register(session, people, officers)
    client.force_login(people.trainer_north)

    refused = client.post(f"/sessions/{session.pk}/results/", {f"p-{first.pk}-0": "pass", f"s-{first.pk}": "25"})
    unreadable = client.post(f"/sessions/{session.pk}/results/", {f"s-{second.pk}": "abc"})

    html = refused.content.decode()
    assert refused.status_code == unreadable.status_code == 200
    assert f"{first.full_name} ({first.service_number}): a score is between 0 and 20, with at most one decimal." in html
    assert f"Officer {first.pk}" not in html
    assert (
        f"{second.full_name} ({second.service_number}): the paper test score abc is not a number."
        in unreadable.content.decode()
    )
    assert not PracticalResult.objects.exists()
    assert set(SessionRegistration.objects.values_list("paper_score", flat=True)) == {None}


def test_no_result_or_score_field_is_offered_for_an_absent_or_excused_officer(client, tree, people, session):
    present, absent, excused = officers = _officers(tree, 3)
    _register(session, people, officers)
    services.attendance_record(
        session=session, marks={absent.pk: "absent", excused.pk: "excused"}, actor=people.trainer_north
    )
    client.force_login(people.trainer_north)

    html = client.get(f"/sessions/{session.pk}/results/").content.decode()

    assert f'name="s-{present.pk}"' in html
    assert f'name="p-{present.pk}-0"' in html
    for officer in (absent, excused):
        assert f'name="s-{officer.pk}"' not in html
        assert f'name="p-{officer.pk}-0"' not in html
    assert "Marked absent: no result or score can be recorded." in html
    assert "Marked excused: no result or score can be recorded." in html


def test_a_score_posted_for_an_absent_officer_is_not_read_and_the_service_refuses_one(client, tree, people, session):
    present, absent = officers = _officers(tree, 2)
    _register(session, people, officers)
    services.attendance_record(session=session, marks={absent.pk: "absent"}, actor=people.trainer_north)
    client.force_login(people.trainer_north)

    # A stale form (opened before the officer was marked absent) still sends the field.
    response = client.post(
        f"/sessions/{session.pk}/results/",
        {f"s-{present.pk}": "12", f"s-{absent.pk}": "15", f"p-{absent.pk}-0": "pass"},
    )

    assert response.status_code == 302
    assert dict(SessionRegistration.objects.values_list("officer_id", "paper_score")) == {
        present.pk: pytest.approx(12),
        absent.pk: None,
    }
    assert not PracticalResult.objects.exists()
    with pytest.raises(ValidationError) as raised:
        services.paper_scores_record(session=session, scores={absent.pk: Decimal("15")}, actor=people.trainer_north)
    assert raised.value.messages == [
        f"{absent.full_name} ({absent.service_number}) is marked absent at this session: "
        "an absent officer gets no result or score."
    ]


# Registering and scheduling


def test_registering_a_unit_and_officers_by_service_number(client, tree, people, session):
    extra = OfficerFactory(unit=tree.north_station, service_number="NP-77777")
    client.force_login(people.trainer_north)
    url = f"/sessions/{session.pk}/register/"

    by_unit = client.post(url, {"action": "unit", "unit-unit": tree.north_district.pk})
    unknown = client.post(url, {"action": "officers", "officers-service_numbers": "np-77777\nNP-00000X"})

    assert by_unit.status_code == 302
    assert set(SessionRegistration.objects.values_list("officer_id", flat=True)) == {
        *(officer.pk for officer in tree.north_officers),
        extra.pk,
    }
    assert unknown.status_code == 200
    assert "Line 2: no officer with service number NP-00000X in your scope." in unknown.content.decode()


def test_a_unit_beyond_the_places_left_registers_nobody(client, tree, people, course):
    small = session_at(tree.north_station, course=course, actor=people.trainer_north, capacity=1)
    client.force_login(people.trainer_north)

    response = client.post(f"/sessions/{small.pk}/register/", {"action": "unit", "unit-unit": tree.north_station.pk})

    assert response.status_code == 200
    assert (
        "Only 1 of 1 places are left and 2 officers were to be registered: nobody was registered."
        in response.content.decode()
    )
    assert not SessionRegistration.objects.exists()


def test_the_schedule_form_offers_published_courses_and_units_in_scope(client, tree, people, course, draft_course):
    client.force_login(people.trainer_north)
    date = timezone.localdate() + datetime.timedelta(days=10)

    page = client.get("/sessions/new/")
    response = client.post(
        "/sessions/new/",
        {
            "course": course.pk,
            "unit": tree.north_station.pk,
            "date": date.isoformat(),
            "start_time": "09:00",
            "place": "Kora hall",
            "capacity": "25",
        },
    )

    html = page.content.decode()
    units = re.findall(r'<option value="(\d+)"', html.split('name="unit"')[1].split("</select>")[0])
    assert sorted(map(int, units)) == sorted([tree.north.pk, tree.north_district.pk, tree.north_station.pk])
    assert response.status_code == 302
    created = TrainingSession.objects.get(date=date)
    assert (created.place, created.capacity, created.trainer) == ("Kora hall", 25, people.trainer_north)
    assert response["Location"] == f"/sessions/{created.pk}/register/"


def test_trainees_and_leaders_cannot_schedule(client, people):
    client.force_login(people.trainee)
    assert client.get("/sessions/new/").status_code == 403
    client.force_login(people.leader)
    assert client.get("/sessions/new/").status_code == 403


# Who sees what


def test_a_trainee_sees_their_own_sessions_only(client, tree, people, course, session):
    mine = session_at(tree.north_station, course=course, actor=people.trainer_north, days_from_today=4, capacity=5)
    TrainingSession.objects.filter(pk=mine.pk).update(place="Kora hall, room 2")
    _register(mine, people, [people.trainee.officer])
    other_course = services.course_create(creator=people.trainer_north, code="HR-101", title="Human rights")
    services.lesson_create(module=services.module_create(course=other_course, title="Arrest"), title="Rights")
    services.course_publish(course=other_course, actor=people.trainer_north)
    not_mine = session_at(tree.north_station, course=other_course, actor=people.trainer_north, days_from_today=2)
    client.force_login(people.trainee)

    response = client.get("/sessions/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "My sessions" in html
    assert "Kora hall, room 2" in html
    assert "You are registered" in html
    assert "Human rights" not in html
    assert "in your scope" not in html
    assert client.get(f"/sessions/{mine.pk}/").status_code == 200
    assert client.get(f"/sessions/{not_mine.pk}/").status_code == 404


def test_the_session_page_shows_the_roster_to_staff_and_not_to_the_trainee(client, people, session):
    _register(session, people, [people.trainee.officer])
    officer = people.trainee.officer

    client.force_login(people.leader)
    leader_page = client.get(f"/sessions/{session.pk}/").content.decode()
    client.force_login(people.trainee)
    trainee_page = client.get(f"/sessions/{session.pk}/").content.decode()

    assert officer.service_number in leader_page
    assert "Take attendance" not in leader_page
    assert officer.service_number not in trainee_page
    assert "You are registered for this session." in trainee_page


@pytest.mark.parametrize("page", ["", "attendance/", "results/", "register/", "edit/"])
def test_a_trainer_of_another_region_gets_404(client, people, session, page):
    client.force_login(people.trainer_south)

    assert client.get(f"/sessions/{session.pk}/{page}").status_code == 404


def test_cancelling_from_the_session_page(client, people, session):
    client.force_login(people.trainer_north)

    response = client.post(f"/sessions/{session.pk}/cancel/", {"reason": "Road flooded"})

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.CANCELLED


def test_the_staff_list_filters_upcoming_and_past(client, tree, people, course, session):
    past = session_at(tree.north_station, course=course, actor=people.trainer_north, days_from_today=-2)
    TrainingSession.objects.filter(pk=past.pk).update(place="Old hall")
    client.force_login(people.trainer_north)

    upcoming = client.get("/sessions/").content.decode()
    before = client.get("/sessions/", {"when": "past", "course": course.pk}).content.decode()

    assert "Kora Central Station, briefing room" in upcoming
    assert "Old hall" not in upcoming
    assert "Old hall" in before
    assert "Kora Central Station, briefing room" not in before


def test_a_session_the_trainee_attended_says_so_on_their_session_pages(client, people, session):
    _register(session, people, [people.trainee.officer])
    officer = people.trainee.officer
    client.force_login(people.trainee)
    registered = client.get("/sessions/").content.decode()
    services.attendance_record(session=session, marks={officer.pk: "present"}, actor=people.trainer_north)

    listed = client.get("/sessions/").content.decode()
    detail = client.get(f"/sessions/{session.pk}/").content.decode()
    outline = client.get(f"/courses/{session.course_id}/").content.decode()

    assert '<span class="badge badge-ok">You are registered</span>' in registered
    assert "You are registered" not in listed
    assert '<span class="badge badge-ok">Your attendance: Present.</span>' in listed
    assert "You are registered" not in detail
    assert "Your attendance: Present." in detail
    assert '<span class="badge badge-ok">Present</span>' in outline
