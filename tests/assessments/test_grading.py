"""The grading engine: one table per question kind, then attempt scores and the messages
that turn a malformed response into a 400."""

from decimal import Decimal

import pytest

from assessments.grading import Grade, attempt_score, grade, normalise_short_text, parse_number, response_problems

SINGLE = {
    "id": 1,
    "kind": "single",
    "text": "Who may order the use of force?",
    "points": "2.00",
    "scenario": None,
    "choices": [
        {"id": 11, "text": "The commander on scene", "correct": True},
        {"id": 12, "text": "Any officer", "correct": False},
        {"id": 13, "text": "Nobody", "correct": False},
    ],
    "numeric_answer": None,
    "numeric_tolerance": "0.0000",
    "accepted_answers": [],
    "explanation": "",
    "competency": "HR",
    "topic": "use of force",
}
TRUE_FALSE = {
    **SINGLE,
    "id": 2,
    "kind": "true_false",
    "points": "1.00",
    "choices": [{"id": 21, "text": "True", "correct": False}, {"id": 22, "text": "False", "correct": True}],
}
MULTIPLE = {
    **SINGLE,
    "id": 3,
    "kind": "multiple",
    "points": "3.00",
    "choices": [
        {"id": 31, "text": "Name", "correct": True},
        {"id": 32, "text": "Date of birth", "correct": True},
        {"id": 33, "text": "Place of arrest", "correct": True},
        {"id": 34, "text": "Religion", "correct": False},
        {"id": 35, "text": "Ethnicity", "correct": False},
    ],
}
NUMERIC = {
    **SINGLE,
    "id": 4,
    "kind": "numeric",
    "points": "1.50",
    "choices": [],
    "numeric_answer": "12.5000",
    "numeric_tolerance": "0.5000",
}
SHORT_TEXT = {
    **SINGLE,
    "id": 5,
    "kind": "short_text",
    "points": "1.00",
    "choices": [],
    "accepted_answers": ["Miranda warning", "Gendarmerie", "حقوق الإنسان", "Stop!"],
}
ESSAY = {**SINGLE, "id": 6, "kind": "essay", "points": "5.00", "choices": []}

WRONG = ("0.00", False, False)
BLANK_RESPONSES = [None, {}, {"choices": []}, {"choices": None}, {"text": "  "}, {"text": ""}, {"text": None}]


def outcome(result: Grade) -> tuple[str | None, bool | None, bool]:
    """The grade with its points as a string, so ``Decimal("2")`` and ``Decimal("2.00")``
    do not pass for one another."""
    assert result.points is None or isinstance(result.points, Decimal)
    return (None if result.points is None else str(result.points), result.is_correct, result.needs_review)


def one_choice_cases(question: dict, right: int, wrong: int, points: str) -> list:
    kind = question["kind"]
    return [
        pytest.param(question, {"choices": [right]}, (points, True, False), id=f"{kind}-right"),
        pytest.param(question, {"choices": [wrong]}, WRONG, id=f"{kind}-wrong"),
        pytest.param(question, {"choices": [right, wrong]}, WRONG, id=f"{kind}-two-choices"),
        pytest.param(question, {"choices": [right, right]}, WRONG, id=f"{kind}-duplicate"),
        pytest.param(question, {"choices": [99]}, WRONG, id=f"{kind}-unknown-id"),
        pytest.param(question, {"choices": right}, WRONG, id=f"{kind}-not-a-list"),
        pytest.param(question, {"choices": [str(right)]}, WRONG, id=f"{kind}-id-as-string"),
        pytest.param(question, {"choices": [True]}, WRONG, id=f"{kind}-id-as-boolean"),
        pytest.param(question, {"choices": [float(right)]}, WRONG, id=f"{kind}-id-as-float"),
        pytest.param(question, {"text": "The commander"}, WRONG, id=f"{kind}-text"),
        pytest.param(question, {"choices": [right], "text": "x"}, WRONG, id=f"{kind}-extra-key"),
        pytest.param(question, [right], WRONG, id=f"{kind}-list-not-object"),
        pytest.param(question, str(right), WRONG, id=f"{kind}-string-not-object"),
        *[pytest.param(question, response, WRONG, id=f"{kind}-blank-{response}") for response in BLANK_RESPONSES],
    ]


