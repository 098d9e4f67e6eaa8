"""The bank CSV (read, write, round trip), the bulk import service and ``import_questions``."""

import math
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from assessments import services
from assessments.importers.bank_csv import bank_csv_export, bank_csv_parse, bank_csv_write, bank_questions
from assessments.importers.gift import ImportProblems, question_dict
from assessments.models import Choice, Question, Scenario
from courses.models import COMPETENCY_CODES
from lms.audit.models import AuditEntry

HEADER = "kind,text,points,choices,answer,tolerance,explanation,competency,topic,scenario_title,scenario_text\n"
SCENARIO = {"title": "Checkpoint", "text": "A crowd gathers at the checkpoint."}


def choices(*pairs):
    return [{"text": text, "correct": correct} for text, correct in pairs]


VALID_QUESTIONS = [
    question_dict(
        kind="single",
        text="Who may use force?",
        points=Decimal("2"),
        choices=choices(("Only when necessary", True), ("Anyone", False)),
        explanation="Necessity.",
        competency="HR",
        topic="Use of force",
        scenario=SCENARIO,
    ),
    question_dict(
        kind="multiple",
        text="Which are rights?",
        choices=choices(("Life", True), ("Liberty | security", True), ("*Revenge", False)),
        scenario=SCENARIO,
    ),
    question_dict(kind="true_false", text="Arrest needs a warrant.", choices=choices(("True", False), ("False", True))),
    question_dict(
        kind="numeric", text="Hours before a judge?", numeric_answer=Decimal("-48.5"), numeric_tolerance=Decimal("0.5")
    ),
    question_dict(kind="short_text", text="UN stands for?", accepted_answers=["United Nations", "Nations unies"]),
    question_dict(kind="essay", text="=SUM(A1) describe an arrest", explanation="+ lawful\n- humane", topic="@arrest"),
]


def credited(*triples):
    return [{"text": text, "correct": correct, "weight": Decimal(weight)} for text, correct, weight in triples]


def partly(*triples):
    return [
        {"answer": Decimal(answer), "tolerance": Decimal(tolerance), "weight": Decimal(weight)}
        for answer, tolerance, weight in triples
    ]


# Moodle-style credits per choice and numeric answers for part of the points.
CREDITED_QUESTIONS = [
    question_dict(
        kind="single",
        text="Who may search a house?",
        choices=credited(("A judge's order", True, "100"), ("The chief", False, "50"), ("*Anyone", False, "0")),
    ),
    question_dict(
        kind="multiple",
        text="What must a stop report hold?",
        points=Decimal("3"),
        choices=credited(
            ("The time", True, "33.33333"),
            ("The place", True, "33.33333"),
            ("The reason", True, "33.33334"),
            ("[Rumours] heard", False, "-100"),
        ),
    ),
    question_dict(
        kind="numeric",
        text="Hours of custody before a judge?",
        numeric_answer=Decimal("48"),
        numeric_tolerance=Decimal("0"),
        numeric_partial_answers=partly(("72", "0", "50"), ("36", "12", "25.5")),
    ),
    question_dict(
        kind="single",
        text="Which discount is lawful?",
        choices=[{"text": "[50%] off", "correct": True}, {"text": "[10%] off | free", "correct": False}],
    ),
]
CREDITED_CSV = (
    "kind,text,points,choices,answer,tolerance\n"
    "single,Who may search a house?,,[100%] A judge's order | [50%] The chief | [0%] *Anyone,,\n"
    "multiple,What must a stop report hold?,3,"
    '"*[33.33333%] The time | [33.33333%] The place | [ 33,33334 % ]The reason | [-100%] [Rumours] heard",,\n'
    "numeric,Hours of custody before a judge?,,,48 | [50%] 72 | [25.5%] 24..48,\n"
    "single,Which discount is lawful?,,*\\[50%] off | \\[10%] off \\| free,,\n"
)


def test_credits_per_choice_and_answers_for_part_of_the_points_are_read():
    assert bank_csv_parse(CREDITED_CSV) == CREDITED_QUESTIONS


