"""GIFT import as Moodle reads it: every shape as an exact dict, the points a response earns
once imported and graded, and broken files refused with their line numbers."""

import time
from decimal import Decimal

import pytest

from assessments import services
from assessments.grading import grade
from assessments.importers.gift import ImportProblems, gift_parse, question_dict


def choices(*pairs):
    return [{"text": text, "correct": correct} for text, correct in pairs]


def weighted(*triples):
    """Choices with Moodle's credits: (text, correct, weight in percent)."""
    return [{"text": text, "correct": correct, "weight": Decimal(weight)} for text, correct, weight in triples]


def partial(answer, tolerance, weight):
    return {"answer": Decimal(answer), "tolerance": Decimal(tolerance), "weight": Decimal(weight)}


# One question per case, with the exact dict Moodle's reading gives.
SHAPES = {
    "= with a ~%50% answer is single choice with partial credit": (
        "Who may order a search?{=A judge ~%50%A prosecutor ~A neighbour}",
        question_dict(
            kind="single",
            text="Who may order a search?",
            choices=weighted(("A judge", True, "100"), ("A prosecutor", False, "50"), ("A neighbour", False, "0")),
        ),
    ),
    "several = answers are single choice, each fully right": (
        "Name one non-derogable right.{=Life =Freedom from torture ~Assembly}",
        question_dict(
            kind="single",
            text="Name one non-derogable right.",
            choices=weighted(("Life", True, "100"), ("Freedom from torture", True, "100"), ("Assembly", False, "0")),
        ),
    ),
    "~%n% answers without = are multiple choice with penalties": (
        "Which principles govern force?{~%50%Legality ~%50%Necessity ~%-100%Revenge}",
        question_dict(
            kind="multiple",
            text="Which principles govern force?",
            choices=weighted(("Legality", True, "50"), ("Necessity", True, "50"), ("Revenge", False, "-100")),
        ),
    ),
    "an unweighted ~ in a multiple-choice question weighs 0, not a penalty": (
        "Which are needed?{~%100%A warrant ~A uniform}",
        question_dict(
            kind="multiple",
            text="Which are needed?",
            choices=weighted(("A warrant", True, "100"), ("A uniform", False, "0")),
        ),
    ),
    "thirds in Moodle's notation": (
        "Pick the three.{~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}",
        question_dict(
            kind="multiple",
            text="Pick the three.",
            choices=weighted(
                ("a", True, "33.33333"), ("b", True, "33.33333"), ("c", True, "33.33333"), ("d", False, "-100")
            ),
        ),
    ),
    "a multiple-choice answer may contain ->": (
        "Which escalations are lawful?{~%50%Warning -> arrest ~%50%Arrest -> charge ~Charge -> punishment}",
        question_dict(
            kind="multiple",
            text="Which escalations are lawful?",
            choices=weighted(
                ("Warning -> arrest", True, "50"),
                ("Arrest -> charge", True, "50"),
                ("Charge -> punishment", False, "0"),
            ),
        ),
    ),
    "text before the first separator is a wrong answer, as in Moodle": (
        "Which body hears complaints?{Parliament ~%100%The ombudsman}",
        question_dict(
            kind="multiple",
            text="Which body hears complaints?",
            choices=weighted(("Parliament", False, "0"), ("The ombudsman", True, "100")),
        ),
    ),
    "a bare answer is a short answer": (
        "How many witnesses must sign?{One}",
        question_dict(kind="short_text", text="How many witnesses must sign?", accepted_answers=["One"]),
    ),
    "short answers with and without a leading =, %100% and feedback": (
        "What does UN stand for?{United Nations =%100%the United Nations#yes =UN}",
        question_dict(
            kind="short_text",
            text="What does UN stand for?",
            accepted_answers=["United Nations", "the United Nations", "UN"],
        ),
    ),
    "true/false is only T, TRUE, F or FALSE: lower case is a short answer": (
        "Write the word for yes.{true}",
        question_dict(kind="short_text", text="Write the word for yes.", accepted_answers=["true"]),
    ),
    "numeric with feedback for wrong answers": (
        "Hours before a judge?{#3:2~#feedback}",
        question_dict(
            kind="numeric", text="Hours before a judge?", numeric_answer=Decimal("3"), numeric_tolerance=Decimal("2")
        ),
    ),
    "numeric as Moodle exports it": (
        "Hours before a judge?{#\n=%100%3:2#\n~#Completely wrong\n}",
        question_dict(
            kind="numeric", text="Hours before a judge?", numeric_answer=Decimal("3"), numeric_tolerance=Decimal("2")
        ),
    ),
    "weighted numeric answers: the 100% one first, the others in file order": (
        "Stopping distance at 50 km/h, in metres?{#=25:2#Right =%50%25:5#Close =%0%0..100 ~#Too far off}",
        question_dict(
            kind="numeric",
            text="Stopping distance at 50 km/h, in metres?",
            numeric_answer=Decimal("25"),
            numeric_tolerance=Decimal("2"),
            numeric_partial_answers=[partial("25", "5", "50"), partial("50", "50", "0")],
        ),
    ),
    "a partial numeric answer may come before the 100% one when their ranges do not meet": (
        "Year of the convention?{#=%50%1950:1 =1984 =%100%1948..1949}",
        question_dict(
            kind="numeric",
            text="Year of the convention?",
            numeric_answer=Decimal("1984"),
            numeric_tolerance=Decimal("0"),
            numeric_partial_answers=[partial("1950", "1", "50"), partial("1948.5", "0.5", "100")],
        ),
    ),
    "[html] paragraphs and line breaks, answers and feedback in the question's format": (
        "::q::[html]<p>Read the statement.</p><p>Line one<br>line two &amp; more</p>"
        "{=<b>Lawful</b>#<i>yes</i> ~Un<em>lawful</em>####<p>See article 9.</p><p>And 10.</p>}",
        question_dict(
            kind="single",
            text="Read the statement.\n\nLine one\nline two & more",
            choices=weighted(("Lawful", True, "100"), ("Unlawful", False, "0")),
            explanation="See article 9.\n\nAnd 10.",
        ),
    ),
    "an answer's own marker wins over the question's format": (
        "[markdown]Which is **bold**?{=[html]<b>this</b> ~[plain]<b>that</b> ~**other**}",
        question_dict(
            kind="single",
            text="Which is **bold**?",
            choices=weighted(("this", True, "100"), ("<b>that</b>", False, "0"), ("**other**", False, "0")),
        ),
    ),
    "Moodle's default format renders HTML and keeps line breaks": (
        "<p>First paragraph.</p>\n<p>Second\\nwith a break.</p>{T####Because <b>the law</b> says so.}",
        question_dict(
            kind="true_false",
            text="First paragraph.\n\nSecond\nwith a break.",
            choices=choices(("True", True), ("False", False)),
            explanation="Because the law says so.",
        ),
    ),
    "[plain] keeps tags as text; a general feedback may carry its own marker": (
        "[plain]Is <b> a tag?{FALSE#Wrong.#Right.####[html]<p>Yes</p><p>it is.</p>}",
        question_dict(
            kind="true_false",
            text="Is <b> a tag?",
            choices=choices(("True", False), ("False", True)),
            explanation="Yes\n\nit is.",
        ),
    ),
    "missing word keeps the punctuation after the braces": (
        "The capital is {=Paris ~Lyon}.",
        question_dict(
            kind="single", text="The capital is _____.", choices=weighted(("Paris", True, "100"), ("Lyon", False, "0"))
        ),
    ),
    "an essay's general feedback in [html] is the explanation": (
        "[html]<p>Describe a lawful arrest.</p>{####<ul><li>grounds</li><li>rights</li></ul>}",
        question_dict(kind="essay", text="Describe a lawful arrest.", explanation="- grounds\n- rights"),
    ),
}