@pytest.mark.parametrize(
    ("question", "response", "expected"),
    [*one_choice_cases(SINGLE, 11, 12, "2.00"), *one_choice_cases(TRUE_FALSE, 22, 21, "1.00")],
)
def test_grade_single_and_true_false(question, response, expected):
    assert outcome(grade(question, response)) == expected


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        pytest.param([31, 32, 33], ("3.00", True, False), id="right"),
        pytest.param([33, 31, 32], ("3.00", True, False), id="right-any-order"),
        pytest.param([31], ("1.00", False, False), id="one-of-three"),
        pytest.param([31, 32], ("2.00", False, False), id="two-of-three"),
        pytest.param([31, 32, 34], ("1.00", False, False), id="two-right-one-wrong"),
        pytest.param([31, 32, 33, 34], ("2.00", False, False), id="all-right-plus-one-wrong"),
        pytest.param([31, 32, 33, 34, 35], ("1.00", False, False), id="every-box"),
        pytest.param([31, 34], ("0.00", False, False), id="one-right-one-wrong"),
        pytest.param([31, 34, 35], ("0.00", False, False), id="more-wrong-than-right-floors-at-zero"),
        pytest.param([34], WRONG, id="wrong"),
        pytest.param([34, 35], WRONG, id="only-wrong"),
    ],
)
def test_grade_multiple_partial_credit(choices, expected):
    assert outcome(grade(MULTIPLE, {"choices": choices})) == expected


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        pytest.param([31], ("0.33", False, False), id="one-third-rounds-down"),
        pytest.param([31, 32], ("0.67", False, False), id="two-thirds-rounds-up"),
    ],
)
def test_grade_multiple_rounds_partial_points_to_cents(choices, expected):
    assert outcome(grade({**MULTIPLE, "points": "1.00"}, {"choices": choices})) == expected


@pytest.mark.parametrize(
    "response",
    [
        pytest.param({"choices": [31, 99]}, id="unknown-id"),
        pytest.param({"choices": [31, 31, 32, 33]}, id="duplicate"),
        pytest.param({"choices": "31,32,33"}, id="not-a-list"),
        pytest.param({"choices": ["31", "32", "33"]}, id="ids-as-strings"),
        pytest.param({"text": "Name, date of birth"}, id="text"),
        pytest.param([31, 32, 33], id="list-not-object"),
        *[pytest.param(response, id=f"blank-{response}") for response in BLANK_RESPONSES],
    ],
)
def test_grade_multiple_blank_or_malformed_scores_zero(response):
    assert outcome(grade(MULTIPLE, response)) == WRONG


def test_grade_multiple_without_a_correct_choice_is_never_a_free_mark():
    broken = {**MULTIPLE, "choices": [{**choice, "correct": False} for choice in MULTIPLE["choices"]]}

    assert outcome(grade(broken, {"choices": [34]})) == WRONG


def test_grade_single_with_two_correct_choices_is_never_right():
    broken = {**SINGLE, "choices": [{**choice, "correct": True} for choice in SINGLE["choices"]]}

    assert outcome(grade(broken, {"choices": [11]})) == WRONG


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("12.5", ("1.50", True, False), id="right"),
        pytest.param("12,5", ("1.50", True, False), id="comma-separator"),
        pytest.param(" 12.50 ", ("1.50", True, False), id="spaces-and-trailing-zero"),
        pytest.param("+12.5", ("1.50", True, False), id="explicit-plus"),
        pytest.param("13", ("1.50", True, False), id="upper-boundary-counts"),
        pytest.param("12", ("1.50", True, False), id="lower-boundary-counts"),
        pytest.param("13,0", ("1.50", True, False), id="upper-boundary-comma"),
        pytest.param("12.0000", ("1.50", True, False), id="lower-boundary-padded"),
        pytest.param("13.0001", WRONG, id="just-above"),
        pytest.param("11.9999", WRONG, id="just-below"),
        pytest.param("13,0001", WRONG, id="just-above-comma"),
        pytest.param("13.0000000000000000000000000000001", WRONG, id="above-by-less-than-decimal-precision"),
        pytest.param("-12.5", WRONG, id="wrong-sign"),
        pytest.param("125", WRONG, id="wrong"),
        pytest.param("\u0661\u0662\u066b\u0665", ("1.50", True, False), id="arabic-indic-digits-and-separator"),
        pytest.param("\uff11\uff12.\uff15", ("1.50", True, False), id="fullwidth-digits"),
        pytest.param("NaN", WRONG, id="nan"),
        pytest.param("inf", WRONG, id="inf"),
        pytest.param("-Infinity", WRONG, id="minus-infinity"),
        pytest.param("1e999", WRONG, id="exponent"),
        pytest.param("1.25e1", WRONG, id="exponent-that-would-be-right"),
        pytest.param("12,5,3", WRONG, id="two-separators"),
        pytest.param("1_2.5", WRONG, id="underscore"),
        pytest.param("12.5 km", WRONG, id="unit"),
        pytest.param("twelve", WRONG, id="words"),
        pytest.param("   ", WRONG, id="blank"),
        pytest.param("1" * 41, WRONG, id="too-long"),
    ],
)
def test_grade_numeric(text, expected):
    assert outcome(grade(NUMERIC, {"text": text})) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("3.14", ("1.50", True, False), id="exact"),
        pytest.param("3,140", ("1.50", True, False), id="exact-comma"),
        pytest.param("3.1401", WRONG, id="just-above"),
        pytest.param("3.1399", WRONG, id="just-below"),
    ],
)
def test_grade_numeric_without_tolerance_needs_the_exact_value(text, expected):
    question = {**NUMERIC, "numeric_answer": "3.1400", "numeric_tolerance": "0.0000"}

    assert outcome(grade(question, {"text": text})) == expected


