"""A course with a final assessment, published in the order the completion rule needs:
questions, then the assessment, then the course (so its release is bound by it)."""

import pytest

from assessments import services
from assessments.models import Assessment, Question
from courses import services as course_services


@pytest.fixture
def course(people):
    """A draft course by ``people.trainer_north``: one module with one lesson."""
    course = course_services.course_create(
        creator=people.trainer_north, code="HR-201", title="Human rights in policing", competencies=["HR"]
    )
    module = course_services.module_create(course=course, title="Foundations")
    course_services.lesson_create(module=module, title="Dignity", body="Everyone has rights.")
    return course


def questions_add(bank, actor) -> dict[str, Question]:
    """One question of each auto-graded kind, 1 point each (4 points in all)."""
    return {
        "single": services.question_create(
            bank=bank,
            kind="single",
            text="Who may order an arrest?",
            actor=actor,
            choices=[{"text": "A judge", "correct": True}, {"text": "A neighbour"}, {"text": "A journalist"}],
            explanation="Only a judicial authority.",
            competency="HR",
        ),
        "multiple": services.question_create(
            bank=bank,
            kind="multiple",
            text="Which are rights of a detainee?",
            actor=actor,
            choices=[
                {"text": "To see a lawyer", "correct": True},
                {"text": "To be told the reason", "correct": True},
                {"text": "To be beaten"},
            ],
            competency="HR",
        ),
        "numeric": services.question_create(
            bank=bank,
            kind="numeric",
            text="How many hours before a detainee sees a judge?",
            actor=actor,
            numeric_answer="48",
            numeric_tolerance="0",
            competency="HR",
        ),
        "short_text": services.question_create(
            bank=bank,
            kind="short_text",
            text="The principle that force must match the threat?",
            actor=actor,
            accepted_answers=["Proportionnalité", "proportionality"],
            competency="HR",
        ),
    }


@pytest.fixture
def assessment(course, people) -> Assessment:
    assessment = services.assessment_create(
        course=course,
        title="Final test",
        actor=people.trainer_north,
        pass_mark=75,
        max_attempts=2,
        time_limit_minutes=30,
        shuffle_choices=True,
    )
    assessment.questions = questions_add(assessment.bank, people.trainer_north)
    return assessment


@pytest.fixture
def published(assessment, course, people) -> Assessment:
    """The assessment published, then the course, and the trainee enrolled."""
    services.assessment_publish(assessment=assessment, actor=people.trainer_north)
    course_services.course_publish(course=course, actor=people.trainer_north)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    assessment.refresh_from_db()
    return assessment


def right_answers(attempt) -> list[tuple[int, dict]]:
    """The correct response to every question of the attempt, from its snapshot."""
    answers = []
    for question in attempt.snapshot:
        if question["kind"] in ("single", "multiple", "true_false"):
            response = {"choices": [c["id"] for c in question["choices"] if c["correct"]]}
        elif question["kind"] == "numeric":
            response = {"text": question["numeric_answer"]}
        elif question["kind"] == "short_text":
            response = {"text": question["accepted_answers"][0]}
        else:
            response = {"text": "A considered answer."}
        answers.append((question["id"], response))
    return answers


def shown_id(attempt, choice) -> int:
    """The id under which the attempt shows a bank choice (each attempt has its own)."""
    return next(
        shown["id"] for question in attempt.snapshot for shown in question["choices"] if shown["source"] == choice.pk
    )


def wrong_answers(attempt) -> list[tuple[int, dict]]:
    answers = []
    for question in attempt.snapshot:
        if question["kind"] in ("single", "multiple", "true_false"):
            response = {"choices": [c["id"] for c in question["choices"] if not c["correct"]][:1]}
        else:
            response = {"text": "999" if question["kind"] == "numeric" else "nonsense"}
        answers.append((question["id"], response))
    return answers
