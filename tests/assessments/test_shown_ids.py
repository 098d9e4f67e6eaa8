"""Choice ids as an attempt shows them reveal nothing about which choice is right.

The bank here is built as imported banks are (the right answer written first, so it has
the lowest id of its question) and choices are not shuffled, so any property of the ids
that follows the bank's would give the key away. Over 600 shown questions, the right
choice's id must behave like a random one among its question's four: lowest as often as
highest, even as often as odd, in no particular high bits. Bounds are 5 standard
deviations wide: a correct implementation fails about once in 3 million runs.
"""

import itertools
import math
from collections import Counter
from decimal import Decimal

import pytest

from assessments import services
from assessments.models import Attempt
from courses import services as course_services

pytestmark = pytest.mark.django_db

QUESTIONS = 150
ATTEMPTS = 4
CHOICES = 4


def _within(count: int, trials: int, probability: float) -> bool:
    expected = trials * probability
    spread = 5 * math.sqrt(trials * probability * (1 - probability))
    return expected - spread <= count <= expected + spread


@pytest.fixture
def shown(course, people) -> list[dict]:
    """Every question of ``ATTEMPTS`` attempts of one trainee, as shown."""
    assessment = services.assessment_create(
        course=course, title="Checkpoint drill", actor=people.trainer_north, shuffle_choices=False
    )
    services.questions_import(
        bank=assessment.bank,
        questions=[
            {
                "kind": "single",
                "text": f"Question {number}?",
                "points": Decimal(1),
                "choices": [{"text": "right", "correct": True}] + [{"text": f"wrong {i}"} for i in range(CHOICES - 1)],
            }
            for number in range(QUESTIONS)
        ],
        actor=people.trainer_north,
    )
    services.assessment_publish(assessment=assessment, actor=people.trainer_north)
    course_services.course_publish(course=course, actor=people.trainer_north)
    course_services.enrollment_create_self(course=course, user=people.trainee)
    questions = []
    for _number in range(ATTEMPTS):
        attempt = services.attempt_start(assessment=assessment, user=people.trainee)
        questions += Attempt.objects.get(pk=attempt.pk).snapshot
        services.attempt_submit(attempt=attempt, user=people.trainee)
    return questions


def test_the_right_choice_is_not_told_by_the_order_of_the_ids(shown):
    ranks = Counter()
    for question in shown:
        ids = sorted(choice["id"] for choice in question["choices"])
        right = next(choice["id"] for choice in question["choices"] if choice["correct"])
        ranks[ids.index(right)] += 1

    trials = len(shown)
    assert trials == QUESTIONS * ATTEMPTS
    assert all(_within(ranks[rank], trials, 1 / CHOICES) for rank in range(CHOICES)), ranks


def test_the_right_choice_is_not_told_by_parity_size_or_high_bits(shown):
    rights = [next(c["id"] for c in question["choices"] if c["correct"]) for question in shown]
    wrongs = [c["id"] for question in shown for c in question["choices"] if not c["correct"]]
    trials = len(rights)

    assert _within(sum(1 for value in rights if value % 2 == 0), trials, 0.5)
    # The top bit of a 31-bit id, and whether it is above the question's median id.
    assert _within(sum(1 for value in rights if value >= 2**30), trials, 0.5)
    medians = [sorted(c["id"] for c in question["choices"])[CHOICES // 2] for question in shown]
    assert _within(sum(1 for value, median in zip(rights, medians, strict=True) if value >= median), trials, 0.5)
    # Right and wrong ids come from the same range: neither is smaller on average.
    mean_right, mean_wrong = sum(rights) / len(rights), sum(wrongs) / len(wrongs)
    assert abs(mean_right - mean_wrong) < 6 * (2**31 / math.sqrt(12)) / math.sqrt(trials)


def test_each_attempt_shows_the_same_question_under_new_ids(shown):
    by_question: dict[int, list[frozenset]] = {}
    for question in shown:
        by_question.setdefault(question["id"], []).append(frozenset(c["id"] for c in question["choices"]))

    assert len(by_question) == QUESTIONS
    repeated = sum(1 for id_sets in by_question.values() for a, b in itertools.pairwise(id_sets) if a & b)
    assert repeated == 0
    assert all(choice["id"] != choice["source"] for question in shown for choice in question["choices"])