def test_credits_are_written_only_for_the_questions_that_have_them():
    text = bank_csv_write([VALID_QUESTIONS[0], *CREDITED_QUESTIONS])

    assert text.splitlines() == [
        HEADER.strip(),
        "single,Who may use force?,2,*Only when necessary | Anyone,,,Necessity.,HR,Use of force,"
        "Checkpoint,A crowd gathers at the checkpoint.",
        "single,Who may search a house?,1,[100%] A judge's order | [50%] The chief | [0%] *Anyone,,,,,,,",
        "multiple,What must a stop report hold?,3,[33.33333%] The time | [33.33333%] The place | "
        "[33.33334%] The reason | [-100%] [Rumours] heard,,,,,,,",
        "numeric,Hours of custody before a judge?,1,,48 | [50%] 72 | [25.5%] 36:12,0,,,,,",
        "single,Which discount is lawful?,1,*\\[50%] off | \\[10%] off \\| free,,,,,,,",
    ]
    assert bank_csv_parse(text) == [VALID_QUESTIONS[0], *CREDITED_QUESTIONS]


def test_imported_credits_are_stored_with_the_correct_marks_they_imply(bank, people):
    created = services.questions_import(bank=bank, questions=bank_csv_parse(CREDITED_CSV), actor=people.trainer_north)

    assert [
        list(question.choices.order_by("order").values_list("text", "is_correct", "weight")) for question in created
    ] == [
        [
            ("A judge's order", True, Decimal("100")),
            ("The chief", False, Decimal("50")),
            ("*Anyone", False, Decimal("0")),
        ],
        [
            ("The time", True, Decimal("33.33333")),
            ("The place", True, Decimal("33.33333")),
            ("The reason", True, Decimal("33.33334")),
            ("[Rumours] heard", False, Decimal("-100")),
        ],
        [],
        [("[50%] off", True, None), ("[10%] off | free", False, None)],
    ]
    numeric = Question.objects.get(pk=created[2].pk)
    assert (numeric.numeric_answer, numeric.numeric_partial_answers) == (
        Decimal("48.0000"),
        [{"answer": "72", "tolerance": "0", "weight": "50"}, {"answer": "36", "tolerance": "12", "weight": "25.5"}],
    )


def test_bad_credits_and_partial_answers_are_reported_by_row():
    data = (
        "kind,text,choices,answer,tolerance\n"
        "single,Some credits,[100%] a | b,,\n"  # row 2
        "single,No full credit,[95%] a | [0%] b,,\n"  # row 3
        "multiple,Not a whole,[45%] a | [50%] b | [-100%] c,,\n"  # row 4
        "multiple,Star contradicts,*[0%] a | [100%] b,,\n"  # row 5
        "true_false,Credits?,[100%] True | [0%] False,,\n"  # row 6
        "single,Out of range,[100%] a | [-150%] b,,\n"  # row 7
        "numeric,No credit,,48 | 72,\n"  # row 8
        "numeric,Bad range,,48 | [50%] 72..60 | [50%] x:1,\n"  # row 9
        "numeric,Too much,,48 | [150%] 72,\n"  # row 10
        "numeric,Credit on the answer,,[100%] 48,\n"  # row 11
        "short_text,Credit on a word,,[50%] nearly,\n"  # row 12: a short answer may start so
        "single,Too precise,[100%] a | [33.333333%] b,,\n"  # row 13
    )

    with pytest.raises(ImportProblems) as raised:
        bank_csv_parse(data)

    assert raised.value.problems == [
        (2, "Give a credit to every choice, or to none."),
        (3, "The best choice of a single-choice question earns 100%, not 95%."),
        (4, "The positive credits of a multiple-choice question add up to 100%, not 95%."),
        (5, "A choice marked correct earns too little credit to be a right answer."),
        (6, "A true/false question has no credits per choice."),
        (7, "A credit is between -100 and 100 percent."),
        (8, "The answer for part of the points '72' needs its credit first, as in [50%] 10:1."),
        (9, "The answer for part of the points '[50%] 72..60' is not a number, number:tolerance or low..high."),
        (9, "The answer for part of the points '[50%] x:1' is not a number, number:tolerance or low..high."),
        (10, "A credit is between 0 and 100 percent, with at most 5 decimal places."),
        (11, "The answer '[100%] 48' is not a number."),
        (13, "A credit has at most 5 decimal places."),
    ]


@pytest.mark.parametrize(
    ("count", "limit", "problems"),
    [
        (3, 3, None),
        (3, None, None),
        (4, 3, [(6, "The file holds more than 3 questions; split it.")]),
        (3, 2, [(5, "The file holds more than 2 questions; split it.")]),
    ],
)
def test_a_file_over_the_limit_is_refused_at_the_first_question_too_many(count, limit, problems):
    # A blank row does not count; the rows after the limit are not read: this one is not even CSV.
    data = "kind,text\n" + "essay,Why?\n" + ",\n" + "essay,How?\n" * (count - 1)
    beyond = "essay," + "x" * 200_000 + "\n"

    if problems is None:
        assert len(bank_csv_parse(data, max_questions=limit)) == count
    else:
        with pytest.raises(ImportProblems) as raised:
            bank_csv_parse(data + beyond, max_questions=limit)
        assert raised.value.problems == problems