@pytest.mark.parametrize(("source", "expected"), SHAPES.values(), ids=SHAPES.keys())
def test_each_shape_reads_as_moodle_reads_it(source, expected):
    assert gift_parse(source) == [expected]


VALID = r"""// Moodle export of the human rights bank
// question: 12  name: Q1
$CATEGORY: $course$/top/Use of force

::Q1::[markdown]Who may **use** force?{
  =Only when strictly necessary#Right: necessity.
  ~Anyone in uniform#No.
  ~Nobody, ever
  ####Necessity and proportionality.
}

An arrest always needs a warrant.{F}

Detainees may be held incommunicado.{FALSE#Never.#Right.}

Officers must report torture.{T}

A suspect has the right to remain silent.{TRUE}

$CATEGORY: $course$/top/Procedure

Speed limit in town (km/h)?{#50}

A warning shot range, in metres{#10..15}

Pi to two decimals{#=3.14:0.005#close enough}

Either answer{#=1:0 =2:0}

Escapes \{ \} \= \~ \# \: \\ and a\nnew line {T}

Multi-line
question text{
=yes
~no
}
"""


def test_a_whole_file_keeps_categories_titles_comments_and_escapes():
    topic = {"topic": "Use of force"}
    assert gift_parse(VALID) == [
        question_dict(
            kind="single",
            text="Who may **use** force?",
            choices=weighted(
                ("Only when strictly necessary", True, "100"),
                ("Anyone in uniform", False, "0"),
                ("Nobody, ever", False, "0"),
            ),
            explanation="Necessity and proportionality.",
            **topic,
        ),
        question_dict(
            kind="true_false",
            text="An arrest always needs a warrant.",
            choices=choices(("True", False), ("False", True)),
            **topic,
        ),
        question_dict(
            kind="true_false",
            text="Detainees may be held incommunicado.",
            choices=choices(("True", False), ("False", True)),
            **topic,
        ),
        question_dict(
            kind="true_false",
            text="Officers must report torture.",
            choices=choices(("True", True), ("False", False)),
            **topic,
        ),
        question_dict(
            kind="true_false",
            text="A suspect has the right to remain silent.",
            choices=choices(("True", True), ("False", False)),
            **topic,
        ),
        question_dict(
            kind="numeric", text="Speed limit in town (km/h)?", numeric_answer=Decimal("50"), topic="Procedure"
        ),
        question_dict(
            kind="numeric",
            text="A warning shot range, in metres",
            numeric_answer=Decimal("12.5"),
            numeric_tolerance=Decimal("2.5"),
            topic="Procedure",
        ),
        question_dict(
            kind="numeric",
            text="Pi to two decimals",
            numeric_answer=Decimal("3.14"),
            numeric_tolerance=Decimal("0.005"),
            topic="Procedure",
        ),
        question_dict(
            kind="numeric",
            text="Either answer",
            numeric_answer=Decimal("1"),
            numeric_partial_answers=[partial("2", "0", "100")],
            topic="Procedure",
        ),
        question_dict(
            kind="true_false",
            text="Escapes { } = ~ # : \\ and a\nnew line",
            choices=choices(("True", True), ("False", False)),
            topic="Procedure",
        ),
        question_dict(
            kind="single",
            text="Multi-line\nquestion text",
            choices=weighted(("yes", True, "100"), ("no", False, "0")),
            topic="Procedure",
        ),
    ]


