"""Many questions at once: the bulk import of a CSV or GIFT file's questions."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Choice, Question, QuestionBank, Scenario
from assessments.services._common import _bank_edit_check
from assessments.services.banks import (
    _choice_rows,
    choices_normalise,
    partial_answers_normalise,
    partial_answers_stored,
)
from assessments.validation import question_problems
from lms.audit.services import audit_record
from organisations.models import User

# Import -----------------------------------------------------------------------------------
# The bulk path behind ``manage.py import_questions`` (CSV and GIFT, see
# assessments/importers/gift.py and assessments/importers/bank_csv.py): a fixed number of
# queries however many questions.


@transaction.atomic
def questions_import(*, bank: QuestionBank, questions: list[dict[str, Any]], actor: User | None) -> list[Question]:
    """Create every question (``question_create`` keyword dicts) or none, in bulk.

    ``"scenario": {"title", "text"}`` reuses the bank's scenario of that title (its text is
    kept) or creates it once for all the questions naming it. A ``ValidationError`` keyed
    by the question's index (0-based) lists every question refused; nothing is written
    then. ``actor`` None is the system (the management command): no permission check.
    More than ``settings.QUESTION_IMPORT_MAX_QUESTIONS`` questions are refused whole
    (``ValidationError`` keyed ``count``). One audit entry, ``questions.imported``, with
    the count.
    """
    if actor is not None:
        _bank_edit_check(actor=actor, bank=bank)
    limit = settings.QUESTION_IMPORT_MAX_QUESTIONS
    if len(questions) > limit:
        raise ValidationError(
            {
                "count": [
                    _("One import adds at most %(limit)d questions, not %(count)d: split the file.")
                    % {"limit": limit, "count": len(questions)}
                ]
            }
        )
    questions = [
        {
            **data,
            "choices": choices_normalise(data.get("kind") or "", data.get("choices") or ()),
            "numeric_partial_answers": partial_answers_normalise(data.get("numeric_partial_answers") or ()),
        }
        for data in questions
    ]
    errors = {str(index): problems for index, data in enumerate(questions) if (problems := question_problems(data))}
    if errors:
        raise ValidationError(errors)
    # The first question naming a scenario gives its text.
    named = [data["scenario"] for data in questions if data.get("scenario")]
    titles = {scenario["title"]: scenario["text"] for scenario in reversed(named)}
    scenarios: dict[str, Scenario] = {}
    if titles:
        scenarios = {scenario.title: scenario for scenario in Scenario.objects.filter(bank=bank, title__in=titles)}
        new = [Scenario(bank=bank, title=title, text=text) for title, text in titles.items() if title not in scenarios]
        scenarios.update({scenario.title: scenario for scenario in Scenario.objects.bulk_create(new)})
    created = Question.objects.bulk_create(
        [
            Question(
                bank=bank,
                scenario=scenarios[data["scenario"]["title"]] if data.get("scenario") else None,
                kind=data["kind"],
                text=data["text"],
                explanation=data.get("explanation", ""),
                points=data.get("points", Decimal("1")),
                competency=data.get("competency", ""),
                topic=data.get("topic", ""),
                numeric_answer=data.get("numeric_answer") if data["kind"] == Question.Kind.NUMERIC else None,
                numeric_tolerance=data.get("numeric_tolerance") or Decimal("0"),
                numeric_partial_answers=partial_answers_stored(data.get("numeric_partial_answers") or []),
                accepted_answers=[str(answer).strip() for answer in data.get("accepted_answers", ())],
            )
            for data in questions
        ]
    )
    Choice.objects.bulk_create(
        [
            choice
            for question, data in zip(created, questions, strict=True)
            for choice in _choice_rows(question, data["choices"])
        ]
    )
    audit_record(actor=actor, action="questions.imported", target=bank, after={"count": len(created)})
    return created


def questions_import_messages(error: ValidationError) -> list[str]:
    """A refusal of ``questions_import`` as sentences: each question's problems numbered
    from 1 in the file's order, then the problems of the import as a whole."""
    numbered = sorted((int(key), messages) for key, messages in error.message_dict.items() if key.isdigit())
    whole = [message for key, messages in error.message_dict.items() if not key.isdigit() for message in messages]
    return whole + [
        _("question %(number)d: %(message)s") % {"number": index + 1, "message": message}
        for index, messages in numbered
        for message in messages
    ]
