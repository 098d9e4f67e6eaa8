"""Question banks, scenarios and questions: creating them and correcting a question's answer key."""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Choice, Question, QuestionBank, Scenario
from assessments.services._common import _bank_edit_check, _course_edit_check, _decimal_or_none, _weight_text
from assessments.validation import choice_is_correct, question_errors
from courses.models import Course
from lms.audit.services import audit_record
from organisations.models import Organisation, User
from organisations.selectors import user_roles

CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE)


# Banks and questions ----------------------------------------------------------------------


@transaction.atomic
def bank_create(
    *, title: str, actor: User, course: Course | None = None, owner: Organisation | None = None
) -> QuestionBank:
    """A bank of a course (its authors and admins) or of an organisation (admins)."""
    if course is not None:
        _course_edit_check(actor=actor, course=course)
    elif not user_roles(actor).is_admin:
        raise PermissionDenied(_("Only admins create organisation question banks."))
    bank = QuestionBank(title=title, course=course, owner=owner, created_by=actor)
    bank.full_clean()
    bank.save()
    audit_record(actor=actor, action="bank.create", target=bank, after={"title": title})
    return bank


@transaction.atomic
def scenario_create(*, bank: QuestionBank, title: str, text: str, actor: User) -> Scenario:
    _bank_edit_check(actor=actor, bank=bank)
    scenario = Scenario(bank=bank, title=title, text=text)
    scenario.full_clean()
    scenario.save()
    return scenario