def test_arabic_and_french_text_and_a_bom_are_read():
    arabic = "ما هو الحد الأقصى للاحتجاز؟{=٤٨ ساعة ~أسبوع}"
    source = "\ufeff" + arabic + "\n\nQuelle est la règle d'or ?{=La nécessité =la nécessité}\n"
    assert gift_parse(source) == [
        question_dict(
            kind="single",
            text="ما هو الحد الأقصى للاحتجاز؟",
            choices=weighted(("٤٨ ساعة", True, "100"), ("أسبوع", False, "0")),
        ),
        question_dict(
            kind="short_text", text="Quelle est la règle d'or ?", accepted_answers=["La nécessité", "la nécessité"]
        ),
    ]


@pytest.fixture
def bank(course, people):
    return services.bank_create(title="Imported", actor=people.trainer_north, course=course)


def _imported_snapshot(bank, people, source: str, points: str) -> dict:
    """The one question of ``source``, worth ``points``, imported and shown unshuffled."""
    (question,) = gift_parse(source)
    (created,) = services.questions_import(
        bank=bank, questions=[{**question, "points": Decimal(points)}], actor=people.trainer_north
    )
    return services.question_snapshot(created, shuffle=False)


# source, points, the kind and key stored (text, correct, credit), then responses as
# (choices picked, points earned, correct) - the points Moodle gives.
GRADED = {
    "single choice with a half-credit answer": (
        "Q{=a ~%50%b ~c}",
        "2",
        "single",
        [("a", True, "100"), ("b", False, "50"), ("c", False, "0")],
        [(["a"], "2.00", True), (["b"], "1.00", False), (["c"], "0.00", False)],
    ),
    "single choice with two right answers": (
        "Q{=a =b ~c}",
        "1",
        "single",
        [("a", True, "100"), ("b", True, "100"), ("c", False, "0")],
        [(["a"], "1.00", True), (["b"], "1.00", True), (["c"], "0.00", False)],
    ),
    "single choice with a penalty": (
        "Q{=a ~%-50%b ~c}",
        "2",
        "single",
        [("a", True, "100"), ("b", False, "-50"), ("c", False, "0")],
        [(["b"], "-1.00", False)],
    ),
    "multiple choice with halves and a penalty": (
        "Q{~%50%a ~%50%b ~%-100%c}",
        "2",
        "multiple",
        [("a", True, "50"), ("b", True, "50"), ("c", False, "-100")],
        [
            (["a"], "1.00", False),
            (["a", "b"], "2.00", True),
            (["a", "c"], "0.00", False),
            (["a", "b", "c"], "0.00", False),
        ],
    ),
    "multiple choice where a wrong answer costs nothing": (
        "Q{~%100%a ~b}",
        "1",
        "multiple",
        [("a", True, "100"), ("b", False, "0")],
        [(["a", "b"], "1.00", True), (["b"], "0.00", False)],
    ),
    "multiple choice in thirds": (
        "Q{~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}",
        "3",
        "multiple",
        [("a", True, "33.33333"), ("b", True, "33.33333"), ("c", True, "33.33333"), ("d", False, "-100")],
        [(["a", "b"], "2.00", False), (["a", "b", "c"], "3.00", True)],
    ),
    "multiple choice with -> in an answer": (
        "Q{~%50%A -> B ~%50%C ~D}",
        "2",
        "multiple",
        [("A -> B", True, "50"), ("C", True, "50"), ("D", False, "0")],
        [(["A -> B", "C"], "2.00", True), (["A -> B", "D"], "1.00", False)],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "points", "kind", "key", "responses"), GRADED.values(), ids=GRADED.keys())
