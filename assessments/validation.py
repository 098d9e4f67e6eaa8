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
from typing import Any

from django.utils.translation import gettext as _

from assessments.models import Question
from courses.models import COMPETENCY_CODES

CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE)
MAX_CHOICES = 100
MAX_PARTIAL_ANSWERS = 20
HUNDRED = Decimal(100)
# The stored texts of a true/false question's two choices (translated when shown).
TRUE_FALSE_TEXTS = ["True", "False"]


def _places_over(value: Decimal, places: int) -> bool:
    """Whether ``value`` (finite) has more than ``places`` decimal places. Read from its
    digits, not by rounding: a value such as 1E-999999999 must not raise."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: an exponent letter ("n", "N", "F") only for NaN and infinity
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return value != 0 and exponent + trailing_zeros < -places


def decimal_problem(value: Decimal) -> str | None:
    """Why a number cannot be stored as an answer or tolerance (14 digits, 4 decimals)."""
    if not value.is_finite():
        return _("%(value)s is not a number.") % {"value": value}
    # ``adjusted`` is the exponent of the leading digit: no arithmetic, so no overflow.
    if value != 0 and value.adjusted() >= 10:
        return _("%(value)s is too large.") % {"value": value}
    if _places_over(value, 4):
        return _("%(value)s has more than 4 decimal places.") % {"value": value}
    return None


def question_errors(question: Mapping[str, Any]) -> dict[str, list[str]]:
    """Why the question cannot be stored, by field (``{}`` when it can).

    Keys are ``question_create``'s arguments: ``kind``, ``text``, ``points``,
    ``competency``, ``topic``, ``choices`` (the rows as a whole, with their ``correct``
    marks and optional ``weight`` credits in percent), ``numeric_answer``,
    ``numeric_tolerance``, ``numeric_partial_answers``, ``accepted_answers`` and ``scenario`` (a new scenario given as
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
    elif points >= 1000 or _places_over(points, 2):
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
        weights = [choice.get("weight") for choice in choices]
        if len(choices) < 2:
            problem("choices", _("A choice question needs at least two choices."))
        if len(choices) > MAX_CHOICES:
            problem("choices", _("A question has at most %(count)d choices.") % {"count": MAX_CHOICES})
        if any(not text.strip() for text in texts):
            problem("choices", _("A choice is empty."))
        if any(len(text) > 500 for text in texts):
            problem("choices", _("A choice is longer than 500 characters."))
        if any(weight is not None for weight in weights):
            for weight_message in _weight_problems(kind, choices):
                problem("choices", weight_message)
        else:
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
    partial = list(question.get("numeric_partial_answers") or [])
    if partial and kind != Question.Kind.NUMERIC:
        problem("numeric_partial_answers", _("Only numeric questions have answers for part of the points."))
    elif partial:
        for message in _partial_answer_problems(partial):
            problem("numeric_partial_answers", message)
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


def number_text(value: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros (``50``, ``33.33333``);
    for a stored credit or one already bounded by the rules."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def choice_is_correct(kind: str, weight: Decimal) -> bool:
    """Whether a choice with this credit counts as a right answer (what ``correct`` must say):
    full credit for single choice, any credit for multiple choice."""
    return weight == HUNDRED if kind != Question.Kind.MULTIPLE else weight > 0


def _weight_problems(kind: str, choices: list[Mapping[str, Any]]) -> list[str]:
    """Credits per choice follow Moodle's rules: every choice has one (-100 to 100, at most
    5 decimal places); single choice: the best earns exactly 100; multiple choice: the
    positive credits add up to 100 (rounded to the whole percent, as Moodle rounds them)."""
    if kind == Question.Kind.TRUE_FALSE:
        return [_("A true/false question has no credits per choice.")]
    weights = [choice.get("weight") for choice in choices]
    if any(weight is None for weight in weights):
        return [_("Give a credit to every choice, or to none.")]
    problems = []
    if not all(isinstance(weight, Decimal) and weight.is_finite() for weight in weights):
        return [_("A credit is not a number.")]
    credits = [weight for weight in weights if isinstance(weight, Decimal)]  # all of them, as just checked
    if any(not -HUNDRED <= weight <= HUNDRED for weight in credits):
        return [_("A credit is between -100 and 100 percent.")]
    if any(_places_over(weight, 5) for weight in credits):
        problems.append(_("A credit has at most 5 decimal places."))
    if kind == Question.Kind.SINGLE and max(credits) != HUNDRED:
        problems.append(
            _("The best choice of a single-choice question earns 100%%, not %(best)s%%.")
            % {"best": number_text(max(credits))}
        )
    if kind == Question.Kind.MULTIPLE:
        total = sum((weight for weight in credits if weight > 0), Decimal(0))
        if not Decimal("99.5") <= total < Decimal("100.5"):
            problems.append(
                _("The positive credits of a multiple-choice question add up to 100%%, not %(total)s%%.")
                % {"total": number_text(total)}
            )
    if any(
        choice.get("correct") and not choice_is_correct(kind, weight)
        for choice, weight in zip(choices, credits, strict=True)
    ):
        problems.append(_("A choice marked correct earns too little credit to be a right answer."))
    return problems


def _partial_answer_problems(answers: list[object]) -> list[str]:
    """Numeric answers for part of the points: each a number, a tolerance of at least 0 and a
    credit from 0 to 100 (a 0 answer matters: checked in order, it stops a later range)."""
    if len(answers) > MAX_PARTIAL_ANSWERS:
        return [_("At most %(count)d answers for part of the points.") % {"count": MAX_PARTIAL_ANSWERS}]
    problems = []
    for entry in answers:
        if not isinstance(entry, Mapping):
            problems.append(_("An answer for part of the points needs a number, a tolerance and a credit."))
            continue
        answer, tolerance, weight = entry.get("answer"), entry.get("tolerance"), entry.get("weight")
        if not (
            isinstance(answer, Decimal)
            and isinstance(tolerance, Decimal)
            and isinstance(weight, Decimal)
            and answer.is_finite()
            and tolerance.is_finite()
            and weight.is_finite()
        ):
            problems.append(_("An answer for part of the points needs a number, a tolerance and a credit."))
            continue
        if message := decimal_problem(answer) or decimal_problem(tolerance):
            problems.append(message)
        if tolerance < 0:
            problems.append(_("The tolerance must be a number of at least 0."))
        if not 0 <= weight <= HUNDRED or _places_over(weight, 5):
            problems.append(_("A credit is between 0 and 100 percent, with at most 5 decimal places."))
    return problems


def question_problems(question: Mapping[str, Any]) -> list[str]:
    """The problems of ``question_errors`` as a list of sentences, for the imports' reports
    (each prefixed there with its line or row number)."""
    return [message for messages in question_errors(question).values() for message in messages]
