"""The answer-key rule (``assessments.permissions.answer_key_visible``) against every
combination of roles a person can hold, over every response that can carry the key: the
API's attempt detail, the result page, the statistics page and its CSV, the question pages
and exports, the grading page and the Django admin.

The colleague's attempt is all right, so their answers are the key too: whoever may not
read the key does not read their answers either.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Answer, Assessment, Attempt
from courses import services as course_services
from courses.models import CourseAuthor
from lms.audit.models import AuditEntry
from organisations import services as organisation_services
from organisations.models import Role
from tests.assessments.conftest import right_answers
from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPLANATION = "EXPLANATION-MARKER-Q7"
GUIDANCE = "GUIDANCE-MARKER-K2"
ACCEPTED = "ZEBRA-KEYWORD"
NUMERIC = "777.1250"


@dataclass
class World:
    assessment: Assessment
    colleague_attempt: Attempt
    essay_answer: Answer
    people: dict


def _officer_user(unit, username, **officer_fields):
    user = UserFactory(username=username)
    OfficerFactory(unit=unit, user=user, **officer_fields)
    return user


def _grant(user, role, unit=None):
    organisation_services.role_grant(user=user, role=role, unit=unit)


@pytest.fixture(params=[Assessment.FeedbackPolicy.NEVER, Assessment.FeedbackPolicy.AFTER_CLOSE])
def world(request, course, people, tree) -> World:
    """A published final whose feedback the enrolled cannot see yet, a colleague's
    all-right graded attempt, and one person per role combination."""
    assessment = services.assessment_create(
        course=course,
        title="Final",
        actor=people.trainer_north,
        feedback_policy=request.param,
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    author = people.trainer_north
    services.question_create(
        bank=assessment.bank,
        kind="single",
        text="Who orders an arrest?",
        actor=author,
        choices=[{"text": "A judge", "correct": True}, {"text": "A neighbour"}],
        explanation=EXPLANATION,
    )
    services.question_create(
        bank=assessment.bank, kind="short_text", text="Word?", actor=author, accepted_answers=[ACCEPTED]
    )
    services.question_create(bank=assessment.bank, kind="numeric", text="Number?", actor=author, numeric_answer=NUMERIC)
    essay = services.question_create(
        bank=assessment.bank, kind="essay", text="Explain.", actor=author, explanation=GUIDANCE
    )
    services.assessment_publish(assessment=assessment, actor=author)
    course_services.course_publish(course=course, actor=author)

    station = tree.north_station
    p = {
        "commander": _officer_user(station, "commander", is_commander=True),
        "trainee_leader": _officer_user(station, "trainee.leader"),
        "trainee_trainer": _officer_user(station, "trainee.trainer"),
        "trainee_admin": _officer_user(station, "trainee.admin"),
        "trainee_author": _officer_user(station, "trainee.author"),
        "trainer_leader": UserFactory(username="trainer.leader"),
        "leader": people.leader,
        "trainer_in_scope": UserFactory(username="trainer.scope"),
        "author": author,
        "admin": people.admin,
    }
    _grant(p["trainee_leader"], Role.LEADERSHIP, tree.nation)
    _grant(p["trainee_trainer"], Role.TRAINER, tree.north)
    _grant(p["trainee_admin"], Role.ADMIN)
    _grant(p["trainee_author"], Role.TRAINER, tree.north)
    CourseAuthor.objects.create(course=course, user=p["trainee_author"])
    _grant(p["trainer_leader"], Role.TRAINER, tree.south)
    _grant(p["trainer_leader"], Role.LEADERSHIP, tree.nation)
    _grant(p["trainer_in_scope"], Role.TRAINER, tree.north)
    for name in ("commander", "trainee_leader", "trainee_trainer", "trainee_admin", "trainee_author"):
        course_services.enrollment_create_self(course=course, user=p[name])

    course_services.enrollment_create_self(course=course, user=people.trainee)
    attempt = services.attempt_start(assessment=assessment, user=people.trainee)
    answers = [(q, {"text": ACCEPTED} if r.get("text") == ACCEPTED else r) for q, r in right_answers(attempt)]
    services.attempt_submit(attempt=attempt, user=people.trainee, answers=answers)
    essay_answer = Answer.objects.get(attempt=attempt, question_id=essay.pk)
    services.answer_grade(answer=essay_answer, actor=author, points=1)
    attempt.refresh_from_db()
    return World(assessment, attempt, essay_answer, p)


ENROLLED = ["commander", "trainee_leader", "trainee_trainer", "trainee_admin", "trainee_author"]
NO_KEY = [*ENROLLED, "leader"]
KEY = ["trainer_in_scope", "author", "admin"]


def _leaks(body: bytes) -> list[str]:
    text = body.decode().replace('"correct": true', '"correct":true')
    markers = {
        "explanation": EXPLANATION,
        "guidance": GUIDANCE,
        "accepted answer": ACCEPTED,
        "numeric answer": NUMERIC,
        "correct flag": '"correct":true',
        "correct badge": '<span class="badge">correct</span>',
        "correct in CSV": "(correct)",
        "right answer": "Right answer",
    }
    return [name for name, marker in markers.items() if marker in text]


def _bodies(client, api_client, world: World, user) -> dict[str, tuple[int, bytes]]:
    client.force_login(user)
    api_client.force_authenticate(user)
    assessment, attempt = world.assessment, world.colleague_attempt
    question = assessment.bank.questions.order_by("pk").first()
    urls = {
        "api attempt": (api_client, f"/api/v1/attempts/{attempt.pk}/"),
        "api assessment": (api_client, f"/api/v1/assessments/{assessment.pk}/"),
        "api export": (api_client, f"/api/v1/assessments/{assessment.pk}/questions/export/"),
        "result page": (client, f"/attempts/{attempt.pk}/result/"),
        "statistics": (client, f"/assessments/{assessment.pk}/statistics/"),
        "statistics csv": (client, f"/assessments/{assessment.pk}/statistics/?format=csv&table=items"),
        "questions": (client, f"/assessments/{assessment.pk}/questions/"),
        "question": (client, f"/assessments/{assessment.pk}/questions/{question.pk}/"),
        "export": (client, f"/assessments/{assessment.pk}/questions/export.csv"),
        "grading": (client, f"/grading/answers/{world.essay_answer.pk}/"),
        "admin question": (client, f"/admin/assessments/question/{question.pk}/change/"),
        "admin attempt": (client, f"/admin/assessments/attempt/{attempt.pk}/change/"),
    }
    return {name: (c.get(url).status_code, c.get(url).content) for name, (c, url) in urls.items()}


@pytest.mark.parametrize("who", NO_KEY)
def test_nobody_without_the_right_reads_the_key_whatever_roles_they_combine(client, api_client, world, who):
    user = world.people[who]

    bodies = _bodies(client, api_client, world, user)

    leaks = {name: found for name, (_status, body) in bodies.items() if (found := _leaks(body))}
    assert leaks == {}
    # The check is not blind: they do reach the attempt (as leaders or trainers) and the
    # statistics, only without the key.
    assert bodies["api attempt"][0] == 200
    assert bodies["statistics"][0] == 200


@pytest.mark.parametrize("who", KEY)
def test_the_officers_trainers_the_authors_and_admins_read_the_key(client, api_client, world, who):
    bodies = _bodies(client, api_client, world, world.people[who])

    assert set(_leaks(bodies["api attempt"][1])) >= {"explanation", "accepted answer", "numeric answer", "correct flag"}
    assert "right answer" in _leaks(bodies["result page"][1])
    assert "correct badge" in _leaks(bodies["statistics"][1])
    assert "correct in CSV" in _leaks(bodies["statistics csv"][1])
    assert "guidance" in _leaks(bodies["grading"][1])
    if who != "trainer_in_scope":
        assert bodies["questions"][0] == 200
        assert bodies["export"][0] == 200
        assert "accepted answer" in _leaks(bodies["export"][1])


def test_a_trainer_who_leads_elsewhere_reads_the_key_of_the_assessment_not_of_attempts_outside_their_scope(
    client, api_client, world
):
    # A trainer of the south region who also leads the nation: the north officer's attempt
    # is theirs to see as a leader, its key is not (not their trainee); the assessment's
    # own key, as the item analysis shows it, is any trainer's.
    bodies = _bodies(client, api_client, world, world.people["trainer_leader"])

    assert bodies["api attempt"][0] == 200
    assert _leaks(bodies["api attempt"][1]) == []
    assert _leaks(bodies["result page"][1]) == []
    assert "correct badge" in _leaks(bodies["statistics"][1])


@pytest.mark.parametrize("who", ["trainee_author", "trainee_admin"])
def test_an_author_or_admin_enrolled_in_the_course_is_refused_its_questions_with_a_reason(client, world, who):
    user = world.people[who]
    client.force_login(user)

    response = client.get(f"/assessments/{world.assessment.pk}/questions/")

    assert response.status_code == 403
    assert "You are enrolled in this course" in response.content.decode()
    entry = AuditEntry.objects.get(action="conflict.refused")
    assert (entry.actor, entry.after) == (user, {"action": "author"})


def test_a_commander_enrolled_in_the_course_reads_a_colleagues_attempt_without_answers(api_client, world):
    api_client.force_authenticate(world.people["commander"])

    body = api_client.get(f"/api/v1/attempts/{world.colleague_attempt.pk}/").json()

    assert body["is_feedback_visible"] is False
    shown = {"id", "kind", "text", "points", "scenario", "choices"}
    assert all(set(question) == shown for question in body["questions"])
    assert all(set(choice) == {"id", "text"} for question in body["questions"] for choice in question["choices"])