def test_a_row_csv_cannot_read_is_named():
    with pytest.raises(ImportProblems) as raised:
        bank_csv_parse("kind,text\nessay,Why?\nessay," + "x" * 200_000 + "\n")
    assert raised.value.problems == [(3, "The file is not valid CSV: field larger than field limit (131072).")]


def test_the_documented_format_is_read_into_exact_questions():
    data = (
        "\ufeff" + HEADER + "single,Who may use force?,2,*Only when necessary | Anyone,,,Necessity.,hr,Use of force,"
        "Checkpoint,A crowd gathers at the checkpoint.\n"
        "multiple,Which are rights?,,*Life | *Liberty \\| security | \\*Revenge,,,,,,"
        "Checkpoint,A crowd gathers at the checkpoint.\n"
        ",,,,,,,,,,\n"
        "true_false,Arrest needs a warrant.,,true | *FALSE,,,,,,,\n"
        'numeric,Hours before a judge?,,,\'-48.5,"0,5",,,,,\n'
        "short_text,UN stands for?,,,United Nations|Nations unies,,,,,,\n"
        """essay,'=SUM(A1) describe an arrest,,,,,"'+ lawful\n- humane",,'@arrest,,\n"""
    )
    assert bank_csv_parse(data.encode()) == VALID_QUESTIONS


def test_columns_may_come_in_any_order_separated_by_semicolons_and_arabic_french_text_is_kept():
    data = "text;kind;choices\nما هو الحق في الحياة؟;single;*نعم | لا\nQuelle règle ?;single;*Nécessité | Vitesse\n"  # noqa: RUF001
    assert bank_csv_parse(data.encode("utf-8")) == [
        question_dict(kind="single", text="ما هو الحق في الحياة؟", choices=choices(("نعم", True), ("لا", False))),
        question_dict(kind="single", text="Quelle règle ?", choices=choices(("Nécessité", True), ("Vitesse", False))),
    ]


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (b"", [(1, "The file is empty: a header row is required.")]),
        (b"kind,text\n", [(1, "The file holds no question.")]),
        (b"kind,text\n\xff\xfe,x\n", [(2, "The file is not UTF-8 text.")]),
        (
            b"kind,question,text,kind\n",
            [
                (
                    1,
                    "Unknown column(s) question: use "
                    + ", ".join(
                        [
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
                        ]
                    )
                    + ".",
                ),
                (1, "Repeated column(s): kind."),
            ],
        ),
        (b"kind,choices\n", [(1, "Missing column(s): text.")]),
    ],
)
def test_a_broken_file_is_refused_as_a_whole(data, problems):
    with pytest.raises(ImportProblems) as raised:
        bank_csv_parse(data)
    assert raised.value.problems == problems


def test_every_bad_row_is_reported_with_its_row_number_counting_the_header_as_row_one():
    data = (
        "kind,text,points,choices,answer,tolerance,competency,scenario_title,scenario_text\n"
        "single,Fine,,*a | b,,,,,\n"  # row 2
        "quiz,What?,,,,,,,\n"  # row 3
        "single,No right answer,,a | b,,,,,\n"  # row 4
        '"single","Two\nlines",0,*a | b,,,XX,,\n'  # row 5 spans two lines of the file
        "numeric,How far?,,,far,,,,\n"  # row 6
        "numeric,How near?,,,1,-2,,,\n"  # row 7
        "short_text,Say it,,,,,,,\n"  # row 8
        "essay,Tell,,,42,,,,\n"  # row 9
        "essay,Case one,,,,,,Case,First text\n"  # row 10
        "essay,Case two,,,,,,Case,Other text\n"  # row 11
        "essay,Extra,,,,,,,,surplus\n"  # row 12
        "true_false,Right?,,*yes | no,,,,,\n"  # row 13
    )
    with pytest.raises(ImportProblems) as raised:
        bank_csv_parse(data)
    assert raised.value.problems == [
        (3, "Unknown kind 'quiz': use one of single, multiple, true_false, numeric, short_text, essay."),
        (4, "Exactly one choice must be correct, not 0."),
        (5, "Points must be a number above 0."),
        (
            5,
            "Unknown competency 'XX': use one of " + ", ".join(COMPETENCY_CODES) + ".",
        ),
        (6, "The answer 'far' is not a number."),
        (7, "The tolerance must be a number of at least 0."),
        (8, "A short text question needs its accepted answers, none empty."),
        (9, "Only numeric and short text questions take an answer or a tolerance."),
        (11, "Scenario 'Case' has another text on row 10."),
        (12, "The row has more cells than the header."),
        (13, "A true/false question has the choices True and False, in that order."),
    ]


