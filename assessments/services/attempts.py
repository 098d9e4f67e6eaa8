"""A trainee's attempts: the draw, the snapshot (its choice ids drawn anew), starting an attempt,
saving answers and submitting, with the grading that runs on submission."""

import datetime
import random
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.grading import Grade, attempt_score, grade, response_problems
from assessments.models import Answer, Assessment, Attempt, Question
from assessments.selectors import allowance_terms
from assessments.services._common import _weight_text
from courses import services as course_services
from courses.models import Enrollment
from lms.audit.services import audit_record
from lms.notifications.services import notifications_send
from organisations.models import User
from organisations.selectors import user_roles

# Answers saved (and submissions made) up to this long after the deadline still count:
# the request may have left the trainee's phone in time and spent a while on the network.
# A constant rather than a setting: it is part of the fairness rule, the same everywhere.
DEADLINE_GRACE = datetime.timedelta(seconds=30)


# Attempts ---------------------------------------------------------------------------------


def _draw(assessment: Assessment) -> list[Question]:
    """The questions of a new attempt, in bank order with each scenario's questions together.

    No pools: every live question. Pools: ``count`` random live questions per tag (its
    competency or topic), each question drawn once; a drawn scenario question brings the
    rest of its scenario.
    """
    live = list(
        Question.objects.filter(bank_id=assessment.bank_id, is_archived=False)
        .select_related("scenario")
        .prefetch_related("choices")
        .order_by("pk")
    )
    pools = list(assessment.pools.order_by("pk"))
    if pools:
        rng = random.SystemRandom()
        chosen: set[int] = set()
        for pool in pools:
            candidates = [
                question.pk
                for question in live
                if question.pk not in chosen and pool.tag in (question.competency, question.topic)
            ]
            chosen.update(rng.sample(candidates, min(pool.count, len(candidates))))
        scenarios = {question.scenario_id for question in live if question.pk in chosen and question.scenario_id}
        live = [question for question in live if question.pk in chosen or question.scenario_id in scenarios]
    first_of_scenario: dict[int, int] = {}
    for question in live:
        if question.scenario_id:
            first_of_scenario.setdefault(question.scenario_id, question.pk)
    return sorted(live, key=lambda q: (first_of_scenario.get(q.scenario_id, q.pk) if q.scenario_id else q.pk, q.pk))


# Choice ids as an attempt shows them: random in [1, 2^31), drawn anew for every attempt,
# so nothing about an id (order, parity, size) says which choice is right.
SHOWN_CHOICE_ID_LIMIT = 2**31


def question_snapshot(question: Question, *, shuffle: bool) -> dict[str, Any]:
    """A question as the attempt shows it, answer key included (see the models' docstring).

    Each choice is shown under an id of its own for this attempt (``id``); ``source`` keeps
    the bank's choice id, for regrades and item analysis, and never leaves the server
    without the key."""
    rng = random.SystemRandom()
    bank_choices = list(question.choices.all())
    shown_ids = rng.sample(range(1, SHOWN_CHOICE_ID_LIMIT), len(bank_choices))
    choices = [
        {
            "id": shown_id,
            "source": choice.pk,
            "text": choice.text,
            "correct": choice.is_correct,
            "weight": _weight_text(choice.weight),
        }
        for shown_id, choice in zip(shown_ids, bank_choices, strict=True)
    ]
    if shuffle and question.kind != Question.Kind.TRUE_FALSE:
        rng.shuffle(choices)
    scenario = question.scenario
    return {
        "id": question.pk,
        "kind": question.kind,
        "text": question.text,
        "points": str(question.points),
        "scenario": None if scenario is None else {"id": scenario.pk, "title": scenario.title, "text": scenario.text},
        "choices": choices,
        "numeric_answer": None if question.numeric_answer is None else str(question.numeric_answer),
        "numeric_tolerance": str(question.numeric_tolerance),
        "numeric_partial_answers": list(question.numeric_partial_answers),
        "accepted_answers": list(question.accepted_answers),
        "explanation": question.explanation,
        "competency": question.competency,
        "topic": question.topic,
    }


