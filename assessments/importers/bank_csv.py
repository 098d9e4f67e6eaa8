"""A question bank as CSV, both ways: ``bank_csv_parse`` reads, ``bank_csv_write`` writes.

UTF-8 (a BOM is fine), comma or semicolon separated, a header row (row 1) naming the
columns in any order; ``kind`` and ``text`` are required, the others optional:

kind, text, points, choices, answer, tolerance, explanation, competency, topic,
scenario_title, scenario_text

- ``choices``: options separated by ``|`` (written `` | ``), the correct ones prefixed with
  ``*``; ``\\|`` is a ``|`` inside an option and ``\\*`` a leading star that does not mark
  it correct. True/false questions take ``*True | False`` or ``True | *False``.
  Credits per choice (Moodle's per-answer grades, percent): every option of the question
  starts with one in brackets, after the star if any: ``[100%] right | [50%] half right |
  [-100%] dangerous``; the stars may then be left out (the credits say which options are
  right, ``validation.choice_is_correct``), and a star on an option the credits do not
  make right is refused. ``\\[`` before such a bracket keeps it as text.
- ``answer``: the number of a numeric question (``12.5`` or ``12,5``), or the accepted
  answers of a short text question separated by ``|``; ``tolerance``: numeric only. A
  numeric answer may go on with answers for part of the points, each after a ``|`` with
  its credit first: ``12.5 | [50%] 10:1 | [25%] 5..20`` (``number``, ``number:tolerance``
  or ``low..high``), checked in that order after the answer.
- ``points``: above 0, 1 when empty; ``competency``: one code of ``COMPETENCY_CODES``.
- ``scenario_title`` / ``scenario_text``: rows with the same title share one scenario
  (and must repeat the same text); the import reuses a scenario of that title already
  in the bank.

A file valid before credits existed reads as before (a ``|`` in a numeric answer was
refused then), unless the text of one of its options itself begins with ``[number%]``: that
is now a credit, so the writer escapes such a text.

Spreadsheets run cells that start with ``= + - @`` as formulas, so the writer prefixes such
a cell with an apostrophe, and the reader removes one apostrophe found before one of those
characters.
"""

import csv
import io
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from assessments.importers.gift import ImportProblems, question_dict, question_problems
from assessments.models import Question, QuestionBank
from assessments.validation import choice_is_correct

COLUMNS = (
    "kind",
    "text",
    "points",
    "choices",
    "answer",
    "tolerance",
    "explanation",
    "competency",
    "topic",
    "scenario_title",
    "scenario_text",
)
REQUIRED = ("kind", "text")
FORMULA_STARTS = ("=", "+", "-", "@")
SEPARATOR = re.compile(r"(?<!\\)\|")
# A credit in percent before an option or a partly right numeric answer: "[50%] ", "[-33,3 %]".
CREDIT = re.compile(r"\[\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*%\s*\]\s*")


def bank_csv_parse(data: bytes | str, *, max_questions: int | None = None) -> list[dict]:
    """Read a bank CSV into question dicts, or raise ``ImportProblems`` (row numbers) with
    every problem; rows with no cell filled are skipped.

    With ``max_questions``, a file holding more questions is refused at the first row
    beyond the limit, without reading further (that one problem only)."""
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise ImportProblems([(line, _("The file is not UTF-8 text."))]) from error
    data = data.lstrip("\ufeff")
    first_line = data.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = csv.reader(io.StringIO(data, newline=""), delimiter=delimiter)
    number = 0  # the last row read; read one by one so that a limit stops early
    try:
        first = next(rows, None)
        if first is None:
            raise ImportProblems([(1, _("The file is empty: a header row is required."))])
        number = 1
        header = [cell.strip().lower() for cell in first]
        problems = _header_problems(header)
        if problems:
            raise ImportProblems(problems)

        questions: list[dict] = []
        held = 0
        scenarios: dict[str, tuple[str, int]] = {}
        for cells in rows:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            held += 1
            if max_questions is not None and held > max_questions:
                message = _("The file holds more than %(count)d questions; split it.") % {"count": max_questions}
                raise ImportProblems([(number, message)])
            if any(cell.strip() for cell in cells[len(header) :]):
                problems.append((number, _("The row has more cells than the header.")))
                continue
            row = {column: _unprotect(cell) for column, cell in zip(header, cells, strict=False)}
            question, row_problems = _row_parse(row)
            scenario = question.get("scenario")
            if scenario and not row_problems:
                seen = scenarios.setdefault(scenario["title"], (scenario["text"], number))
                if seen[0] != scenario["text"]:
                    row_problems.append(
                        _("Scenario %(title)r has another text on row %(row)d.")
                        % {"title": scenario["title"], "row": seen[1]}
                    )
            problems.extend((number, problem) for problem in row_problems)
            questions.append(question)
    except csv.Error as error:
        problem = _("The file is not valid CSV: %(error)s.") % {"error": error}
        raise ImportProblems([(number + 1, problem)]) from error
    if not questions and not problems:
        problems.append((1, _("The file holds no question.")))
    if problems:
        raise ImportProblems(problems)
    return questions