def test_writing_protects_formula_cells_and_reading_it_back_gives_the_same_questions():
    text = bank_csv_write(VALID_QUESTIONS)
    lines = text.splitlines()
    assert lines[0] == HEADER.strip()
    assert lines[4] == "numeric,Hours before a judge?,1,,'-48.5,0.5,,,,,"
    assert "essay,'=SUM(A1) describe an arrest,1,,,,\"'+ lawful" in text
    assert ",'@arrest,," in text
    assert "multiple,Which are rights?,1,*Life | *Liberty \\| security | \\*Revenge," in text
    assert bank_csv_parse(text) == VALID_QUESTIONS


@pytest.fixture
def bank(course, people):
    return services.bank_create(title="Human rights", actor=people.trainer_north, course=course)


@pytest.mark.parametrize("questions", ["valid", "with_credits"])
def test_a_bank_exported_and_imported_again_has_the_same_questions(
    bank, course, people, django_assert_num_queries, questions
):
    questions = {"valid": VALID_QUESTIONS, "with_credits": VALID_QUESTIONS + CREDITED_QUESTIONS}[questions]
    services.questions_import(bank=bank, questions=questions, actor=people.trainer_north)
    archived = Question.objects.create(bank=bank, kind="essay", text="Old", is_archived=True)
    with django_assert_num_queries(2):
        exported = bank_csv_export(bank)
    assert archived.text not in exported
    assert bank_questions(bank) == questions
    copy = services.bank_create(title="Copy", actor=people.trainer_north, course=course)
    services.questions_import(bank=copy, questions=bank_csv_parse(exported), actor=people.trainer_north)
    assert bank_questions(copy) == questions
    assert bank_csv_export(copy) == exported


def test_import_creates_questions_choices_and_shared_scenarios_and_audits_once(bank, people):
    existing = Scenario.objects.create(bank=bank, title="Checkpoint", text="Kept as it was.")
    created = services.questions_import(bank=bank, questions=VALID_QUESTIONS, actor=people.trainer_north)
    assert [question.text for question in created] == [question["text"] for question in VALID_QUESTIONS]
    assert list(Scenario.objects.filter(bank=bank).values_list("pk", "text")) == [(existing.pk, "Kept as it was.")]
    assert [question.scenario_id for question in created] == [existing.pk, existing.pk, None, None, None, None]
    assert list(Choice.objects.filter(question=created[2]).values_list("text", "is_correct", "order")) == [
        ("True", False, 1),
        ("False", True, 2),
    ]
    entries = AuditEntry.objects.filter(action="questions.imported")
    assert [(entry.actor, entry.target_id, entry.after) for entry in entries] == [
        (people.trainer_north, str(bank.pk), {"count": 6})
    ]


def test_an_invalid_question_makes_the_import_write_nothing(bank, people):
    questions = [VALID_QUESTIONS[0], question_dict(kind="single", text="Broken", choices=choices(("a", False)))]
    with pytest.raises(ValidationError) as raised:
        services.questions_import(bank=bank, questions=questions, actor=people.trainer_north)
    assert raised.value.message_dict == {
        "1": ["A choice question needs at least two choices.", "Exactly one choice must be correct, not 0."]
    }
    assert (
        Question.objects.count(),
        Scenario.objects.count(),
        AuditEntry.objects.filter(action="questions.imported").count(),
    ) == (0, 0, 0)


def test_someone_who_may_not_edit_the_bank_cannot_import_into_it(bank, people):
    with pytest.raises(PermissionDenied):
        services.questions_import(bank=bank, questions=VALID_QUESTIONS, actor=people.trainer_south)
    assert Question.objects.count() == 0


