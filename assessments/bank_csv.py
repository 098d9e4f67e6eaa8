"""A question bank as CSV, both ways: ``bank_csv_parse`` reads, ``bank_csv_write`` writes.

UTF-8 (a BOM is fine), comma or semicolon separated, a header row (row 1) naming the
columns in any order; ``kind`` and ``text`` are required, the others optional:

kind, text, points, choices, answer, tolerance, explanation, competency, topic,
scenario_title, scenario_text

- ``choices``: options separated by ``|`` (written `` | ``), the correct ones prefixed with
  ``*``; ``\\|`` is a ``|`` inside an option and ``\\*`` a leading star that does not mark
  it correct. True/false questions take ``*True | False`` or ``True | *False``.
- ``answer``: the number of a numeric question (``12.5`` or ``12,5``), or the accepted
  answers of a short text question separated by ``|``; ``tolerance``: numeric only.
- ``points``: above 0, 1 when empty; ``competency``: one code of ``COMPETENCY_CODES``.
- ``scenario_title`` / ``scenario_text``: rows with the same title share one scenario
  (and must repeat the same text); the import reuses a scenario of that title already
  in the bank.

Spreadsheets run cells that start with ``= + - @`` as formulas, so the writer prefixes such
a cell with an apostrophe, and the reader removes one apostrophe found before one of those
characters.
"""

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .gift import ImportProblems, question_dict, question_problems
from .models import Question, QuestionBank

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


def bank_csv_parse(data: bytes | str) -> list[dict]:
    """Read a bank CSV into question dicts, or raise ``ImportProblems`` (row numbers) with
    every problem; rows with no cell filled are skipped."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            row = data[: error.start].count(b"\n") + 1
            raise ImportProblems([(row, _("The file is not UTF-8 text."))]) from error
    data = data.lstrip("\ufeff")
    first_line = data.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(data, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportProblems([(1, _("The file is not valid CSV: %(error)s.") % {"error": error})]) from error
    if not rows:
        raise ImportProblems([(1, _("The file is empty: a header row is required."))])
    header = [cell.strip().lower() for cell in rows[0]]
    problems = _header_problems(header)
    if problems:
        raise ImportProblems(problems)

    questions: list[dict] = []
    scenarios: dict[str, tuple[str, int]] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
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
    choices = []
    for option in _split(row.get("choices", "")):
        correct = option.startswith("*")
        text = option[1:].strip() if correct or option.startswith("\\*") else option
        choices.append({"text": text, "correct": correct})
    if kind == Question.Kind.TRUE_FALSE:
        # Written "True"/"False" in any case and order; stored in the canonical order.
        by_text = {choice["text"].lower(): choice["correct"] for choice in choices}
        if len(choices) == 2 and set(by_text) == {"true", "false"}:
            choices = [{"text": "True", "correct": by_text["true"]}, {"text": "False", "correct": by_text["false"]}]
    question["choices"] = choices
    answer, tolerance = row.get("answer", "").strip(), row.get("tolerance", "").strip()
    if kind == Question.Kind.NUMERIC:
        question["numeric_answer"] = _decimal(answer) if answer else None
        if answer and question["numeric_answer"] is None:
            problems.append(_("The answer %(value)r is not a number.") % {"value": answer})
            question["numeric_answer"] = Decimal("0")  # reported above; not again as missing
        if tolerance:
            question["numeric_tolerance"] = _decimal(tolerance)
    elif kind == Question.Kind.SHORT_TEXT:
        question["accepted_answers"] = _split(answer)
    elif answer or tolerance:
        problems.append(_("Only numeric and short text questions take an answer or a tolerance."))
    title, text = row.get("scenario_title", "").strip(), row.get("scenario_text", "").strip()
    if title or text:
        question["scenario"] = {"title": title, "text": text}
    problems += [problem for problem in question_problems(question) if problem not in problems]
    return question, problems


def question_row(question: dict) -> dict[str, str]:
    """One question dict as CSV cells (before formula protection)."""
    kind = question["kind"]
    choices = [
        ("*" if choice["correct"] else "\\" if choice["text"].startswith("*") else "")
        + choice["text"].replace("|", "\\|")
        for choice in question["choices"]
    ]
    if kind == Question.Kind.NUMERIC:
        answer = _number(question["numeric_answer"])
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
    return format(value.normalize(), "f")


def bank_csv_write(questions: Iterable[dict]) -> str:
    """Question dicts as CSV text in the documented format (header included)."""
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for question in questions:
        writer.writerow({column: _protect(cell) for column, cell in question_row(question).items()})
    return output.getvalue()


def bank_questions(bank: QuestionBank) -> list[dict]:
    """The bank's live (not archived) questions as question dicts, in bank order."""
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
            choices=[{"text": choice.text, "correct": choice.is_correct} for choice in question.choices.all()],
            explanation=question.explanation,
            competency=question.competency,
            topic=question.topic,
            numeric_answer=question.numeric_answer,
            numeric_tolerance=question.numeric_tolerance,
            accepted_answers=list(question.accepted_answers),
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