def test_an_imported_choice_question_keeps_moodle_credits_and_grades_as_moodle_would(
    bank, people, source, points, kind, key, responses
):
    snapshot = _imported_snapshot(bank, people, source, points)
    stored = [(choice["text"], choice["correct"], Decimal(choice["weight"])) for choice in snapshot["choices"]]
    assert (snapshot["kind"], stored) == (kind, [(text, correct, Decimal(weight)) for text, correct, weight in key])
    ids = {choice["text"]: choice["id"] for choice in snapshot["choices"]}
    for chosen, earned, is_correct in responses:
        result = grade(snapshot, {"choices": [ids[text] for text in chosen]})
        assert (chosen, result.points, result.is_correct) == (chosen, Decimal(earned), is_correct)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("response", "earned", "is_correct"),
    [("24", "1.00", True), ("29.5", "0.50", False), ("75", "0.00", False), ("101", "0.25", False)],
)
def test_an_imported_numeric_question_grades_its_partial_answers_in_order(bank, people, response, earned, is_correct):
    source = "Stopping distance?{#=25:2 =%50%25:5 =%0%0..100 =%25%60:50 ~#No}"
    snapshot = _imported_snapshot(bank, people, source, "1")
    result = grade(snapshot, {"text": response})
    assert (result.points, result.is_correct) == (Decimal(earned), is_correct)


NOT_A_WEIGHT = (
    "=%{0}% is not a weight in a choice question (Moodle would keep it in the answer's text): write ~%{0}% instead."
)
OVERLAP = (
    "This answer comes before the 100% answer and overlaps its range: Moodle would give it first. "
    "Put the 100% answer first."
)
BAD_NUMBER = "Bad numeric answer {!r}: write 12.5, 12.5:0.5 or 10..15."
NO_NUMERIC_ANSWER = "No numeric answer: write {#12.5}, {#12.5:0.5} or {#10..15}."
NO_CORRECT = "No correct answer: mark one with = (or a positive %weight%)."
EXTRA_BRACE = "One answer set per question: an extra { or } (escape it as \\{ or \\})."


