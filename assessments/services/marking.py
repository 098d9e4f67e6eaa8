"""Results after submission: a trainer grades an essay by hand, and a corrected answer key is
applied to the attempts that showed the question (``attempts_regrade``)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.grading import grade
from assessments.models import Answer, Attempt, Question
from assessments.permissions import conflict_check
from assessments.selectors import attempts_showing
from assessments.services._common import _bank_edit_check, _decimal_or_none, _trainer_check, _weight_text
from assessments.services.attempts import (
    _attempt_result,
    _course_complete_if_met,
    _lock_attempt,
    _result_notify,
    _snapshot_question,
    _stored_grade,
    question_snapshot,
)
from assessments.services.banks import QUESTION_KEY_FIELDS
from lms.audit.services import Change, audit_record, audit_record_many
from organisations.models import User


def answer_grade(
    *, answer: Answer, actor: User, points: object, comment: str = "", now: datetime.datetime | None = None
) -> Attempt:
    """A trainer grades an essay answer (0 to the question's points) with a comment.

    Preconditions: the actor is not the officer who answered (``ConflictOfInterest``,
    audited), and is a trainer whose scope covers the officer, or an admin
    (``PermissionDenied``); the attempt is submitted and the question an essay
    (``ValidationError``). When no answer awaits review any more the attempt is graded
    (score, pass, completion check). Audited as ``assessment.graded`` with the points
    before and after. Locks the attempt, then the answer.
    """
    conflict_check(actor=actor, officer_ids=[answer.attempt.officer_id], action="grade", target=answer)
    return _answer_grade(answer=answer, actor=actor, points=points, comment=comment, now=now)


@transaction.atomic
def _answer_grade(
    *, answer: Answer, actor: User, points: object, comment: str, now: datetime.datetime | None
) -> Attempt:
    now = now or timezone.now()
    attempt = _lock_attempt(answer.attempt)
    _trainer_check(actor=actor, officer=attempt.officer)
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    question = _snapshot_question(attempt, answer.question_id)
    if attempt.status == Attempt.Status.IN_PROGRESS or question is None or question["kind"] != Question.Kind.ESSAY:
        raise ValidationError(_("Only essays of submitted attempts are graded by hand."), code="not_gradable")
    maximum = Decimal(question["points"])
    value = _decimal_or_none(points)
    if value is None or not value.is_finite() or not 0 <= value <= maximum:
        raise ValidationError({"points": [_("Points are between 0 and %(maximum)s.") % {"maximum": maximum}]})
    before = {"points": None if answer.points is None else str(answer.points)}
    answer.points = value.quantize(Decimal("0.01"))
    answer.is_correct = answer.points == maximum
    answer.needs_review = False
    answer.comment = comment
    answer.graded_by = actor
    answer.save(update_fields=["points", "is_correct", "needs_review", "comment", "graded_by", "saved_at"])
    audit_record(
        actor=actor, action="assessment.graded", target=answer, before=before, after={"points": str(answer.points)}
    )
    was_passed = attempt.is_passed
    grades = {a.question_id: _stored_grade(a) for a in Answer.objects.filter(attempt=attempt)}
    _attempt_result(attempt=attempt, grades=grades, now=now)
    attempt.save(update_fields=["status", "score", "is_passed", "graded_at"])
    if attempt.is_passed and not was_passed:
        _course_complete_if_met(attempt=attempt, actor=actor)
    _result_notify(attempt)
    return attempt


def attempts_regrade(*, question: Question, actor: User, now: datetime.datetime | None = None) -> int:
    """Apply the question's current answer key to every attempt that showed it; returns how
    many attempts' results changed. Refused (``ConflictOfInterest``, audited) when one of
    them is the actor's own. See ``_attempts_regrade``."""
    own = attempts_showing(question=question).filter(officer__user_id=actor.pk)
    conflict_check(
        actor=actor,
        officer_ids=set(own.values_list("officer_id", flat=True)),
        action="regrade",
        target=question,
    )
    return _attempts_regrade(question=question, actor=actor, now=now)


@transaction.atomic
def _attempts_regrade(*, question: Question, actor: User, now: datetime.datetime | None = None) -> int:
    """Apply the question's current answer key to every attempt that showed it; returns how
    many attempts' results changed.

    In each snapshot the key (correct flags and credits by the bank's choice id, numeric
    answers and tolerances, accepted answers, points, explanation) is replaced; the text
    as shown stays. Submitted attempts are graded again (an essay keeps its trainer's points), each changed result
    audited (``assessment.regraded``, score and pass before and after), and a new pass runs
    the completion check. A pass that becomes a fail keeps any completion record: revoking
    it is the certificates' concern. Locks the attempts in pk order.
    """
    now = now or timezone.now()
    question = Question.objects.select_related("bank__course").prefetch_related("choices").get(pk=question.pk)
    _bank_edit_check(actor=actor, bank=question.bank)
    bank_choices = {choice.pk: choice for choice in question.choices.all()}
    key = question_snapshot(question, shuffle=False)
    attempts = list(
        attempts_showing(question=question)
        .select_for_update(of=("self",))
        .select_related("assessment", "officer__user")
        .order_by("pk")
    )
    changes: list[Change] = []
    for attempt in attempts:
        shown = _snapshot_question(attempt, question.pk)
        if shown is None:
            continue
        for name in QUESTION_KEY_FIELDS:
            shown[name] = key[name]
        for choice in shown["choices"]:
            bank_choice = bank_choices.get(choice["source"])
            choice["correct"] = bank_choice is not None and bank_choice.is_correct
            choice["weight"] = None if bank_choice is None else _weight_text(bank_choice.weight)
        fields = ["snapshot"]
        before = {"score": None if attempt.score is None else str(attempt.score), "is_passed": attempt.is_passed}
        if attempt.status != Attempt.Status.IN_PROGRESS:
            answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
            answer = answers.get(question.pk)
            if answer is not None and shown["kind"] != Question.Kind.ESSAY:
                result = grade(shown, answer.response)
                answer.points, answer.is_correct = result.points, result.is_correct
                answer.needs_review = result.needs_review
                answer.save(update_fields=["points", "is_correct", "needs_review"])
            grades = {question_id: _stored_grade(a) for question_id, a in answers.items()}
            was_passed = attempt.is_passed
            _attempt_result(attempt=attempt, grades=grades, now=attempt.graded_at or now)
            fields += ["status", "score", "is_passed", "graded_at"]
            after = {"score": None if attempt.score is None else str(attempt.score), "is_passed": attempt.is_passed}
            if after != before:
                changes.append(Change(attempt, before, after))
            attempt.save(update_fields=fields)
            if attempt.is_passed and not was_passed:
                _course_complete_if_met(attempt=attempt, actor=actor)
        else:
            attempt.save(update_fields=fields)
    audit_record_many(actor=actor, action="assessment.regraded", changes=changes, reason=f"question {question.pk}")
    return len(changes)