def _refusal(code: str) -> ValidationError:
    messages = {
        "not_published": _("This assessment is not open yet."),
        "closed": _("This assessment is closed."),
        "attempt_limit": _("You have used all your attempts at this assessment."),
        "cooldown": _("Wait a while before your next attempt."),
        "not_enrolled": _("Enrol in the course before taking its assessments."),
        "too_many_questions": _(
            "This assessment would show more questions than one attempt may: its authors must draw fewer."
        ),
    }
    return ValidationError(messages[code], code=code)


@transaction.atomic
def attempt_start(*, assessment: Assessment, user: User, now: datetime.datetime | None = None) -> Attempt:
    """Start an attempt, or return the one already open (``attempt.is_new`` tells which).

    Preconditions: the user is an active officer (``PermissionDenied``) enrolled in the
    course, the assessment is published and open, the attempt limit (with allowances) not
    reached and the cooldown over (``ValidationError`` with code ``not_enrolled``,
    ``not_published``, ``closed``, ``attempt_limit``, ``cooldown`` or, when the draw would
    show more than ``settings.ASSESSMENT_MAX_QUESTIONS`` questions, ``too_many_questions``).
    An open attempt whose time is up is submitted first (graded as of its deadline).

    Locks the officer's enrolment row before counting attempts, so racing starts run one
    after another; the unique constraints on attempts are the last line of defence.
    """
    officer = user_roles(user).officer
    if officer is None or not officer.is_active:
        raise PermissionDenied(_("Only an active officer takes assessments."))
    enrollment = Enrollment.objects.select_for_update().filter(course_id=assessment.course_id, officer=officer).first()
    if enrollment is None:
        raise _refusal("not_enrolled")
    # Read the clock once the lock is held: a start that waited for a racing submit must
    # not look earlier than that submit.
    now = now or timezone.now()
    assessment = Assessment.objects.select_related("course").get(pk=assessment.pk)
    if assessment.published_at is None:
        raise _refusal("not_published")
    attempts = list(Attempt.objects.filter(assessment=assessment, officer=officer).order_by("number"))
    open_attempt = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
    if open_attempt is not None:
        if open_attempt.deadline is None or now <= open_attempt.deadline + DEADLINE_GRACE:
            open_attempt.is_new = False
            return open_attempt
        _attempt_close(attempt=open_attempt, user=user, answers=None, now=now)
    terms = allowance_terms(assessment=assessment, officer=officer)
    extra_attempts, extra_minutes, closes_at = terms["extra_attempts"], terms["extra_minutes"], terms["closes_at"]
    if closes_at is not None and now >= closes_at:
        raise _refusal("closed")
    if assessment.max_attempts is not None and len(attempts) >= assessment.max_attempts + extra_attempts:
        raise _refusal("attempt_limit")
    last_submitted = max((a.submitted_at for a in attempts if a.submitted_at), default=None)
    cooldown = datetime.timedelta(minutes=assessment.cooldown_minutes)
    if cooldown and last_submitted and now < last_submitted + cooldown:
        raise _refusal("cooldown")
    deadline = None
    if assessment.time_limit_minutes:
        deadline = now + datetime.timedelta(minutes=assessment.time_limit_minutes + extra_minutes)
    if closes_at is not None and (deadline is None or deadline > closes_at):
        deadline = closes_at
    drawn = _draw(assessment)
    if len(drawn) > settings.ASSESSMENT_MAX_QUESTIONS:
        # Publishing refuses such an assessment; questions added since can still bring a
        # draw past the bound: refuse rather than send a phone hundreds of questions.
        raise _refusal("too_many_questions")
    snapshot = [question_snapshot(q, shuffle=assessment.shuffle_choices) for q in drawn]
    number = (attempts[-1].number if attempts else 0) + 1
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                assessment=assessment,
                officer=officer,
                number=number,
                started_at=now,
                deadline=deadline,
                snapshot=snapshot,
            )
    except IntegrityError:
        # Only reachable by a writer that did not lock the enrolment.
        open_attempt = Attempt.objects.filter(
            assessment=assessment, officer=officer, status=Attempt.Status.IN_PROGRESS
        ).first()
        if open_attempt is None:
            raise _refusal("attempt_limit") from None
        open_attempt.is_new = False
        return open_attempt
    attempt.is_new = True
    return attempt