@pytest.mark.parametrize(
    ("source", "problems"),
    [
        ("Q {=%50%x ~y}", [(1, NOT_A_WEIGHT.format("50"))]),
        ("Q {\n=a\n=%100%b\n~c\n}", [(3, NOT_A_WEIGHT.format("100"))]),
        ("Q {~%abc%x ~%100%y}", [(1, "Bad weight %abc%: write a percentage such as %50%.")]),
        ("Q {~%--50%x ~%100%y}", [(1, "Bad weight %--50%: write a percentage such as %50%.")]),
        ("Pick {~%45%a ~b}", [(1, "The positive credits of a multiple-choice question add up to 100%, not 45%.")]),
        ("Pick one {~a ~b}", [(1, NO_CORRECT)]),
        ("Q {a ~b}", [(1, NO_CORRECT)]),
        ("Q {=a ~%101%b}", [(1, "A credit is between -100 and 100 percent.")]),
        ("Q {#\n=%50%10:5\n=%100%10:1\n}", [(2, OVERLAP)]),
        ("Q {#=%50%5..9 =%100%9:1}", [(1, OVERLAP)]),
        ("Q {#=%50%3}", [(1, "No numeric answer earns 100%: give one without a weight or with %100%.")]),
        ("Q {#\n=4\n=%-50%3\n}", [(3, "A numeric answer earns from 0 to 100%, not -50%.")]),
        ("Q {#}", [(1, NO_NUMERIC_ANSWER)]),
        ("Q {#~#Wrong}", [(1, NO_NUMERIC_ANSWER)]),
        ("Q {#abc}", [(1, BAD_NUMBER.format("abc"))]),
        ("Q {#15..10}", [(1, BAD_NUMBER.format("15..10"))]),
        ("Q {#1:-1}", [(1, BAD_NUMBER.format("1:-1"))]),
        ("Q {#NaN}", [(1, BAD_NUMBER.format("NaN"))]),
        ("Q {#1e999999999}", [(1, BAD_NUMBER.format("1e999999999"))]),
        ("Q {#1.23456}", [(1, "1.23456 has more than 4 decimal places.")]),
        ("Q {=a =%50%b}", [(1, "Partial credit on short text answers is not supported.")]),
        ("Q {=Grant*}", [(1, "Wildcards (*) in short text answers are not supported.")]),
        ("Q {=a ~}", [(1, "An answer is empty.")]),
        ("Q {\n=a\n~<p></p>\n}", [(3, "An answer is empty.")]),
        ("Q {=}", [(1, "An answer is empty.")]),
        ("Match {=a -> 1 =b -> 2}", [(1, "Matching questions (->) are not supported.")]),
        ("Just a description.", [(1, "No answer set in braces: descriptions are not supported.")]),
        ("Q {=a ~b", [(1, "Unclosed brace: { without a matching }.")]),
        ("\nfirst line\nQ {\n=a\n~b\n", [(3, "Unclosed brace: { without a matching }.")]),
        ("Line one\nsay \\q {T}", [(2, "Unknown escape \\q.")]),
        ("Q {=a ~b} and {=c ~d}", [(1, EXTRA_BRACE)]),
        ("Q a} {T}", [(1, EXTRA_BRACE)]),
        ("::title{T}", [(1, "Unclosed title: :: without a closing ::.")]),
        ("::title::{T}", [(1, "The question text is empty.")]),
        ("Q {=only}\n\nQ {~%100%one}", [(3, "A choice question needs at least two choices.")]),
        ("// only a comment\n", [(1, "The file holds no question.")]),
    ],
)
def test_a_broken_question_is_refused_with_its_line(source, problems):
    with pytest.raises(ImportProblems) as raised:
        gift_parse(source)
    assert raised.value.problems == problems


def test_every_error_is_reported_together_in_line_order_and_nothing_is_returned():
    source = "Good {T}\n\nPick one {~a ~b}\n\n// note\nHow far {#far}\n\nGood too {=x ~y}\n\nOpen {=a\n"
    with pytest.raises(ImportProblems) as raised:
        gift_parse(source)
    assert raised.value.problems == [
        (3, "No correct answer: mark one with = (or a positive %weight%)."),
        (6, "Bad numeric answer 'far': write 12.5, 12.5:0.5 or 10..15."),
        (10, "Unclosed brace: { without a matching }."),
    ]
    assert str(raised.value).startswith("line 3: No correct answer")


def test_a_file_at_the_cap_is_read():
    assert len(gift_parse("A {T}\n\nB {F}\n\n// end\n", max_questions=2)) == 2


def test_a_file_over_the_cap_is_refused_quickly_at_the_question_past_it():
    # About 4 MB: 150,000 questions, and a broken one at the end that is never reached.
    source = "".join(f"Statement {number:06d} about the use of force.{{T}}\n\n" for number in range(150_000))
    source += "Broken {~a ~b}\n"
    assert len(source) > 4_000_000
    began = time.perf_counter()
    with pytest.raises(ImportProblems) as raised:
        gift_parse(source, max_questions=1000)
    elapsed = time.perf_counter() - began
    assert raised.value.problems == [(2001, "The file holds more than 1000 questions; split it.")]
    assert elapsed < 2


def test_problems_before_the_cap_are_reported_with_it():
    with pytest.raises(ImportProblems) as raised:
        gift_parse("Pick one {~a ~b}\n\nB {T}\n\nC {T}\n", max_questions=2)
    assert raised.value.problems == [
        (1, "No correct answer: mark one with = (or a positive %weight%)."),
        (5, "The file holds more than 2 questions; split it."),
    ]