@pytest.mark.parametrize(
    "response",
    [
        pytest.param({"text": 12.5}, id="number-not-string"),
        pytest.param({"choices": [1]}, id="choices"),
        pytest.param({"text": "12.5", "choices": []}, id="extra-key"),
        pytest.param("12.5", id="string-not-object"),
        *[pytest.param(response, id=f"blank-{response}") for response in BLANK_RESPONSES],
    ],
)
def test_grade_numeric_blank_or_malformed_scores_zero(response):
    assert outcome(grade(NUMERIC, response)) == WRONG


def test_grade_numeric_without_an_answer_key_is_wrong():
    assert outcome(grade({**NUMERIC, "numeric_answer": None}, {"text": "12.5"})) == WRONG


RIGHT_TEXT = ("1.00", True, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Miranda warning", RIGHT_TEXT, id="right"),
        pytest.param("  Miranda  warning ", RIGHT_TEXT, id="spaces"),
        pytest.param("miranda warning", RIGHT_TEXT, id="lower-case"),
        pytest.param("MIRANDA\tWARNING\n", RIGHT_TEXT, id="upper-case-tab-newline"),
        pytest.param("Miranda warning.", RIGHT_TEXT, id="trailing-full-stop"),
        pytest.param("«Miranda warning»", RIGHT_TEXT, id="guillemets"),
        pytest.param("Miranda warnings", WRONG, id="plural-is-another-word"),
        pytest.param("Miranda", WRONG, id="part"),
        pytest.param("gendarmérie", RIGHT_TEXT, id="accent-in-response"),
        pytest.param("GENDARMÉRIE", RIGHT_TEXT, id="accented-capital"),
        pytest.param("gendarme\u0301rie", RIGHT_TEXT, id="decomposed-accent"),
        pytest.param("حقوق الإنسان", RIGHT_TEXT, id="arabic-as-accepted"),
        pytest.param("حُقُوقُ الإِنْسَانِ", RIGHT_TEXT, id="arabic-with-tashkeel"),
        pytest.param("حقوق الانسان", RIGHT_TEXT, id="arabic-alef-without-hamza"),
        pytest.param("حقـــوق الإنسان", RIGHT_TEXT, id="arabic-tatweel"),
        pytest.param("حقوق المرأة", WRONG, id="arabic-wrong"),
        pytest.param("stop", RIGHT_TEXT, id="accepted-answer-punctuation-stripped"),
        pytest.param("police", WRONG, id="wrong"),
        pytest.param("...", WRONG, id="only-punctuation"),
    ],
)
def test_grade_short_text(text, expected):
    assert outcome(grade(SHORT_TEXT, {"text": text})) == expected


def test_grade_short_text_accepts_an_accented_answer_typed_without_accents():
    question = {**SHORT_TEXT, "accepted_answers": ["gendarmérie"]}

    assert outcome(grade(question, {"text": "Gendarmerie"})) == RIGHT_TEXT


def test_grade_short_text_never_matches_an_accepted_answer_that_normalises_to_nothing():
    question = {**SHORT_TEXT, "accepted_answers": ["?!"]}

    assert outcome(grade(question, {"text": "."})) == WRONG