def _insert_statements(count: int, fields: int) -> int:
    """INSERTs Django needs for ``count`` rows: one, except where SQLite's limit of 999
    parameters per statement splits it."""
    if connection.vendor != "sqlite":
        return 1
    return max(1, math.ceil(count / (connection.features.max_query_params // fields)))


@pytest.mark.parametrize("count", [5, 500])
def test_import_runs_a_fixed_number_of_queries_whatever_the_number_of_questions(
    count, bank, people, django_assert_max_num_queries
):
    questions = [
        question_dict(
            kind="single",
            text=f"Question {number}",
            choices=choices(("a", True), ("b", False), ("c", False), ("d", False)),
            scenario={"title": f"Case {number % 3}", "text": "Text"},
        )
        for number in range(count)
    ]
    question_fields = len([field for field in Question._meta.concrete_fields if not field.primary_key])
    choice_fields = len([field for field in Choice._meta.concrete_fields if not field.primary_key])
    # savepoint, permission check, scenarios read and insert, audit, release: 6; then the inserts
    inserts = _insert_statements(count, question_fields) + _insert_statements(4 * count, choice_fields)
    with django_assert_max_num_queries(6 + inserts):
        services.questions_import(bank=bank, questions=questions, actor=people.trainer_north)
    assert Question.objects.filter(bank=bank).count() == count
    assert Choice.objects.filter(question__bank=bank).count() == 4 * count
    assert Scenario.objects.filter(bank=bank).count() == 3


# The management command ------------------------------------------------------------------


def test_the_command_imports_a_gift_file(bank, people, tmp_path):
    path = tmp_path / "rights.gift"
    path.write_text("Who may use force?{=Only when necessary ~Anyone}\n\nUN stands for?{=United Nations}\n")
    out = StringIO()
    call_command("import_questions", str(bank.pk), str(path), "--actor", "trainer.north", stdout=out)
    assert out.getvalue() == f"Imported 2 question(s) from rights.gift into bank {bank.pk} (Human rights).\n"
    assert list(bank.questions.values_list("kind", "text")) == [
        ("single", "Who may use force?"),
        ("short_text", "UN stands for?"),
    ]
    assert AuditEntry.objects.get(action="questions.imported").actor == people.trainer_north


def test_the_command_imports_a_csv_file_as_the_system(bank, tmp_path):
    path = tmp_path / "bank.data"
    path.write_text(bank_csv_write(VALID_QUESTIONS), encoding="utf-8-sig")
    call_command("import_questions", str(bank.pk), str(path), "--format", "csv", stdout=StringIO())
    assert bank_questions(bank) == VALID_QUESTIONS
    assert AuditEntry.objects.get(action="questions.imported").actor is None


@pytest.mark.parametrize(
    ("name", "content", "arguments", "message"),
    [
        (
            "broken.gift",
            "Good {T}\n\nPick one {~a ~b}\n\nHow far {#far}\n",
            [],
            "broken.gift was not imported: 2 error(s); nothing was written.\n"
            "line 3: No correct answer: mark one with = (or a positive %weight%).\n"
            "line 5: Bad numeric answer 'far': write 12.5, 12.5:0.5 or 10..15.",
        ),
        (
            "broken.csv",
            "kind,text,choices\nsingle,Fine,*a | b\nsingle,Wrong,a | b\n",
            [],
            "broken.csv was not imported: 1 error(s); nothing was written.\n"
            "row 3: Exactly one choice must be correct, not 0.",
        ),
        (
            "credits.csv",
            "kind,text,choices,answer\nsingle,Fine,[100%] a | [0%] b,\nsingle,Partly,[100%] a | b,\n"
            "numeric,Near,,48 | [50%] 72..60\n",
            [],
            "credits.csv was not imported: 2 error(s); nothing was written.\n"
            "row 3: Give a credit to every choice, or to none.\n"
            "row 4: The answer for part of the points '[50%] 72..60' is not a number, number:tolerance or low..high.",
        ),
        ("bank.xlsx", "x", [], "Cannot tell the format of bank.xlsx: give --format gift or --format csv."),
        ("fine.gift", "Q {T}", ["--actor", "nobody"], "No user has the username 'nobody'."),
        (
            "fine.gift",
            "Q {T}",
            ["--actor", "trainer.south"],
            "fine.gift was not imported: Only the course's authors and admins edit its assessments.",
        ),
    ],
)
def test_the_command_fails_with_every_error_and_writes_nothing(
    bank, people, tmp_path, name, content, arguments, message
):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CommandError) as raised:
        call_command("import_questions", str(bank.pk), str(path), *arguments, stdout=StringIO())
    assert str(raised.value) == message
    assert raised.value.returncode == 1
    assert (Question.objects.count(), AuditEntry.objects.filter(action="questions.imported").count()) == (0, 0)


def test_the_command_refuses_an_unknown_bank_and_a_missing_file(bank, tmp_path):
    with pytest.raises(CommandError, match=r"^No question bank has the id 999999\.$"):
        call_command("import_questions", "999999", str(tmp_path / "x.gift"))
    with pytest.raises(CommandError, match=r"^Cannot read .*missing\.gift: No such file or directory$"):
        call_command("import_questions", str(bank.pk), str(tmp_path / "missing.gift"))
