"""The one set of rules a question must meet before it is stored.

Every way in goes through ``question_errors``: ``services.question_create`` and
``services.question_correct`` (and so the API and the authoring pages, which call them),
the authoring form (to show the problems next to its fields before calling the service),
and the GIFT and CSV imports (through ``question_problems``, the same problems as a list
of sentences, which they number by line or row).

No database access: the question is a dict in the keyword shape of ``question_create``,
numbers already ``Decimal`` (anything else counts as "not a number").
"""

from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _

from assessments.models import Question
from courses.models import COMPETENCY_CODES

CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE)
# The stored texts of a true/false question's two choices (translated when shown).
TRUE_FALSE_TEXTS = ["True", "False"]


def decimal_problem(value: Decimal) -> str | None:
    """Why a number cannot be stored as an answer or tolerance (14 digits, 4 decimals)."""
    if not value.is_finite():
        return _("%(value)s is not a number.") % {"value": value}
    if abs(value) >= Decimal("1e10"):
        return _("%(value)s is too large.") % {"value": value}
    if value != value.quantize(Decimal("0.0001")):
        return _("%(value)s has more than 4 decimal places.") % {"value": value}
    return None


def question_errors(question: Mapping) -> dict[str, list[str]]:
    """Why the question cannot be stored, by field (``{}`` when it can).

    Keys are ``question_create``'s arguments: ``kind``, ``text``, ``points``,
    ``competency``, ``topic``, ``choices`` (the rows as a whole), ``numeric_answer``,
    ``numeric_tolerance``, ``accepted_answers`` and ``scenario`` (a new scenario given as
    ``{"title", "text"}``). They come in that order, so the messages flattened read as a
    list from the top of the question down.
    """
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = question.get("kind")
    if kind not in Question.Kind.values:
        kinds = ", ".join(Question.Kind)
        problem("kind", _("Unknown kind %(kind)r: use one of %(kinds)s.") % {"kind": kind, "kinds": kinds})
        return errors
    if not str(question.get("text") or "").strip():
        problem("text", _("The question text is empty."))
    points = question.get("points")
    if not isinstance(points, Decimal) or not points.is_finite() or points <= 0:
        problem("points", _("Points must be a number above 0."))
    elif points >= 1000 or points != points.quantize(Decimal("0.01")):
        problem("points", _("Points must be below 1000 with at most 2 decimal places."))
    competency = question.get("competency") or ""
    if competency and competency not in COMPETENCY_CODES:
        problem(
            "competency",
            _("Unknown competency %(code)r: use one of %(codes)s.")
            % {"code": competency, "codes": ", ".join(COMPETENCY_CODES)},
        )
    if len(question.get("topic") or "") > 100:
        problem("topic", _("The topic is longer than 100 characters."))
    choices = list(question.get("choices") or [])
    texts = [str(choice.get("text") or "") for choice in choices]
    if kind in CHOICE_KINDS:
        correct = sum(1 for choice in choices if choice.get("correct"))
        if len(choices) < 2:
            problem("choices", _("A choice question needs at least two choices."))
        if any(not text.strip() for text in texts):
            problem("choices", _("A choice is empty."))
        if any(len(text) > 500 for text in texts):
            problem("choices", _("A choice is longer than 500 characters."))
        if kind == Question.Kind.MULTIPLE and correct == 0:
            problem("choices", _("No choice is marked correct."))
        if kind != Question.Kind.MULTIPLE and correct != 1:
            problem("choices", _("Exactly one choice must be correct, not %(count)d.") % {"count": correct})
        if kind == Question.Kind.TRUE_FALSE and texts != TRUE_FALSE_TEXTS:
            problem("choices", _("A true/false question has the choices True and False, in that order."))
    elif choices:
        problem("choices", _("Only choice questions have choices."))
    if kind == Question.Kind.NUMERIC:
        answer, tolerance = question.get("numeric_answer"), question.get("numeric_tolerance")
        if not isinstance(answer, Decimal):
            problem("numeric_answer", _("A numeric question needs its answer."))
        elif message := decimal_problem(answer):
            problem("numeric_answer", message)
        if not isinstance(tolerance, Decimal) or (tolerance.is_finite() and tolerance < 0):
            problem("numeric_tolerance", _("The tolerance must be a number of at least 0."))
        elif message := decimal_problem(tolerance):
            problem("numeric_tolerance", message)
    if kind == Question.Kind.SHORT_TEXT:
        answers = question.get("accepted_answers") or []
        if not answers or any(not str(answer).strip() for answer in answers):
            problem("accepted_answers", _("A short text question needs its accepted answers, none empty."))
    scenario = question.get("scenario")
    if isinstance(scenario, Mapping):
        if not str(scenario.get("title") or "").strip() or not str(scenario.get("text") or "").strip():
            problem("scenario", _("A scenario needs a title and a text."))
        elif len(scenario["title"]) > 200:
            problem("scenario", _("The scenario title is longer than 200 characters."))
    return errors


def question_problems(question: Mapping) -> list[str]:
    """The problems of ``question_errors`` as a list of sentences, for the imports' reports
    (each prefixed there with its line or row number)."""
    return [message for messages in question_errors(question).values() for message in messages]