def _header_problems(header: list[str]) -> list[tuple[int, str]]:
    problems = []
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        problems.append(
            (
                1,
                _("Unknown column(s) %(unknown)s: use %(columns)s.")
                % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)},
            )
        )
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        problems.append((1, _("Repeated column(s): %(columns)s.") % {"columns": ", ".join(repeated)}))
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        problems.append((1, _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}))
    return problems


def _unprotect(cell: str) -> str:
    if cell.startswith("'") and cell[1:2] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _protect(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _split(cell: str) -> list[str]:
    return [part.strip().replace("\\|", "|") for part in SEPARATOR.split(cell)] if cell.strip() else []


def _decimal(cell: str) -> Decimal | None:
    try:
        value = Decimal(cell.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _credit(text: str) -> tuple[Decimal | None, str]:
    """The credit a text starts with (``[50%] ...``), if any, and the text after it."""
    match = CREDIT.match(text)
    if match is None:
        return None, text
    return Decimal(match.group(1).replace(",", ".")), text[match.end() :]


def _option_parse(option: str) -> dict:
    """One option of ``choices``: ``{"text", "correct"}``, with ``"weight"`` when it has a credit."""
    if option.startswith("\\*"):
        return {"text": option[1:], "correct": False}
    correct = option.startswith("*")
    text = option[1:].strip() if correct else option
    if text.startswith("\\[") and CREDIT.match(text, 1):
        return {"text": text[1:], "correct": correct}
    weight, text = _credit(text)
    return (
        {"text": text, "correct": correct} if weight is None else {"text": text, "correct": correct, "weight": weight}
    )


def _choices_parse(kind: str, cell: str) -> list[dict]:
    choices = [_option_parse(option) for option in _split(cell)]
    if any("weight" in choice for choice in choices):
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            # The credits say which options are right; a star only confirms (and is checked).
            for choice in choices:
                if "weight" in choice and not choice["correct"]:
                    choice["correct"] = choice_is_correct(kind, choice["weight"])
        return choices
    if kind == Question.Kind.TRUE_FALSE:
        # Written "True"/"False" in any case and order; stored in the canonical order.
        by_text = {choice["text"].lower(): choice["correct"] for choice in choices}
        if len(choices) == 2 and set(by_text) == {"true", "false"}:
            choices = [{"text": "True", "correct": by_text["true"]}, {"text": "False", "correct": by_text["false"]}]
    return choices


def _partial_answer_parse(part: str) -> tuple[dict | None, str | None]:
    """``[50%] 10:1``, ``[50%] 10`` or ``[50%] 5..20`` as ``{"answer", "tolerance", "weight"}``,
    or why not."""
    weight, spec = _credit(part)
    if weight is None:
        return None, _("The answer for part of the points %(value)r needs its credit first, as in [50%%] 10:1.") % {
            "value": part
        }
    if ".." in spec:
        low, high = (_decimal(bound) for bound in spec.split("..", 1))
        if low is not None and high is not None and low <= high:
            return {"answer": (low + high) / 2, "tolerance": (high - low) / 2, "weight": weight}, None
    elif ":" in spec:
        answer, tolerance = (_decimal(value) for value in spec.split(":", 1))
        if answer is not None and tolerance is not None:
            return {"answer": answer, "tolerance": tolerance, "weight": weight}, None
    elif (answer := _decimal(spec)) is not None:
        return {"answer": answer, "tolerance": Decimal("0"), "weight": weight}, None
    return None, _("The answer for part of the points %(value)r is not a number, number:tolerance or low..high.") % {
        "value": part
    }


def _row_parse(row: dict[str, str]) -> tuple[dict, list[str]]:
    kind = row.get("kind", "").strip().lower()
    question = question_dict(
        kind=kind,
        text=row.get("text", "").strip(),
        explanation=row.get("explanation", "").strip(),
        competency=row.get("competency", "").strip().upper(),
        topic=row.get("topic", "").strip(),
    )
    problems = []
    points = row.get("points", "").strip()
    if points:
        question["points"] = _decimal(points)
    question["choices"] = _choices_parse(kind, row.get("choices", ""))
    answer, tolerance = row.get("answer", "").strip(), row.get("tolerance", "").strip()
    if kind == Question.Kind.NUMERIC:
        first, *partly = _split(answer) or [""]
        question["numeric_answer"] = _decimal(first) if first else None
        if first and question["numeric_answer"] is None:
            problems.append(_("The answer %(value)r is not a number.") % {"value": first})
            question["numeric_answer"] = Decimal("0")  # reported above; not again as missing
        if tolerance:
            question["numeric_tolerance"] = _decimal(tolerance)
        if partly:
            question["numeric_partial_answers"] = []
            for part in partly:
                entry, problem = _partial_answer_parse(part)
                if problem:
                    problems.append(problem)
                else:
                    question["numeric_partial_answers"].append(entry)
    elif kind == Question.Kind.SHORT_TEXT:
        question["accepted_answers"] = _split(answer)
    elif answer or tolerance:
        problems.append(_("Only numeric and short text questions take an answer or a tolerance."))
    title, text = row.get("scenario_title", "").strip(), row.get("scenario_text", "").strip()
    if title or text:
        question["scenario"] = {"title": title, "text": text}
    problems += [problem for problem in question_problems(question) if problem not in problems]
    return question, problems


def _option_cell(choice: Mapping, *, with_credit: bool) -> str:
    text = choice["text"].replace("|", "\\|")
    if with_credit:
        # After a credit the text is read as it is: no star or bracket to escape.
        return f"[{_number(choice['weight'])}%] {text}"
    if CREDIT.match(text):
        text = "\\" + text
    if choice["correct"]:
        return "*" + text
    return ("\\" if text.startswith("*") else "") + text


def question_row(question: dict) -> dict[str, str]:
    """One question dict as CSV cells (before formula protection)."""
    kind = question["kind"]
    with_credit = any(choice.get("weight") is not None for choice in question["choices"])
    choices = [_option_cell(choice, with_credit=with_credit) for choice in question["choices"]]
    if kind == Question.Kind.NUMERIC:
        answer = " | ".join(
            [
                _number(question["numeric_answer"]),
                *(
                    f"[{_number(entry['weight'])}%] {_number(entry['answer'])}"
                    + (f":{_number(entry['tolerance'])}" if entry["tolerance"] else "")
                    for entry in question.get("numeric_partial_answers") or ()
                ),
            ]
        )
    elif kind == Question.Kind.SHORT_TEXT:
        answer = " | ".join(text.replace("|", "\\|") for text in question["accepted_answers"])
    else:
        answer = ""
    scenario = question.get("scenario") or {"title": "", "text": ""}
    return {
        "kind": str(kind),
        "text": question["text"],
        "points": _number(question["points"]),
        "choices": " | ".join(choices),
        "answer": answer,
        "tolerance": _number(question["numeric_tolerance"]) if kind == Question.Kind.NUMERIC else "",
        "explanation": question["explanation"],
        "competency": question["competency"],
        "topic": question["topic"],
        "scenario_title": scenario["title"],
        "scenario_text": scenario["text"],
    }


def _number(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def bank_csv_write(questions: Iterable[dict]) -> str:
    """Question dicts as CSV text in the documented format (header included)."""
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for question in questions:
        writer.writerow({column: _protect(cell) for column, cell in question_row(question).items()})
    return output.getvalue()


def _choice_dict(choice) -> dict:
    if choice.weight is None:
        return {"text": choice.text, "correct": choice.is_correct}
    return {"text": choice.text, "correct": choice.is_correct, "weight": choice.weight}


def bank_questions(bank: QuestionBank) -> list[dict]:
    """The bank's live (not archived) questions as question dicts, in bank order: a choice
    has a ``weight`` only with a credit, a question ``numeric_partial_answers`` (Decimals)
    only when it has some, as ``bank_csv_parse`` reads them."""
    questions = (
        Question.objects.filter(bank=bank, is_archived=False)
        .select_related("scenario")
        .prefetch_related("choices")
        .order_by("pk")
    )
    return [
        question_dict(
            kind=question.kind,
            text=question.text,
            points=question.points,
            choices=[_choice_dict(choice) for choice in question.choices.all()],
            explanation=question.explanation,
            competency=question.competency,
            topic=question.topic,
            numeric_answer=question.numeric_answer,
            numeric_tolerance=question.numeric_tolerance,
            accepted_answers=list(question.accepted_answers),
            **(
                {
                    "numeric_partial_answers": [
                        {name: Decimal(entry[name]) for name in ("answer", "tolerance", "weight")}
                        for entry in question.numeric_partial_answers
                    ]
                }
                if question.numeric_partial_answers
                else {}
            ),
            **(
                {"scenario": {"title": question.scenario.title, "text": question.scenario.text}}
                if question.scenario
                else {}
            ),
        )
        for question in questions
    ]


def bank_csv_export(bank: QuestionBank) -> str:
    """The bank's live questions as CSV (two queries)."""
    return bank_csv_write(bank_questions(bank))