@pytest.mark.parametrize(
    "response",
    [
        pytest.param({"text": ["Miranda warning"]}, id="list-not-string"),
        pytest.param({"choices": [1]}, id="choices"),
        pytest.param({"text": "Miranda warning" + " " * 500}, id="too-long"),
        *[pytest.param(response, id=f"blank-{response}") for response in BLANK_RESPONSES],
    ],
)
def test_grade_short_text_blank_or_malformed_scores_zero(response):
    assert outcome(grade(SHORT_TEXT, response)) == WRONG


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        pytest.param({"text": "Force must be necessary and proportionate."}, (None, None, True), id="written"),
        pytest.param({"text": "x" * 20_000}, (None, None, True), id="longest"),
        pytest.param({"text": "x" * 20_001}, WRONG, id="too-long"),
        pytest.param({"text": 42}, WRONG, id="number-not-string"),
        pytest.param({"choices": [1]}, WRONG, id="choices"),
        *[pytest.param(response, WRONG, id=f"blank-needs-no-review-{response}") for response in BLANK_RESPONSES],
    ],
)
def test_grade_essay(response, expected):
    assert outcome(grade(ESSAY, response)) == expected


def test_grade_unknown_kind_scores_zero():
    assert outcome(grade({**SINGLE, "kind": "drawing"}, {"choices": [11]})) == WRONG


@pytest.mark.parametrize(
    ("question", "response", "expected"),
    [
        pytest.param(SINGLE, None, [], id="none"),
        pytest.param(SINGLE, {}, [], id="empty"),
        pytest.param(SINGLE, {"choices": []}, [], id="no-choice"),
        pytest.param(SINGLE, {"choices": [11]}, [], id="single-fine"),
        pytest.param(MULTIPLE, {"choices": [31, 32, 34]}, [], id="multiple-fine"),
        pytest.param(NUMERIC, {"text": " 12,5 "}, [], id="numeric-fine"),
        pytest.param(NUMERIC, {"text": "  "}, [], id="numeric-blank"),
        pytest.param(SHORT_TEXT, {"text": "anything"}, [], id="short-text-fine"),
        pytest.param(ESSAY, {"text": "anything"}, [], id="essay-fine"),
        pytest.param(SINGLE, [11], ["The answer is not in the expected format."], id="not-an-object"),
        pytest.param(SINGLE, {"choices": [11, 12]}, ["Choose only one answer."], id="two-choices-for-single"),
        pytest.param(TRUE_FALSE, {"choices": [21, 22]}, ["Choose only one answer."], id="two-choices-for-true-false"),
        pytest.param(
            MULTIPLE,
            {"choices": [31, 98, 99]},
            ["Not among this question's choices: 98, 99."],
            id="unknown-ids",
        ),
        pytest.param(
            SINGLE,
            {"choices": [11, 11, 99]},
            [
                "Not among this question's choices: 99.",
                "The same choice is selected more than once.",
                "Choose only one answer.",
            ],
            id="every-problem-at-once",
        ),
        pytest.param(MULTIPLE, {"choices": 31}, ["The choices must be a list of choice ids."], id="choices-not-a-list"),
        pytest.param(
            MULTIPLE,
            {"choices": ["31"]},
            ["Each choice must be given by its id, a whole number."],
            id="ids-as-strings",
        ),
        pytest.param(
            SINGLE, {"text": "x"}, ["This question is answered by choosing, not by writing."], id="text-for-choice"
        ),
        pytest.param(
            ESSAY, {"choices": [1]}, ["This question is answered by writing, not by choosing."], id="choices-for-text"
        ),
        pytest.param(SHORT_TEXT, {"text": 5}, ["The answer must be text."], id="text-not-string"),
        pytest.param(NUMERIC, {"text": "NaN"}, ["Enter a number, such as 12.5 or 12,5."], id="nan"),
        pytest.param(NUMERIC, {"text": "inf"}, ["Enter a number, such as 12.5 or 12,5."], id="inf"),
        pytest.param(NUMERIC, {"text": "1e999"}, ["Enter a number, such as 12.5 or 12,5."], id="exponent"),
        pytest.param(NUMERIC, {"text": "12,5,3"}, ["Enter a number, such as 12.5 or 12,5."], id="two-separators"),
        pytest.param(
            NUMERIC, {"text": "1" * 41}, ["The answer is too long: at most 40 characters."], id="numeric-too-long"
        ),
        pytest.param(
            ESSAY, {"text": "x" * 20_001}, ["The answer is too long: at most 20000 characters."], id="essay-too-long"
        ),
        pytest.param({**SINGLE, "kind": "drawing"}, {}, ["This question cannot be answered."], id="unknown-kind"),
    ],
)
def test_response_problems(question, response, expected):
    assert response_problems(question, response) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5", "12.5"),
        ("12,5", "12.5"),
        (" 12.50 ", "12.50"),
        (".5", "0.5"),
        ("5.", "5"),
        ("\u22123", "-3"),
        ("\u0661\u0662\u066b\u0665", "12.5"),
        ("NaN", None),
        ("-inf", None),
        ("1e999", None),
        ("12,5,3", None),
        ("1 000", None),
        ("", None),
    ],
)
def test_parse_number(text, expected):
    value = parse_number(text)

    assert (None if value is None else str(value)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Miranda  warning ", "miranda warning"),
        ("Gendarmérie", "gendarmerie"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("ﬁeld", "field"),
        ("¿Qué?", "que"),
        ("حُقُوقُ الإِنْسَانِ", "حقوق الانسان"),
    ],
)
def test_normalise_short_text(text, expected):
    assert normalise_short_text(text) == expected


