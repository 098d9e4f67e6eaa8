"""Read Moodle's GIFT text format into ``question_create`` keyword dicts.

The supported subset (the README's "Question banks: CSV and GIFT" lists it for trainers):

- questions are separated by blank lines and may span several lines; lines starting with
  ``//`` are comments; ``$CATEGORY: a/b/c`` sets the topic of the questions after it to
  its last part (``c``); ``::title::`` is read and dropped (Moodle fills it with the
  first words of the text, which would make poor topics); ``[plain]``, ``[markdown]``
  and ``[html]`` markers are dropped (``[html]`` text also loses its tags);
- ``{=right ~wrong}``: one correct answer is single choice, several (``=`` or a positive
  ``~%50%`` weight) multiple choice; weights only say which answers are correct, the
  grading rule is the bank's own partial-credit rule;
- ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}``: true/false; ``{=a =b}`` (only ``=`` answers):
  short text with accepted answers; ``{#12.5:0.5}`` ``{#12.5}`` ``{#10..15}`` (midpoint
  and half-width) ``{#=12.5:0.5}``: numeric; ``{}``: essay;
- ``#feedback`` after an answer is dropped (choices carry no feedback here); ``####text``
  is the question's explanation; text after the braces stays in the question, with
  ``_____`` where the braces were (Moodle's missing word);
- escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` (a new line).

Everything else (matching ``->``, several answer sets, several numeric answers, partial
credit on short answers, descriptions without braces) is refused with its line number.
Points are 1 and competency empty: GIFT has neither.
"""

import html
import re
from decimal import Decimal, InvalidOperation

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from assessments.models import Question
from assessments.validation import question_problems