def _true_false_choices(choices: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """True/false as two choices, stored in English (translated when shown).

    Accepts ``[{"text": "True", "correct": bool}, ...]`` or a single ``{"correct": bool}``
    meaning "the statement is true"."""
    choices = list(choices)
    if len(choices) == 2:
        return choices
    is_true = bool(choices[0].get("correct")) if choices else True
    return [{"text": "True", "correct": is_true}, {"text": "False", "correct": not is_true}]


def choices_normalise(kind: str, choices: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Choices as ``question_errors`` checks them: true/false filled in, credits as
    ``Decimal`` (anything unreadable as NaN, which the rules refuse) and, where credits are
    given, ``correct`` set from them (``validation.choice_is_correct``) unless the author
    marked a choice correct themselves (which the rules then check)."""
    rows = [dict(choice) for choice in choices]
    if kind == Question.Kind.TRUE_FALSE:
        rows = _true_false_choices(rows)
    for row in rows:
        if row.get("weight") is not None:
            row["weight"] = _decimal_or_none(row["weight"])
    if rows and all(isinstance(row.get("weight"), Decimal) for row in rows):
        for row in rows:
            if not row.get("correct") and row["weight"].is_finite():
                row["correct"] = choice_is_correct(kind, row["weight"])
    return rows


def partial_answers_normalise(answers: Iterable[Any]) -> list[Any]:
    """Numeric answers for part of the points with their numbers as ``Decimal`` (a missing
    tolerance is 0); entries that are not mappings are kept for the rules to refuse."""
    normalised: list[Any] = []
    for entry in answers:
        if isinstance(entry, Mapping):
            entry = {
                "answer": _decimal_or_none(entry.get("answer")),
                "tolerance": _decimal_or_none(entry.get("tolerance")) or Decimal("0"),
                "weight": _decimal_or_none(entry.get("weight")),
            }
        normalised.append(entry)
    return normalised


def partial_answers_stored(answers: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Validated partial answers as the JSON column keeps them: decimal strings."""
    return [{name: str(entry[name]) for name in ("answer", "tolerance", "weight")} for entry in answers]


def _choice_rows(question: Question, choices: Sequence[Mapping[str, Any]]) -> list[Choice]:
    return [
        Choice(
            question=question,
            text=str(choice["text"]).strip(),
            is_correct=bool(choice.get("correct")),
            weight=choice.get("weight"),
            order=order,
        )
        for order, choice in enumerate(choices, start=1)
    ]


@transaction.atomic
def question_create(
    *,
    bank: QuestionBank,
    kind: str,
    text: str,
    actor: User,
    points: Decimal | int | str = 1,
    choices: Iterable[Mapping[str, Any]] = (),
    explanation: str = "",
    competency: str = "",
    topic: str = "",
    numeric_answer: Decimal | int | str | None = None,
    numeric_tolerance: Decimal | int | str = 0,
    accepted_answers: Iterable[str] = (),
    numeric_partial_answers: Iterable[Any] = (),
    scenario: Scenario | None = None,
) -> Question:
    """A question with its choices; ``ValidationError`` by field when it breaks a rule of
    ``assessments.validation.question_errors`` (or names another bank's scenario).

    A choice may carry a ``weight`` (its credit in percent, Moodle's per-answer grade):
    then every choice does, and its ``correct`` mark follows from it."""
    _bank_edit_check(actor=actor, bank=bank)
    rows = choices_normalise(kind, choices)
    accepted = [str(answer).strip() for answer in accepted_answers if str(answer).strip()]
    points_number = _decimal_or_none(points)
    answer_number = _decimal_or_none(numeric_answer) if kind == Question.Kind.NUMERIC else None
    tolerance_number = _decimal_or_none(numeric_tolerance) or Decimal("0")
    partial = partial_answers_normalise(numeric_partial_answers)
    errors = question_errors(
        {
            "kind": kind,
            "text": text,
            "points": points_number,
            "competency": competency,
            "topic": topic,
            "choices": rows,
            "numeric_answer": answer_number,
            "numeric_tolerance": tolerance_number,
            "numeric_partial_answers": partial,
            "accepted_answers": accepted,
        }
    )
    if scenario is not None and scenario.bank_id != bank.pk:
        errors["scenario"] = [_("The scenario belongs to another bank.")]
    if errors:
        raise ValidationError(errors)
    assert points_number is not None  # question_errors refuses points that are not a number
    question = Question(
        bank=bank,
        scenario=scenario,
        kind=kind,
        text=text,
        explanation=explanation,
        points=points_number,
        competency=competency,
        topic=topic,
        numeric_answer=answer_number,
        numeric_tolerance=tolerance_number,
        numeric_partial_answers=partial_answers_stored(partial),
        accepted_answers=accepted,
    )
    question.full_clean()
    question.save()
    Choice.objects.bulk_create(_choice_rows(question, rows))
    audit_record(actor=actor, action="question.create", target=question, after={"bank": bank.pk, "kind": kind})
    return question


QUESTION_KEY_FIELDS = (
    "points",
    "numeric_answer",
    "numeric_tolerance",
    "numeric_partial_answers",
    "accepted_answers",
    "explanation",
)


def _question_key(question: Question) -> dict[str, Any]:
    choices = list(question.choices.all())
    return {
        "points": str(question.points),
        "numeric_answer": None if question.numeric_answer is None else str(question.numeric_answer),
        "numeric_tolerance": str(question.numeric_tolerance),
        "numeric_partial_answers": list(question.numeric_partial_answers),
        "accepted_answers": list(question.accepted_answers),
        "explanation": question.explanation,
        "correct_choices": sorted(choice.pk for choice in choices if choice.is_correct),
        "choice_weights": {str(choice.pk): _weight_text(choice.weight) for choice in choices},
    }


@transaction.atomic
def question_correct(*, question: Question, actor: User, **changes: Any) -> Question:
    """Correct a question's answer key: any of ``points``, ``numeric_answer``,
    ``numeric_tolerance``, ``numeric_partial_answers``, ``accepted_answers``,
    ``explanation``, ``correct_choices`` (the ids of the choices that are correct) and
    ``choice_weights`` (choice id -> credit in percent, or None for none; where every
    choice has a credit, the correct marks follow from the credits). The question as
    corrected must meet the rules of ``assessments.validation.question_errors``, as a new
    one does.

    Past attempts keep their snapshot until ``attempts_regrade`` is called for the question.
    Audited (``question.corrected``) with the key before and after. Locks the question.
    """
    unknown = set(changes) - {*QUESTION_KEY_FIELDS, "correct_choices", "choice_weights"}
    if unknown:
        raise TypeError(f"question_correct() cannot change {sorted(unknown)}")
    question = Question.objects.select_for_update(of=("self",)).select_related("bank__course").get(pk=question.pk)
    _bank_edit_check(actor=actor, bank=question.bank)
    choices = list(question.choices.all())
    before = _question_key(question)
    own_ids = {choice.pk for choice in choices}
    correct_ids = set(changes.get("correct_choices", before["correct_choices"]))
    weights = {choice.pk: choice.weight for choice in choices}
    weights.update({int(choice_id): weight for choice_id, weight in changes.get("choice_weights", {}).items()})
    if not correct_ids <= own_ids or not set(weights) <= own_ids:
        raise ValidationError({"correct_choices": [_("These choices are not the question's.")]})
    if "correct_choices" not in changes and "choice_weights" in changes:
        correct_ids = set()  # the credits decide again
    corrected = choices_normalise(
        question.kind,
        [
            {"text": choice.text, "correct": choice.pk in correct_ids, "weight": weights[choice.pk]}
            if weights[choice.pk] is not None
            else {"text": choice.text, "correct": choice.pk in correct_ids}
            for choice in choices
        ],
    )
    accepted = [str(a).strip() for a in changes.get("accepted_answers", question.accepted_answers) if str(a).strip()]
    points = _decimal_or_none(changes.get("points", question.points))
    numeric_answer = _decimal_or_none(changes.get("numeric_answer", question.numeric_answer))
    if question.kind != Question.Kind.NUMERIC:
        numeric_answer = None
    numeric_tolerance = _decimal_or_none(changes.get("numeric_tolerance", question.numeric_tolerance)) or Decimal("0")
    partial = partial_answers_normalise(changes.get("numeric_partial_answers", question.numeric_partial_answers))
    errors = question_errors(
        {
            "kind": question.kind,
            "text": question.text,
            "points": points,
            "competency": question.competency,
            "topic": question.topic,
            "choices": corrected,
            "numeric_answer": numeric_answer,
            "numeric_tolerance": numeric_tolerance,
            "numeric_partial_answers": partial,
            "accepted_answers": accepted,
        }
    )
    if errors:
        raise ValidationError(errors)
    assert points is not None  # question_errors refuses points that are not a number
    question.points = points
    question.numeric_answer = numeric_answer
    question.numeric_tolerance = numeric_tolerance
    question.numeric_partial_answers = partial_answers_stored(partial)
    question.accepted_answers = accepted
    question.explanation = changes.get("explanation", question.explanation)
    question.full_clean()
    question.save(update_fields=[*QUESTION_KEY_FIELDS, "updated_at"])
    for choice, key in zip(choices, corrected, strict=True):
        choice.is_correct = bool(key.get("correct"))
        choice.weight = key.get("weight")
    Choice.objects.bulk_update(choices, ["is_correct", "weight"])
    question = Question.objects.prefetch_related("choices").get(pk=question.pk)
    after = _question_key(question)
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        audit_record(
            actor=actor,
            action="question.corrected",
            target=question,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return question