def graded(*pairs):
    """Grades keyed by question id, from ``(question, response)`` pairs."""
    return {question["id"]: grade(question, response) for question, response in pairs}


def test_attempt_score_mixes_kinds_weighted_by_points():
    snapshot = [SINGLE, TRUE_FALSE, MULTIPLE, NUMERIC, SHORT_TEXT]
    grades = graded(
        (SINGLE, {"choices": [11]}),  # 2.00 of 2.00
        (TRUE_FALSE, {"choices": [21]}),  # 0.00 of 1.00
        (MULTIPLE, {"choices": [31, 32]}),  # 2.00 of 3.00
        (NUMERIC, {"text": "13,0"}),  # 1.50 of 1.50
        (SHORT_TEXT, {"text": "Mirandawarning"}),  # 0.00 of 1.00
    )

    score = attempt_score(snapshot, grades)

    assert str(score) == "64.71"  # 5.50 / 8.50


def test_attempt_score_weights_questions_by_points():
    light = {**SINGLE, "id": 101, "points": "1.00"}
    heavy = {**SINGLE, "id": 102, "points": "3.00"}
    grades = graded((light, {"choices": [12]}), (heavy, {"choices": [11]}))

    assert str(attempt_score([light, heavy], grades)) == "75.00"


@pytest.mark.parametrize(
    ("awarded", "available", "expected"),
    [
        pytest.param("1.00", "3.00", "33.33", id="down"),
        pytest.param("2.00", "3.00", "66.67", id="up"),
        pytest.param("0.01", "8.00", "0.13", id="half-up"),
        pytest.param("3.00", "3.00", "100.00", id="full"),
        pytest.param("0.00", "3.00", "0.00", id="nothing"),
    ],
)
def test_attempt_score_rounds_to_two_places(awarded, available, expected):
    question = {**ESSAY, "points": available}
    trainer_grade = Grade(Decimal(awarded), None, False)

    assert str(attempt_score([question], {question["id"]: trainer_grade})) == expected


def test_attempt_score_is_none_while_an_essay_awaits_review():
    grades = graded((SINGLE, {"choices": [11]}), (ESSAY, {"text": "Necessity and proportionality."}))

    assert attempt_score([SINGLE, ESSAY], grades) is None


def test_attempt_score_counts_a_reviewed_essay():
    grades = graded((SINGLE, {"choices": [11]}))
    grades[ESSAY["id"]] = Grade(Decimal("2.50"), None, False)

    assert str(attempt_score([SINGLE, ESSAY], grades)) == "64.29"  # 4.50 / 7.00


def test_attempt_score_counts_a_blank_essay_as_zero_without_review():
    grades = graded((SINGLE, {"choices": [11]}), (ESSAY, {"text": "   "}))

    assert str(attempt_score([SINGLE, ESSAY], grades)) == "28.57"  # 2.00 / 7.00


def test_attempt_score_counts_an_unanswered_question_as_zero_and_ignores_strangers():
    stranger = {**SINGLE, "id": 999}
    grades = graded((SINGLE, {"choices": [11]}), (stranger, {"choices": [11]}))

    assert str(attempt_score([SINGLE, TRUE_FALSE], grades)) == "66.67"  # 2.00 / 3.00


@pytest.mark.parametrize(
    "snapshot",
    [
        pytest.param([{**SINGLE, "points": "0.00"}, {**NUMERIC, "points": "0"}], id="all-zero-points"),
        pytest.param([], id="no-questions"),
    ],
)
def test_attempt_score_without_points_is_zero(snapshot):
    grades = graded(*[(question, {}) for question in snapshot])

    assert str(attempt_score(snapshot, grades)) == "0.00"