def _owner_check(*, attempt: Attempt, user: User) -> None:
    if attempt.officer.user_id is None or attempt.officer.user_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))


def _lock_attempt(attempt: Attempt) -> Attempt:
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("assessment", "officer__unit", "officer__user")
        .get(pk=attempt.pk)
    )


def _is_late(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE


def _snapshot_question(attempt: Attempt, question_id: int) -> dict[str, Any] | None:
    return next((question for question in attempt.snapshot if question["id"] == question_id), None)


@transaction.atomic
def answer_save(
    *, attempt: Attempt, user: User, question_id: int, response: object, now: datetime.datetime | None = None
) -> Answer:
    """Save (or replace) the owner's response to one question of their open attempt.

    Refused after the deadline (plus ``DEADLINE_GRACE``) or once submitted (``ValidationError``
    code ``closed``), and for a malformed response (``ValidationError`` keyed by the
    question's id). Locks the attempt, so a save never interleaves with the submit.
    """
    now = now or timezone.now()
    attempt = _lock_attempt(attempt)
    _owner_check(attempt=attempt, user=user)
    if attempt.status != Attempt.Status.IN_PROGRESS or _is_late(attempt, now):
        raise ValidationError(_("This attempt is closed: answers can no longer be changed."), code="closed")
    question = _snapshot_question(attempt, question_id)
    if question is None:
        raise ValidationError({str(question_id): [_("This question is not part of the attempt.")]})
    problems = response_problems(question, response)
    if problems:
        raise ValidationError({str(question_id): problems})
    answer, _created = Answer.objects.update_or_create(
        attempt=attempt, question_id=question_id, defaults={"response": response}
    )
    return answer


def _stored_grade(answer: Answer) -> Grade:
    return Grade(points=answer.points, is_correct=answer.is_correct, needs_review=answer.needs_review)


def _attempt_result(*, attempt: Attempt, grades: Mapping[int, Grade], now: datetime.datetime) -> None:
    """Set status, score, is_passed and graded_at from the grades (not saved)."""
    full = {
        question["id"]: grades.get(question["id"], Grade(Decimal(0), False, False)) for question in attempt.snapshot
    }
    if any(g.needs_review for g in full.values()):
        attempt.status, attempt.score, attempt.is_passed, attempt.graded_at = (
            Attempt.Status.PENDING_REVIEW,
            None,
            None,
            None,
        )
        return
    attempt.status = Attempt.Status.GRADED
    attempt.score = attempt_score(attempt.snapshot, full)
    attempt.is_passed = attempt.score is not None and attempt.score >= attempt.assessment.pass_mark
    attempt.graded_at = now


def _course_complete_if_met(*, attempt: Attempt, actor: User | None) -> None:
    """A pass may complete the course (its completion rule reads the passed attempts)."""
    if not attempt.is_passed:
        return
    enrollment_id = (
        Enrollment.objects.filter(course_id=attempt.assessment.course_id, officer_id=attempt.officer_id)
        .values_list("pk", flat=True)
        .first()
    )
    if enrollment_id is not None:
        course_services.enrollment_complete_if_met(enrollment_id=enrollment_id, actor=actor)


def _result_notify(attempt: Attempt) -> None:
    user = attempt.officer.user
    if user is None or attempt.status != Attempt.Status.GRADED:
        return
    notifications_send(
        users=[user],
        kind="assessment.graded",
        message=gettext_lazy("Your attempt at %(title)s is graded: %(score)s%%."),
        params={"title": attempt.assessment.title, "score": attempt.score},
    )


def _answers_upsert(answers: list[Answer], *, fields: list[str]) -> None:
    """Insert the answers, or update ``fields`` of those already saved: one statement
    (``bulk_update`` builds a CASE per row and field, which costs more than the grading)."""
    Answer.objects.bulk_create(
        answers, update_conflicts=True, unique_fields=["attempt", "question_id"], update_fields=fields
    )


def _attempt_close(
    *, attempt: Attempt, user: User, answers: Iterable[tuple[int, object]] | None, now: datetime.datetime
) -> Attempt:
    """Grade and close a locked, open attempt (see ``attempt_submit``)."""
    late = _is_late(attempt, now)
    saved = {answer.question_id: answer for answer in Answer.objects.filter(attempt=attempt)}
    if answers and not late:
        errors: dict[str, list[str]] = {}
        given: dict[int, object] = {}
        for question_id, response in answers:
            question = _snapshot_question(attempt, question_id)
            if question is None:
                errors[str(question_id)] = [_("This question is not part of the attempt.")]
                continue
            problems = response_problems(question, response)
            if problems:
                errors[str(question_id)] = problems
            given[question_id] = response
        if errors:
            raise ValidationError(errors)
        for question_id, response in given.items():
            stored = saved.get(question_id) or Answer(attempt=attempt, question_id=question_id)
            stored.response, stored.saved_at = response, now
            saved[question_id] = stored
        _answers_upsert([saved[question_id] for question_id in given], fields=["response", "saved_at"])
    if attempt.deadline is not None:
        too_late = [q for q, answer in saved.items() if answer.saved_at > attempt.deadline + DEADLINE_GRACE]
        if too_late:
            Answer.objects.filter(attempt=attempt, question_id__in=too_late).delete()
            for question_id in too_late:
                del saved[question_id]
    grades: dict[int, Grade] = {}
    for question in attempt.snapshot:
        answer = saved.get(question["id"])
        result = grade(question, answer.response if answer else None)
        grades[question["id"]] = result
        if answer is not None:
            answer.points, answer.is_correct, answer.needs_review = (
                result.points,
                result.is_correct,
                result.needs_review,
            )
    _answers_upsert(list(saved.values()), fields=["points", "is_correct", "needs_review"])
    attempt.submitted_at = attempt.deadline if late else now
    _attempt_result(attempt=attempt, grades=grades, now=now)
    attempt.save(update_fields=["status", "submitted_at", "score", "is_passed", "graded_at"])
    audit_record(
        actor=user,
        action="assessment.submitted",
        target=attempt,
        after={"status": attempt.status, "score": None if attempt.score is None else str(attempt.score), "late": late},
    )
    _course_complete_if_met(attempt=attempt, actor=user)
    _result_notify(attempt)
    return attempt


@transaction.atomic
def attempt_submit(
    *,
    attempt: Attempt,
    user: User,
    answers: Iterable[tuple[int, object]] | None = None,
    now: datetime.datetime | None = None,
) -> Attempt:
    """Submit the owner's attempt and grade it; returns it with status, score and is_passed.

    ``answers`` (``(question_id, response)`` pairs) are saved first, unless the submission
    is late: past the deadline plus ``DEADLINE_GRACE`` the attempt is graded as of the
    deadline (answers saved after it are discarded, those in the call ignored) and its
    ``submitted_at`` is the deadline. A second submit returns the first result unchanged.
    ``pending_review`` while an essay awaits a trainer (score and is_passed None); a pass
    runs the course completion check in this transaction. Locks the attempt row.
    """
    now = now or timezone.now()
    attempt = _lock_attempt(attempt)
    _owner_check(attempt=attempt, user=user)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return attempt
    return _attempt_close(attempt=attempt, user=user, answers=list(answers or []), now=now)
