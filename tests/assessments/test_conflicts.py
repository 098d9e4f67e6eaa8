"""No one acts on their own record: a trainer who is also an officer enrolled in a course
does not grade their own essay, grant themselves an allowance, correct or regrade a
question of the test they take. Each refusal is a 403 that says why, changes nothing and
is recorded in the audit trail."""

import pytest

from assessments import permissions, services
from assessments.models import Allowance, Answer, Attempt
from courses import services as course_services
from lms.audit.models import AuditEntry
from organisations import services as organisation_services
from organisations.models import Role
from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer_officer(tree, published, course):
    """A trainer of the north region who is an officer there too, enrolled in the course,
    with a submitted attempt whose essay awaits a grader."""
    user = UserFactory(username="trainer.officer")
    OfficerFactory(unit=tree.north_station, user=user)
    organisation_services.role_grant(user=user, role=Role.TRAINER, unit=tree.north)
    course_services.enrollment_create_self(course=course, user=user)
    essay = services.question_create(bank=published.bank, kind="essay", text="Explain.", actor=published.created_by)
    attempt = services.attempt_start(assessment=published, user=user)
    services.attempt_submit(attempt=attempt, user=user, answers=[(essay.pk, {"text": "Because."})])
    user.answer = Answer.objects.get(attempt=attempt, question_id=essay.pk)
    return user


def _refusals(user) -> list[dict]:
    return list(AuditEntry.objects.filter(action="conflict.refused", actor=user).values_list("after", flat=True))


def test_a_trainer_cannot_grade_their_own_essay(api_client, trainer_officer):
    api_client.force_authenticate(trainer_officer)

    response = api_client.post(f"/api/v1/answers/{trainer_officer.answer.pk}/grade/", {"points": "1"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot grade your own answers: another trainer in scope grades them."}
    trainer_officer.answer.refresh_from_db()
    assert (trainer_officer.answer.points, trainer_officer.answer.needs_review) == (None, True)
    assert _refusals(trainer_officer) == [{"action": "grade"}]


def test_the_grading_page_refuses_ones_own_essay_with_the_reason(client, trainer_officer):
    client.force_login(trainer_officer)

    response = client.post(f"/grading/answers/{trainer_officer.answer.pk}/", {"points": "1", "comment": ""})

    assert response.status_code == 403
    assert "You cannot grade your own answers" in response.content.decode()
    assert Attempt.objects.get(pk=trainer_officer.answer.attempt_id).status == Attempt.Status.PENDING_REVIEW
    assert _refusals(trainer_officer) == [{"action": "grade"}]


def test_another_trainer_in_scope_grades_it(trainer_officer, people):
    attempt = services.answer_grade(answer=trainer_officer.answer, actor=people.trainer_north, points=1)

    assert attempt.status == Attempt.Status.GRADED


def test_a_trainer_cannot_grant_themselves_an_allowance(api_client, trainer_officer, published):
    api_client.force_authenticate(trainer_officer)
    officer = trainer_officer.officer

    response = api_client.post(
        f"/api/v1/assessments/{published.pk}/allowances/",
        {"officer": officer.pk, "reason": "More tries", "extra_attempts": 100},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot grant yourself an allowance: another trainer in scope grants it."}
    assert not Allowance.objects.exists()
    assert _refusals(trainer_officer) == [{"action": "allowance"}]


def test_an_author_enrolled_in_the_course_cannot_correct_or_regrade_its_questions(
    api_client, trainer_officer, published, course
):
    course_services.course_author_add(course=course, user=trainer_officer, actor=published.created_by)
    question = published.questions["single"]
    before = list(question.choices.values_list("pk", "is_correct"))
    api_client.force_authenticate(trainer_officer)

    response = api_client.patch(
        f"/api/v1/questions/{question.pk}/",
        {"choices": [{"id": pk, "correct": not correct} for pk, correct in before][:1], "regrade": True},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("You are enrolled in this course")
    assert list(question.choices.values_list("pk", "is_correct")) == before
    assert _refusals(trainer_officer) == [{"action": "author"}]


def test_a_regrade_that_would_touch_the_actors_own_attempt_is_refused(trainer_officer, published, people):
    # The service's own last line: whoever runs a regrade is not among the attempts it changes.
    question = published.questions["single"]

    with pytest.raises(permissions.ConflictOfInterest):
        services.attempts_regrade(question=question, actor=trainer_officer)

    assert _refusals(trainer_officer) == [{"action": "regrade"}]
    assert services.attempts_regrade(question=question, actor=people.trainer_north) == 0
