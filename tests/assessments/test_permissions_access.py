"""The ``access_*`` lookups of ``assessments.permissions``: fetch and authorise in one call,
``Http404`` for what the user may not see, ``PermissionDenied`` for what they see but may
not act on. The pages and the API answer with exactly these (tests/security pins the HTTP)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessments import permissions, selectors, services

pytestmark = pytest.mark.django_db

MISSING = 999_999


@pytest.fixture
def attempt(published, people):
    return services.attempt_start(assessment=published, user=people.trainee)


def _outcome(call):
    try:
        return call().pk
    except Http404:
        return 404
    except PermissionDenied:
        return 403


@pytest.mark.parametrize(
    ("who", "expected"),
    [("trainee", "found"), ("trainer_north", "found"), ("admin", "found"), ("other_trainee", 404)],
)
def test_access_assessment(published, people, who, expected):
    outcome = _outcome(lambda: permissions.access_assessment(user=getattr(people, who), assessment_id=published.pk))
    assert outcome == (published.pk if expected == "found" else expected)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("trainer_north", "found"), ("admin", "found"), ("trainee", 403), ("other_trainee", 404)],
)
def test_access_assessment_for_edit(published, people, who, expected):
    user = getattr(people, who)
    outcome = _outcome(lambda: permissions.access_assessment_for_edit(user=user, assessment_id=published.pk))
    assert outcome == (published.pk if expected == "found" else expected)


@pytest.mark.parametrize(
    ("helper", "who", "expected"),
    [
        ("access_attempt", "trainee", "found"),
        ("access_attempt", "trainer_north", "found"),
        ("access_attempt", "leader", "found"),
        ("access_attempt", "trainer_south", 404),
        ("access_attempt", "other_trainee", 404),
        # The API's door to answer: staff who see the attempt are refused, not misled.
        ("access_own_attempt", "trainee", "found"),
        ("access_own_attempt", "trainer_north", 403),
        ("access_own_attempt", "trainer_south", 404),
        # The page where one answers exists for its owner only.
        ("access_attempt_to_take", "trainee", "found"),
        ("access_attempt_to_take", "trainer_north", 404),
        ("access_attempt_to_take", "trainer_south", 404),
    ],
)
def test_access_attempt_helpers(attempt, people, helper, who, expected):
    lookup = getattr(permissions, helper)
    outcome = _outcome(lambda: lookup(user=getattr(people, who), attempt_id=attempt.pk))
    assert outcome == (attempt.pk if expected == "found" else expected)


@pytest.mark.parametrize(("who", "expected"), [("trainer_north", "found"), ("admin", "found"), ("trainee", 403)])
def test_access_question_for_edit(published, people, who, expected):
    question = published.questions["single"]
    outcome = _outcome(lambda: permissions.access_question_for_edit(user=getattr(people, who), question_id=question.pk))
    assert outcome == (question.pk if expected == "found" else expected)


@pytest.mark.parametrize(
    "lookup",
    [
        lambda user: permissions.access_assessment(user=user, assessment_id=MISSING),
        lambda user: permissions.access_assessment_for_edit(user=user, assessment_id=MISSING),
        lambda user: permissions.access_attempt(user=user, attempt_id=MISSING),
        lambda user: permissions.access_own_attempt(user=user, attempt_id=MISSING),
        lambda user: permissions.access_attempt_to_take(user=user, attempt_id=MISSING),
        lambda user: permissions.access_question_for_edit(user=user, question_id=MISSING),
    ],
)
def test_what_does_not_exist_is_a_404_even_for_an_admin(people, lookup):
    assert _outcome(lambda: lookup(people.admin)) == 404


def test_attempts_showing_counts_the_attempts_whose_snapshot_shows_the_question(attempt, published, people):
    shown = published.questions["single"]
    later = services.question_create(
        bank=published.bank,
        kind="short_text",
        text="Added after the attempt started.",
        actor=people.trainer_north,
        accepted_answers=["yes"],
    )
    assert list(selectors.attempts_showing(question=shown)) == [attempt]
    assert list(selectors.attempts_showing(question=later)) == []