SPECIAL = "~=#{}:"
ESCAPES = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
FORMAT_MARKER = re.compile(r"^\s*\[(plain|markdown|html|moodle)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
MISSING_WORD = "_____"


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


def gift_parse(text: str) -> list[dict]:
    """Parse a GIFT file into question dicts, or raise ``ImportProblems`` with every problem."""
    problems: list[tuple[int, str]] = []
    questions: list[dict] = []
    topic = ""
    block: list[tuple[int, str]] = []

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
        block.append((number, line))
    flush()
    if not questions and not problems:
        problems.append((1, _("The file holds no question.")))
    if problems:
        raise ImportProblems(problems)
    return questions


def _tokenise(block: list[tuple[int, str]]) -> tuple[list[Token], list[tuple[int, str]]]:
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


def _question_parse(block: list[tuple[int, str]], topic: str) -> tuple[dict | None, list[tuple[int, str]]]:
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
    if position + 1 < len(head) and _is(head[position], ":") and _is(head[position + 1], ":"):
        for index in range(position + 2, len(head) - 1):
            if _is(head[index], ":") and _is(head[index + 1], ":"):
                head = head[index + 2 :]
                break
        else:
            return None, [(start, _("Unclosed title: :: without a closing ::."))]
    text = _text(_plain(head))
    tail_text = _text(_plain(tail))
    if tail_text:
        text = f"{text} {MISSING_WORD} {tail_text}".strip()
    if not text:
        return None, [(start, _("The question text is empty."))]

    # "####" starts the general feedback, which becomes the explanation.
    explanation = ""
    for index in range(len(body) - 3):
        if all(_is(token, "#") for token in body[index : index + 4]):
            explanation = _text(_plain(body[index + 4 :]))
            body = body[:index]
            break
    question, answer_problems = _answers_parse(body, start, text=text, explanation=explanation, topic=topic)
    if answer_problems:
        return None, answer_problems
    problems = [(start, problem) for problem in question_problems(question)]
    return (None, problems) if problems else (question, [])


def _text(raw: str) -> str:
    match = FORMAT_MARKER.match(raw)
    if match:
        raw = raw[match.end() :]
        if match.group(1).lower() == "html":
            raw = html.unescape(strip_tags(raw))
    return raw.strip()


def _answers_parse(body: list[Token], start: int, **fields) -> tuple[dict, list[tuple[int, str]]]:
    content = list(body)
    while content and content[0][0].isspace():
        content.pop(0)
    while content and content[-1][0].isspace():
        content.pop()
    if not content:
        return question_dict(kind=Question.Kind.ESSAY, **fields), []
    line = content[0][2]
    if _is(content[0], "#"):
        return _numeric_parse(content[1:], line, **fields)
    word = _plain(_before_feedback(content)).strip().upper()
    if word in TRUE_FALSE:
        is_true = TRUE_FALSE[word]
        choices = [{"text": "True", "correct": is_true}, {"text": "False", "correct": not is_true}]
        return question_dict(kind=Question.Kind.TRUE_FALSE, choices=choices, **fields), []
    answers, problems = _answers_split(content)
    if problems:
        return {}, problems
    if any("->" in answer_text for _prefix, _weight, answer_text, _line in answers):
        return {}, [(line, _("Matching questions (->) are not supported."))]
    if all(prefix == "=" for prefix, _weight, _text, _line in answers):
        partial = [answer_line for _prefix, weight, _text, answer_line in answers if weight not in (None, 100)]
        if partial:
            return {}, [(partial[0], _("Partial credit on short text answers is not supported."))]
        accepted = [answer_text for _prefix, _weight, answer_text, _line in answers]
        return question_dict(kind=Question.Kind.SHORT_TEXT, accepted_answers=accepted, **fields), []
    choices = [
        {"text": answer_text, "correct": prefix == "=" or (weight is not None and weight > 0)}
        for prefix, weight, answer_text, _line in answers
    ]
    correct = sum(1 for choice in choices if choice["correct"])
    if correct == 0:
        return {}, [(start, _("No correct answer: mark one with = (or a positive %weight%)."))]
    kind = Question.Kind.SINGLE if correct == 1 else Question.Kind.MULTIPLE
    return question_dict(kind=kind, choices=choices, **fields), []


def _before_feedback(tokens: list[Token]) -> list[Token]:
    for index, token in enumerate(tokens):
        if _is(token, "#"):
            return tokens[:index]
    return tokens


def _answers_split(content: list[Token]) -> tuple[list[tuple[str, float | None, str, int]], list[tuple[int, str]]]:
    """Split ``=a#feedback ~%50%b`` into (prefix, weight, text, line) answers."""
    if not (_is(content[0], "=") or _is(content[0], "~")):
        return [], [(content[0][2], _("Answers start with = (right) or ~ (wrong)."))]
    answers, problems = [], []
    current: list[Token] = []
    prefix, line = content[0][0], content[0][2]

    def close() -> None:
        answer = _plain(_before_feedback(current)).strip()
        weight = None
        match = WEIGHT.match(answer)
        if match:
            weight = float(match.group(1))
            answer = answer[match.end() :].strip()
        answer = _text(answer)
        if not answer:
            problems.append((line, _("An answer is empty.")))
        answers.append((prefix, weight, answer, line))

    for token in content[1:]:
        if _is(token, "=") or _is(token, "~"):
            close()
            current, prefix, line = [], token[0], token[2]
        else:
            current.append(token)
    close()
    return answers, problems


def _numeric_parse(content: list[Token], line: int, **fields) -> tuple[dict, list[tuple[int, str]]]:
    while content and content[0][0].isspace():
        content = content[1:]
    if content and _is(content[0], "="):
        split, problems = _answers_split(content)
        if problems:
            return {}, problems
        if len(split) > 1:
            return {}, [(line, _("Several numeric answers are not supported: give one, with a tolerance."))]
        raw = split[0][2]
    else:
        raw = _plain(_before_feedback(content)).strip()
    bad = [(line, _("Bad numeric answer %(value)r: write 12.5, 12.5:0.5 or 10..15.") % {"value": raw})]
    try:
        if ".." in raw:
            low, high = (Decimal(part.strip()) for part in raw.split("..", 1))
            if not (low.is_finite() and high.is_finite()) or low > high:
                return {}, bad
            answer, tolerance = (low + high) / 2, (high - low) / 2
        elif ":" in raw:
            value, margin = raw.split(":", 1)
            answer, tolerance = Decimal(value.strip()), Decimal(margin.strip())
        else:
            answer, tolerance = Decimal(raw), Decimal("0")
    except InvalidOperation:
        return {}, bad
    if not (answer.is_finite() and tolerance.is_finite()) or tolerance < 0:
        return {}, bad
    question = question_dict(kind=Question.Kind.NUMERIC, numeric_answer=answer, numeric_tolerance=tolerance, **fields)
    return question, []
