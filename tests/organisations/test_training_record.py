"""An officer's training record on ``/officers/<id>/``: courses, sessions, assessments and
certificates, each told by its app through ``OFFICER_RECORD_SECTIONS``; who may see it;
a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import Assessment, Attempt, QuestionBank
from certificates import services as certificate_services
from courses import services as course_services
from courses.models import CourseCompletion
from organisations import services
from organisations.models import Organisation, Role
from tests.courses.sessions_support import session_at
from tests.factories import UserFactory


def _url(officer) -> str:
    return f"/officers/{officer.pk}/"


def _course(people, mission, number: int):
    course = course_services.course_create(
        creator=people.admin, code=f"REC-{number}", title=f"Record course {number}", owner=mission
    )
    module = course_services.module_create(course=course, title="Module")
    course_services.lesson_create(module=module, title="Lesson", body="Text.")
    course_services.course_publish(course=course, actor=people.admin)
    course.refresh_from_db()
    return course


def _record(tree, people, count: int):
    """``count`` completed courses for the trainee (north_officers[0]), each with a graded
    attempt, a certificate and an attended session."""
    officer = tree.north_officers[0]
    mission = Organisation.objects.create(acronym="UNMN", name="United Nations Mission in Numara", kind="mission")
    for number in range(count):
        course = _course(people, mission, number)
        enrollment = course_services.enrollment_create_self(course=course, user=people.trainee)[0]
        for module in course.modules.all():
            for lesson in module.lessons.all():
                course_services.lesson_complete(enrollment=enrollment, lesson=lesson)
        completion = CourseCompletion.objects.get(enrollment=enrollment)
        assert certificate_services.certificates_issue(completion_ids=[completion.pk]).failed == {}
        bank = QuestionBank.objects.create(title=f"Bank {number}", course=course, created_by=people.admin)
        assessment = Assessment.objects.create(
            course=course, bank=bank, title=f"Final {number}", created_by=people.admin
        )
        now = timezone.now()
        Attempt.objects.create(
            assessment=assessment,
            officer=officer,
            number=1,
            status=Attempt.Status.GRADED,
            started_at=now - datetime.timedelta(minutes=20),
            submitted_at=now,
            score=Decimal("82.50"),
            is_passed=True,
        )
        session = session_at(tree.north_station, course=course, actor=people.trainer_north, paper_test_max_score=20)
        course_services.session_register(session=session, officers=[officer], actor=people.trainer_north)
        course_services.attendance_record(session=session, marks={officer.pk: "present"}, actor=people.trainer_north)
    return officer


def test_the_record_lists_courses_sessions_attempts_and_certificates(client, tree, people):
    officer = _record(tree, people, 1)
    certificate = officer.certificates.get()
    client.force_login(people.trainer_north)

    response = client.get(_url(officer))

    html = response.content.decode()
    sections = {section.key: section for section in response.context["record_sections"]}
    assert response.status_code == 200
    assert list(sections) == ["enrolments", "sessions", "attempts", "certificates"]
    assert [cell.text for cell in sections["enrolments"].rows[0][:3]] == ["Record course 0", "Completed", "100%"]
    assert [cell.text for cell in sections["sessions"].rows[0][1:4]] == [
        "Record course 0",
        "Kora Central Station, briefing room",
        "Present",
    ]
    assert [cell.text for cell in sections["attempts"].rows[0]][0:3] == ["Final 0", "Record course 0", "1"]
    assert sections["attempts"].rows[0][4].text == "82.5% (passed)"
    assert [cell.text for cell in sections["certificates"].rows[0]][:2] == ["Record course 0", "Valid"]
    assert f'href="/certificates/{certificate.code}/"' in html
    assert "Training record" in html


def test_an_officer_without_training_sees_why_each_section_is_empty(client, tree, people):
    client.force_login(people.trainee)

    html = client.get(_url(tree.north_officers[0])).content.decode()

    for text in (
        "Not enrolled in any course.",
        "Not registered for any session.",
        "No assessment submitted.",
        "No certificate.",
    ):
        assert text in html


@pytest.fixture
def several_roles(tree, people):
    """One person who is an officer of the north station (their own record), trains the
    south and leads nothing: and another who trains the north and is a south officer."""
    south_trainer_officer = tree.north_officers[1]
    south_trainer_officer.user = people.trainer_south
    south_trainer_officer.save(update_fields=["user"])
    north_trainer_officer = tree.south_officers[1]
    north_trainer_officer.user = people.trainer_north
    north_trainer_officer.save(update_fields=["user"])
    leader_and_trainee = UserFactory(username="leader.south")
    services.role_grant(user=leader_and_trainee, role=Role.LEADERSHIP, unit=tree.south)
    return leader_and_trainee


@pytest.mark.parametrize(
    ("who", "whose", "status"),
    [
        ("trainee", "north_officers.0", 200),  # their own record
        ("trainee", "north_officers.1", 403),
        ("other_trainee", "north_officers.0", 403),
        ("trainer_north", "north_officers.0", 200),
        ("trainer_north", "south_officers.0", 404),  # outside the trainer's scope
        ("trainer_north", "south_officers.1", 200),  # outside the scope, but their own
        ("trainer_south", "north_officers.1", 200),  # their own, outside their training scope
        ("trainer_south", "north_officers.0", 404),
        ("leader_south", "south_officers.0", 200),
        ("leader_south", "north_officers.0", 404),
        ("leader", "south_officers.0", 200),
        ("admin", "north_officers.0", 200),
    ],
)
def test_who_may_see_an_officers_record(client, tree, people, several_roles, who, whose, status):
    user = several_roles if who == "leader_south" else getattr(people, who)
    group, index = whose.split(".")
    officer = getattr(tree, group)[int(index)]
    client.force_login(user)

    response = client.get(_url(officer))

    assert response.status_code == status
    if status == 200:
        assert response.context["officer"] == officer


def test_an_officer_on_their_own_page_sees_no_activation_codes_or_record_changes(client, tree, people):
    officer = tree.north_officers[0]
    client.force_login(people.trainer_north)
    assert client.post(f"/officers/{officer.pk}/activation-code/").status_code == 200
    client.force_login(people.trainee)

    html = client.get(_url(officer)).content.decode()

    assert "Activation codes issued" not in html
    assert "Record a transfer" not in html


@pytest.mark.parametrize("count", [1, 3])
def test_the_record_costs_a_fixed_number_of_queries(client, tree, people, django_assert_num_queries, count):
    officer = _record(tree, people, count)
    client.force_login(people.trainer_north)

    with django_assert_num_queries(16):
        response = client.get(_url(officer))

    assert [len(section.rows) for section in response.context["record_sections"]] == [count] * 4
