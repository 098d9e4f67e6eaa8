"""Read Moodle's GIFT text format into ``question_create`` keyword dicts, as Moodle reads it.

The reference is Moodle's own reader (``question/format/gift/format.php``); the README's
"Question banks: CSV and GIFT" tells trainers the same rules.

- Questions are separated by blank lines; ``//`` lines are comments; ``$CATEGORY: a/b/c``
  makes ``c`` the topic of the questions after it; ``::title::`` is dropped (Moodle
  fills it with the first words of the text, which would make poor topics); text after
  the braces stays, with ``_____`` where they were (Moodle's missing word); ``####text``
  (the last one) is the explanation; ``#feedback`` after an answer is dropped.
- The kind follows from the text between the braces, in Moodle's order: empty: essay;
  ``#...``: numeric; any ``~``: choice (even with ``->`` in an answer); ``=`` with
  ``->``: matching (refused); exactly ``T``, ``TRUE``, ``F`` or ``FALSE`` (upper case,
  before any ``#``): true/false; anything else: short text (a bare ``{One}`` accepts
  "One", ``{true}`` accepts "true").
- Choice: single choice when there is an ``=`` answer, else multiple choice. Every choice
  gets Moodle's credit (``weight``): ``=`` 100, ``~%n%`` n, other ``~`` (and text before
  the first separator) 0. So ``{=a ~%50%b ~c}`` is single choice where b earns half the
  points, ``{~%100%a ~b}`` multiple choice where b costs nothing. ``=%50%x`` (Moodle: a
  right answer whose text is "%50%x") is refused.
- Numeric: after the ``#``, everything from the first ``~`` is feedback for wrong
  answers (dropped); the rest is ``=``-separated answers ``[%n%]value[#feedback]``, the
  value ``a``, ``a:tolerance`` or ``min..max`` (midpoint and half-width), the credit
  100 unless given. Moodle grades by the first answer holding the response; the bank
  checks the full-credit range first, so the first 100% answer becomes
  ``numeric_answer``/``numeric_tolerance`` and the others, in file order,
  ``numeric_partial_answers`` (the key is there only when there are some, as the CSV
  reader gives it). An answer before it that overlaps its range is refused.
- Short text: ``=``-separated answers, each fully right (``%100%`` or no weight).
- Formats (Moodle's ``parse_text_with_format``): ``[moodle]``, ``[html]``, ``[plain]`` or
  ``[markdown]`` (lower case) at the start of the question text sets its format (default
  ``moodle``; another bracketed word is text);
  choices and the explanation take it unless they carry their own marker. ``moodle``
  and ``html`` become text in paragraphs (``assessments.html_text``), ``plain`` and
  ``markdown`` stay as written. Short text and numeric answers are compared as written,
  as Moodle does: only their marker is removed.
- Escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` (a new line).

Refused, each with its line number: matching, descriptions without braces, several
answer sets, partial credit or wildcards (``*``) on short text, numeric answers with no
100% one, a negative credit or an overlap as above, ``=%n%`` in a choice question, a
malformed ``%weight%``, unknown escapes, empty answers, bad numbers, anything
``validation.question_problems`` refuses, and (with ``max_questions``) a file too long.
Points are 1 and competency empty: GIFT has neither.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from assessments.html_text import html_to_text, moodle_to_text
from assessments.models import Question
from assessments.validation import choice_is_correct, question_problems

SPECIAL = "~=#{}:"
ESCAPES = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
# Moodle's format names, matched case-sensitively as Moodle does.
FORMATS = frozenset({"moodle", "html", "plain", "markdown"})
DEFAULT_FORMAT = "moodle"
# Moodle's $giftanswerweightregex; the weight is everything between the two % signs.
WEIGHT = re.compile(r"^%(-*)[0-9]{1,2}\.?[0-9]*%")
# Something meant as a weight that Moodle would read as part of the answer text.
WEIGHT_LIKE = re.compile(r"^%[^%\s]*%")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
MISSING_WORD = "_____"
HUNDRED = Decimal(100)
MAX_EXPONENT = 20


class ImportProblems(Exception):
    """Every problem found in an imported file, as (line or row number, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = sorted(problems, key=lambda problem: problem[0])
        super().__init__("; ".join(f"line {line}: {message}" for line, message in self.problems))


def question_dict(**fields) -> dict:
    """A question in the keyword shape of ``question_create`` with its defaults filled in."""
    question = {
        "kind": "",
        "text": "",
        "points": Decimal("1"),
        "choices": [],
        "explanation": "",
        "competency": "",
        "topic": "",
        "numeric_answer": None,
        "numeric_tolerance": Decimal("0"),
        "accepted_answers": [],
    }
    question.update(fields)
    return question


# A block is tokenised into (character, is_special, line) triples: an escaped character
# is never special, so "\{" is a brace in the text and "{" opens the answers.
Token = tuple[str, bool, int]
Problems = list[tuple[int, str]]


@dataclass(frozen=True)
class Answer:
    """One answer between the braces: its separator (``=``, ``~``, or ``""`` for text
    before the first one), its text as written (feedback and weight removed, format
    marker kept), its ``%n%`` weight if any, and the line it starts on."""

    prefix: str
    text: str
    weight: Decimal | None
    line: int


def gift_parse(text: str, *, max_questions: int | None = None) -> list[dict]:
    """Parse a GIFT file into question dicts, or raise ``ImportProblems`` with every problem.

    With ``max_questions``, reading stops at the first line of the question past the limit
    and the file is refused (with the problems found so far), so a huge file costs little.
    """
    problems: Problems = []
    questions: list[dict] = []
    topic = ""
    block: list[tuple[int, str]] = []
    started = 0

    def flush() -> None:
        if block:
            question, block_problems = _question_parse(block, topic)
            problems.extend(block_problems)
            if question is not None:
                questions.append(question)
            block.clear()

    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:"):
            flush()
            topic = stripped.removeprefix("$CATEGORY:").strip().rstrip("/").rsplit("/", 1)[-1].strip()
            if len(topic) > 100:
                problems.append((number, _("The category name is longer than 100 characters.")))
            continue
        if not stripped:
            flush()
            continue
        if not block:
            started += 1
            if max_questions is not None and started > max_questions:
                message = _("The file holds more than %(count)d questions; split it.") % {"count": max_questions}
                raise ImportProblems([*problems, (number, message)])
        block.append((number, line))
    flush()
    if not questions and not problems:
        problems.append((1, _("The file holds no question.")))
    if problems:
        raise ImportProblems(problems)
    return questions


def _tokenise(block: list[tuple[int, str]]) -> tuple[list[Token], Problems]:
    tokens: list[Token] = []
    problems = []
    for number, line in block:
        if tokens:
            tokens.append(("\n", False, number))
        characters = iter(line)
        for character in characters:
            if character == "\\":
                escaped = next(characters, "")
                if escaped in ESCAPES:
                    tokens.append((ESCAPES[escaped], False, number))
                else:
                    problems.append((number, _("Unknown escape \\%(character)s.") % {"character": escaped}))
            else:
                tokens.append((character, character in SPECIAL, number))
    return tokens, problems


def _plain(tokens: list[Token]) -> str:
    return "".join(character for character, _special, _line in tokens)


def _is(token: Token, character: str) -> bool:
    return token[1] and token[0] == character


def _find(tokens: list[Token], character: str) -> int:
    """The index of the first special ``character``, or -1."""
    return next((index for index, token in enumerate(tokens) if _is(token, character)), -1)


def _trimmed(tokens: list[Token]) -> list[Token]:
    start, end = 0, len(tokens)
    while start < end and tokens[start][0].isspace():
        start += 1
    while end > start and tokens[end - 1][0].isspace():
        end -= 1
    return tokens[start:end]


def _question_parse(block: list[tuple[int, str]], topic: str) -> tuple[dict | None, Problems]:
    start = block[0][0]
    tokens, problems = _tokenise(block)
    if problems:
        return None, problems
    opening = [index for index, token in enumerate(tokens) if _is(token, "{")]
    closing = [index for index, token in enumerate(tokens) if _is(token, "}")]
    if not opening:
        if closing:
            return None, [(tokens[closing[0]][2], _("A } closes no answer set."))]
        return None, [(start, _("No answer set in braces: descriptions are not supported."))]
    first = opening[0]
    after = [index for index in closing if index > first]
    if not after:
        return None, [(tokens[first][2], _("Unclosed brace: { without a matching }."))]
    last = after[0]
    if len(opening) > 1 or len(closing) > 1:
        extra = (opening[1:] + [index for index in closing if index != last])[0]
        return None, [(tokens[extra][2], _("One answer set per question: an extra { or } (escape it as \\{ or \\})."))]

    head, body, tail = tokens[:first], tokens[first + 1 : last], tokens[last + 1 :]
    # "::title::" comes first; its text is dropped (see the module docstring).
    position = 0
    while position < len(head) and head[position][0].isspace():
        position += 1
    if len(head) > position + 1 and _is(head[position], ":") and _is(head[position + 1], ":"):
        for index in range(position + 2, len(head) - 1):
            if _is(head[index], ":") and _is(head[index + 1], ":"):
                head = head[index + 2 :]
                break
        else:
            return None, [(start, _("Unclosed title: :: without a closing ::."))]
    # Moodle puts the missing word's blank where the braces were, unless nothing follows.
    raw_text = _plain(head) + (MISSING_WORD + _plain(tail) if _trimmed(tail) else "")
    text_format, text = _formatted(raw_text, DEFAULT_FORMAT)
    text = _shown(text, text_format)
    if not text:
        return None, [(start, _("The question text is empty."))]

    # The last "####" starts the general feedback, which becomes the explanation.
    explanation = ""
    for index in range(len(body) - 4, -1, -1):
        if all(_is(token, "#") for token in body[index : index + 4]):
            explanation = _displayed(_plain(body[index + 4 :]), text_format)
            body = body[:index]
            break
    fields = {"text": text, "explanation": explanation, "topic": topic}
    question, problems = _answers_parse(_trimmed(body), start, text_format, fields)
    if problems:
        return None, problems
    problems = [(start, problem) for problem in question_problems(question)]
    return (None, problems) if problems else (question, [])


def _formatted(raw: str, default: str) -> tuple[str, str]:
    """Moodle's ``parse_text_with_format``: (format, text without its marker, stripped).

    A leading ``[moodle]``, ``[html]``, ``[plain]`` or ``[markdown]`` sets the format;
    any other bracketed word is part of the text, which then has ``default``."""
    text = raw.strip()
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            return text[1:end], text[end + 1 :].strip()
    return default, text


def _displayed(raw: str, default: str) -> str:
    """A text (with or without its own marker) as the platform shows it."""
    text_format, text = _formatted(raw, default)
    return _shown(text, text_format)


def _shown(text: str, text_format: str) -> str:
    """A text of the given Moodle format as the platform shows it (see the module docstring)."""
    if text_format == "html":
        return html_to_text(text)
    if text_format == "moodle":
        return moodle_to_text(text)
    return text


def _answers_parse(content: list[Token], start: int, text_format: str, fields: dict) -> tuple[dict, Problems]:
    """The question for the text between the braces, its kind chosen as Moodle chooses it."""
    if not content:
        return question_dict(kind=Question.Kind.ESSAY, **fields), []
    if _is(content[0], "#"):
        return _numeric_parse(content[1:], content[0][2], fields)
    if _find(content, "~") >= 0:
        return _choice_parse(content, start, text_format, fields)
    if _find(content, "=") >= 0 and "->" in _plain(content):
        return {}, [(content[0][2], _("Matching questions (->) are not supported."))]
    feedback = _find(content, "#")
    word = _plain(content[:feedback] if feedback > 0 else content).strip()
    if word in TRUE_FALSE:
        is_true = TRUE_FALSE[word]
        choices = [{"text": "True", "correct": is_true}, {"text": "False", "correct": not is_true}]
        return question_dict(kind=Question.Kind.TRUE_FALSE, choices=choices, **fields), []
    return _short_text_parse(content, fields)


def _answers_split(content: list[Token]) -> tuple[list[Answer], Problems]:
    """Split ``=a#feedback ~%50%b`` on its special ``=`` and ``~`` into answers; text
    before the first separator is an answer too when it is not blank (as in Moodle)."""
    segments: list[tuple[str, list[Token], int]] = []
    prefix = ""
    current: list[Token] = []
    line = content[0][2] if content else 0
    for token in content:
        if _is(token, "=") or _is(token, "~"):
            segments.append((prefix, current, line))
            prefix, current, line = token[0], [], token[2]
        else:
            current.append(token)
    segments.append((prefix, current, line))
    if not _trimmed(segments[0][1]) and segments[0][0] == "":
        segments.pop(0)
    answers, problems = [], []
    for prefix, tokens, line in segments:
        feedback = _find(tokens, "#")
        text = _plain(tokens[:feedback] if feedback >= 0 else tokens).strip()
        weight = None
        match = WEIGHT.match(text)
        if match and len(match.group(1)) <= 1:
            weight = Decimal(match.group()[1:-1])
            text = text[match.end() :].strip()
        elif bad := match or WEIGHT_LIKE.match(text):
            written = bad.group()
            problems.append(
                (line, _("Bad weight %(weight)s: write a percentage such as %%50%%.") % {"weight": written})
            )
        answers.append(Answer(prefix, text, weight, line))
    return answers, problems


def _choice_parse(content: list[Token], start: int, text_format: str, fields: dict) -> tuple[dict, Problems]:
    """Single choice if an answer is ``=``, else multiple; every choice with its credit."""
    answers, problems = _answers_split(content)
    kind = Question.Kind.SINGLE if any(answer.prefix == "=" for answer in answers) else Question.Kind.MULTIPLE
    choices: list[dict[str, Any]] = []
    for answer in answers:
        if answer.prefix == "=" and answer.weight is not None:
            percent = _percent(answer.weight)
            problems.append(
                (
                    answer.line,
                    _(
                        "=%%%(weight)s%% is not a weight in a choice question (Moodle would keep it in the "
                        "answer's text): write ~%%%(weight)s%% instead."
                    )
                    % {"weight": percent},
                )
            )
        weight = HUNDRED if answer.prefix == "=" else (answer.weight if answer.weight is not None else Decimal(0))
        text = _displayed(answer.text, text_format)
        if not text:
            problems.append((answer.line, _("An answer is empty.")))
        choices.append({"text": text, "correct": choice_is_correct(kind, weight), "weight": weight})
    if kind == Question.Kind.MULTIPLE and not any(choice["weight"] > 0 for choice in choices):
        problems.append((start, _("No correct answer: mark one with = (or a positive %weight%).")))
    return question_dict(kind=kind, choices=choices, **fields), problems


def _short_text_parse(content: list[Token], fields: dict) -> tuple[dict, Problems]:
    """Accepted answers, compared as written (only a format marker is removed)."""
    answers, problems = _answers_split(content)
    accepted = []
    for answer in answers:
        text = _formatted(answer.text, DEFAULT_FORMAT)[1]
        if answer.weight is not None and answer.weight != HUNDRED:
            problems.append((answer.line, _("Partial credit on short text answers is not supported.")))
        elif not text:
            problems.append((answer.line, _("An answer is empty.")))
        elif "*" in text:
            problems.append((answer.line, _("Wildcards (*) in short text answers are not supported.")))
        accepted.append(text)
    return question_dict(kind=Question.Kind.SHORT_TEXT, accepted_answers=accepted, **fields), problems


def _numeric_parse(content: list[Token], line: int, fields: dict) -> tuple[dict, Problems]:
    """Numeric answers as Moodle reads them, the first 100% one as the full-credit range."""
    wrong = _find(content, "~")
    if wrong >= 0:
        content = content[:wrong]  # feedback for any other value, worth 0: nothing to grade
    answers, problems = _answers_split(_trimmed(content))
    ranges: list[tuple[Decimal, Decimal, Decimal, int]] = []  # (answer, tolerance, weight, line)
    for answer in answers:
        weight = HUNDRED if answer.weight is None else answer.weight
        if not 0 <= weight <= HUNDRED:
            problems.append(
                (
                    answer.line,
                    _("A numeric answer earns from 0 to 100%%, not %(weight)s%%.") % {"weight": _percent(weight)},
                )
            )
        value = _numeric_range(_formatted(answer.text, DEFAULT_FORMAT)[1])
        if value is None:
            problems.append(
                (
                    answer.line,
                    _("Bad numeric answer %(value)r: write 12.5, 12.5:0.5 or 10..15.") % {"value": answer.text},
                )
            )
        else:
            ranges.append((*value, weight, answer.line))
    if problems:
        return {}, problems
    if not ranges:
        return {}, [(line, _("No numeric answer: write {#12.5}, {#12.5:0.5} or {#10..15}."))]
    full = next((index for index, entry in enumerate(ranges) if entry[2] == HUNDRED), None)
    if full is None:
        return {}, [(line, _("No numeric answer earns 100%: give one without a weight or with %100%."))]
    key, tolerance, _weight, _line = ranges[full]
    for other, other_tolerance, _weight, other_line in ranges[:full]:
        if other - other_tolerance <= key + tolerance and key - tolerance <= other + other_tolerance:
            problems.append(
                (
                    other_line,
                    _(
                        "This answer comes before the 100% answer and overlaps its range: Moodle would give "
                        "it first. Put the 100% answer first."
                    ),
                )
            )
    partial = [
        {"answer": other, "tolerance": other_tolerance, "weight": weight}
        for index, (other, other_tolerance, weight, _line) in enumerate(ranges)
        if index != full
    ]
    question = question_dict(kind=Question.Kind.NUMERIC, numeric_answer=key, numeric_tolerance=tolerance, **fields)
    if partial:  # as bank_csv gives it: the key only when there are some
        question["numeric_partial_answers"] = partial
    return question, problems


def _percent(weight: Decimal) -> str:
    """A weight as written in a message: 50, not 5E+1 or 50.000."""
    return format(weight.normalize(), "f")


def _number(text: str) -> Decimal | None:
    """A number as PHP's ``is_numeric`` reads it (``1e3`` included, kept as ``1000``), or None."""
    text = text.strip()
    if not NUMBER.fullmatch(text):
        return None
    number = Decimal(text)
    if abs(number.adjusted()) > MAX_EXPONENT:
        return None  # far beyond what a question stores; Decimal arithmetic would overflow
    return Decimal(format(number, "f")) if "e" in text.lower() else number


def _numeric_range(raw: str) -> tuple[Decimal, Decimal] | None:
    """(answer, tolerance) of ``a``, ``a:tolerance`` or ``min..max``, as Moodle splits
    them (a separator at the very start does not count); None when malformed."""
    if raw.find("..") > 0:
        low, high = (_number(part) for part in raw.split("..", 1))
        if low is None or high is None or low > high:
            return None
        return (low + high) / 2, (high - low) / 2
    if raw.find(":") > 0:
        value, margin = (_number(part) for part in raw.split(":", 1))
        if value is None or margin is None or margin < 0:
            return None
        return value, margin
    value = _number(raw)
    return None if value is None else (value, Decimal("0"))
