"""Grading of one response and of a whole attempt: pure functions over snapshot dicts.

Nothing here touches the database or a model: ``grade`` takes a question exactly as it is
stored in ``Attempt.snapshot`` and a response exactly as it is stored in
``Answer.response``, so a regrade after a correction and the original grading give the
same result for the same inputs. All arithmetic is ``Decimal`` (points arrive as decimal
strings such as ``"1.00"``); awarded points and scores are rounded half up to 2 places,
the precision of ``Answer.points`` and ``Attempt.score``.

Rules:

* A blank response (``None``, ``{}``, ``{"choices": []}``, only whitespace) scores 0 and is
  not correct. A blank essay is not sent for review: there is nothing to read.
* A malformed response (wrong shape, unknown choice id, not a number...) scores 0 and is
  not correct; ``grade`` never raises on a response. ``response_problems`` says what is
  wrong with it, so the API can refuse it with a 400 before it is ever stored.
* Single choice and true/false: full points iff exactly the one correct choice is selected.
* Multiple choice, partial credit: ``points * max(0, (correct selected - incorrect
  selected) / number of correct choices)``, so guessing every box earns nothing; correct
  only when exactly the correct set is selected.
* Choices with credits (``weight``, percent; Moodle's per-answer grades, as GIFT
  ``~%50%`` gives them): single choice earns ``points * credit of the chosen / 100``
  (negative for a penalty); multiple choice ``points * min(1, max(0, sum of the chosen
  credits / 100))``. Correct when the whole points are earned.
* Numeric: plain decimal notation with ``.`` or ``,`` (or the Arabic decimal separator)
  as the decimal separator, Western or Arabic-Indic digits, surrounding spaces ignored;
  no exponents, thousands separators, NaN or infinity. Correct iff
  ``|value - answer| <= tolerance``, so a value exactly at the tolerance counts. Otherwise
  the first of ``numeric_partial_answers`` whose range holds the value earns its credit.
* Short text: the response and each accepted answer are normalised (Unicode NFKC,
  casefold, accents and other combining marks removed after NFKD, which also removes
  Arabic tashkeel and the hamza carried by an alef, Arabic tatweel removed, whitespace
  collapsed, punctuation around the answer stripped) and compared for equality.
* Essay: a non-blank essay waits for a trainer (``Grade(None, None, True)``).
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
NUMERIC = "numeric"
SHORT_TEXT = "short_text"
ESSAY = "essay"

# A question as ``Attempt.snapshot`` stores it and a response as ``Answer.response`` does:
# JSON objects whose shape ``response_problems`` and the snapshot builder vouch for.
SnapshotQuestion = Mapping[str, Any]
Response = Mapping[str, Any]
CHOICE_KINDS = frozenset({SINGLE, MULTIPLE, TRUE_FALSE})
TEXT_KINDS = frozenset({NUMERIC, SHORT_TEXT, ESSAY})

# Longest text accepted per kind: generous for people, small enough that nobody can
# store megabytes in an answer.
MAX_TEXT_LENGTH = {NUMERIC: 40, SHORT_TEXT: 500, ESSAY: 20_000}

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

# Digits are any Unicode decimal digits (Python's ``\d``), which ``Decimal`` accepts.
NUMBER_PATTERN = re.compile(r"[+-]?(?:\d+(?:[.,\u066b]\d*)?|[.,\u066b]\d+)")
NUMBER_SEPARATORS = str.maketrans({",": ".", "\u066b": ".", "\u2212": "-"})
ARABIC_TATWEEL = "\u0640"


@dataclass(frozen=True)
class Grade:
    """Points awarded (``None`` while a trainer has to decide), whether the response is
    correct (``None`` for an essay awaiting review) and whether it waits for review."""

    points: Decimal | None
    is_correct: bool | None
    needs_review: bool


WRONG = Grade(ZERO, False, False)


def grade(question: SnapshotQuestion, response: Response | None) -> Grade:
    """Grade one response to one snapshot question. Never raises on a bad response."""
    if response is None or response_problems(question, response) or _is_blank(response):
        return WRONG
    kind = question["kind"]
    points = _to_points(question["points"])
    if kind in (SINGLE, TRUE_FALSE):
        return _grade_single(question, response["choices"], points)
    if kind == MULTIPLE:
        return _grade_multiple(question, response["choices"], points)
    if kind == NUMERIC:
        return _grade_numeric(question, response["text"], points)
    if kind == SHORT_TEXT:
        return _grade_short_text(question, response["text"], points)
    return Grade(None, None, True)  # essay: response_problems rejected every other kind


def attempt_score(snapshot: list[SnapshotQuestion], grades: Mapping[int, Grade]) -> Decimal | None:
    """The attempt's score in percent (0-100, 2 places): points awarded over points
    available, every question weighted by its points.

    ``None`` while any question still needs review. A question of the snapshot with no
    grade was not answered and counts as 0; grades for questions outside the snapshot are
    ignored. An attempt worth no points at all scores 0, and penalties never take a score
    below 0 (as Moodle's quiz grade).
    """
    awarded = Decimal(0)
    available = Decimal(0)
    for question in snapshot:
        available += _to_points(question["points"])
        question_grade = grades.get(question["id"])
        if question_grade is None:
            continue
        if question_grade.needs_review or question_grade.points is None:
            return None
        awarded += question_grade.points
    if not available or awarded <= 0:
        return ZERO
    return (awarded * HUNDRED / available).quantize(CENT, rounding=ROUND_HALF_UP)


def response_problems(question: SnapshotQuestion, response: object) -> list[str]:
    """Why ``response`` cannot be an answer to ``question``; empty when it can.

    A blank response is fine (saving one clears an answer). Messages are for the person
    answering, translated into the active language.
    """
    if response is None:
        return []
    if not isinstance(response, Mapping):
        return [_("The answer is not in the expected format.")]
    kind = question.get("kind")
    if kind in CHOICE_KINDS:
        return _choice_problems(question, response)
    if kind in TEXT_KINDS:
        return _text_problems(kind, response)
    return [_("This question cannot be answered.")]


def normalise_short_text(text: str) -> str:
    """The form short-text answers are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(
        character
        for character in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(character) and character != ARABIC_TATWEEL
    )
    text = " ".join(unicodedata.normalize("NFC", text).split())
    start, end = 0, len(text)
    while start < end and _is_trimmable(text[start]):
        start += 1
    while end > start and _is_trimmable(text[end - 1]):
        end -= 1
    return text[start:end]


def parse_number(text: str) -> Decimal | None:
    """The number written in ``text``, or ``None`` when it is not one (see the module
    docstring for what is accepted)."""
    text = unicodedata.normalize("NFKC", text).strip().translate(NUMBER_SEPARATORS)
    if len(text) > MAX_TEXT_LENGTH[NUMERIC] or not NUMBER_PATTERN.fullmatch(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _choice_problems(question: SnapshotQuestion, response: Response) -> list[str]:
    unexpected = set(response) - {"choices"}
    if unexpected:
        return [_("This question is answered by choosing, not by writing.")]
    selected = response.get("choices")
    if selected is None:
        return []
    if not isinstance(selected, list):
        return [_("The choices must be a list of choice ids.")]
    if not all(isinstance(choice_id, int) and not isinstance(choice_id, bool) for choice_id in selected):
        return [_("Each choice must be given by its id, a whole number.")]
    problems = []
    known = {choice["id"] for choice in question.get("choices", ())}
    unknown = [choice_id for choice_id in selected if choice_id not in known]
    if unknown:
        problems.append(
            _("Not among this question's choices: %(choices)s.")
            % {"choices": ", ".join(str(choice_id) for choice_id in unknown)}
        )
    if len(set(selected)) != len(selected):
        problems.append(_("The same choice is selected more than once."))
    if question["kind"] != MULTIPLE and len(selected) > 1:
        problems.append(_("Choose only one answer."))
    return problems


def _text_problems(kind: str, response: Response) -> list[str]:
    unexpected = set(response) - {"text"}
    if unexpected:
        return [_("This question is answered by writing, not by choosing.")]
    text = response.get("text")
    if text is None:
        return []
    if not isinstance(text, str):
        return [_("The answer must be text.")]
    limit = MAX_TEXT_LENGTH[kind]
    if len(text) > limit:
        return [_("The answer is too long: at most %(limit)s characters.") % {"limit": limit}]
    if kind == NUMERIC and text.strip() and parse_number(text) is None:
        return [_("Enter a number, such as 12.5 or 12,5.")]
    return []


def _is_blank(response: Response | None) -> bool:
    if not response:
        return True
    value = next(iter(response.values()))  # response_problems allowed exactly one key
    if isinstance(value, str):
        return not value.strip()
    return not value


def _weights(question: SnapshotQuestion) -> dict[int, Decimal] | None:
    """The credit of each choice id in percent, or None when the question has none."""
    choices = question["choices"]
    if not choices or any(choice.get("weight") is None for choice in choices):
        return None
    return {choice["id"]: Decimal(str(choice["weight"])) for choice in choices}


def _share_grade(points: Decimal, share: Decimal) -> Grade:
    awarded = (points * share).quantize(CENT, rounding=ROUND_HALF_UP)
    return Grade(awarded, awarded == points, False)


def _grade_single(question: SnapshotQuestion, selected: list[int], points: Decimal) -> Grade:
    weights = _weights(question)
    if weights is not None:
        return _share_grade(points, weights[selected[0]] / HUNDRED) if len(selected) == 1 else WRONG
    correct = {choice["id"] for choice in question["choices"] if choice["correct"]}
    if len(correct) == 1 and set(selected) == correct:
        return Grade(points, True, False)
    return WRONG


def _grade_multiple(question: SnapshotQuestion, selected: list[int], points: Decimal) -> Grade:
    chosen = set(selected)
    weights = _weights(question)
    if weights is not None:
        total = sum((weights[choice_id] for choice_id in chosen), Decimal(0))
        return _share_grade(points, min(Decimal(1), max(Decimal(0), total / HUNDRED)))
    correct = {choice["id"] for choice in question["choices"] if choice["correct"]}
    if not correct:
        return WRONG  # nothing to find: the question is broken, never a free mark
    right = len(chosen & correct)
    wrong = len(chosen - correct)
    share = max(Decimal(0), Decimal(right - wrong) / len(correct))
    return Grade((points * share).quantize(CENT, rounding=ROUND_HALF_UP), chosen == correct, False)


def _in_range(value: Decimal, answer: object, tolerance: object) -> bool:
    # Compared against the bounds rather than subtracting, so a very long input is never
    # rounded by the decimal context into (or out of) the tolerance.
    answer = Decimal(str(answer))
    tolerance = abs(Decimal(str(tolerance or 0)))
    return answer - tolerance <= value <= answer + tolerance


def _grade_numeric(question: SnapshotQuestion, text: str, points: Decimal) -> Grade:
    value = parse_number(text)
    if value is None or question.get("numeric_answer") is None:
        return WRONG
    if _in_range(value, question["numeric_answer"], question.get("numeric_tolerance")):
        return Grade(points, True, False)
    for partial in question.get("numeric_partial_answers") or ():
        if _in_range(value, partial["answer"], partial["tolerance"]):
            return _share_grade(points, Decimal(str(partial["weight"])) / HUNDRED)
    return WRONG


def _grade_short_text(question: SnapshotQuestion, text: str, points: Decimal) -> Grade:
    given = normalise_short_text(text)
    accepted = {normalise_short_text(answer) for answer in question.get("accepted_answers", ())}
    accepted.discard("")
    if given in accepted:
        return Grade(points, True, False)
    return WRONG


def _to_points(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _is_trimmable(character: str) -> bool:
    return character.isspace() or unicodedata.category(character).startswith("P")
