"""GIFT import: every supported construct as exact dicts, and broken files with line numbers."""

from decimal import Decimal

import pytest

from assessments.gift import ImportProblems, gift_parse, question_dict


def choices(*pairs):
    return [{"text": text, "correct": correct} for text, correct in pairs]


VALID = r"""// Moodle export of the human rights bank
$CATEGORY: $course$/top/Use of force

::Q1::[markdown]Who may **use** force?{
  =Only when strictly necessary#Right: necessity.
  ~Anyone in uniform#No.
  ~Nobody, ever
  ####Necessity and proportionality.
}

::Q2::Which are principles of the use of force?{~%50%Legality ~%50%Necessity ~%-100%Revenge}

Which are rights? {=Life =Liberty ~Revenge}

An arrest always needs a warrant.{F}

Detainees may be held incommunicado.{FALSE#Never.#Right.}

Officers must report torture.{T}

A suspect has the right to remain silent.{TRUE}

$CATEGORY: $course$/top/Procedure

What does UN stand for?{=United Nations =the United Nations#yes}

How many hours may a suspect be held before a judge sees them?{#48:0}

Speed limit in town (km/h)?{#50}

A warning shot range, in metres{#10..15}

Pi to two decimals{#=3.14:0.005#close enough}

[html]<p>Describe a <b>lawful</b> arrest &amp; its steps.</p>{}

Escapes \{ \} \= \~ \# \: \\ and a\nnew line {T}

The {=Constitution ~Police Act} is the highest law.

Multi-line
question text{
=yes
~no
}
"""


def test_every_supported_construct_gives_the_exact_question():
    assert gift_parse(VALID) == [
        question_dict(
            kind="single",
            text="Who may **use** force?",
            choices=choices(
                ("Only when strictly necessary", True), ("Anyone in uniform", False), ("Nobody, ever", False)
            ),
            explanation="Necessity and proportionality.",
            topic="Use of force",
        ),
        question_dict(
            kind="multiple",
            text="Which are principles of the use of force?",
            choices=choices(("Legality", True), ("Necessity", True), ("Revenge", False)),
            topic="Use of force",
        ),
        question_dict(
            kind="multiple",
            text="Which are rights?",
            choices=choices(("Life", True), ("Liberty", True), ("Revenge", False)),
            topic="Use of force",
        ),
        question_dict(
            kind="true_false",
            text="An arrest always needs a warrant.",
            choices=choices(("True", False), ("False", True)),
            topic="Use of force",
        ),
        question_dict(
            kind="true_false",
            text="Detainees may be held incommunicado.",
            choices=choices(("True", False), ("False", True)),
            topic="Use of force",
        ),
        question_dict(
            kind="true_false",
            text="Officers must report torture.",
            choices=choices(("True", True), ("False", False)),
            topic="Use of force",
        ),
        question_dict(
            kind="true_false",
            text="A suspect has the right to remain silent.",
            choices=choices(("True", True), ("False", False)),
            topic="Use of force",
        ),
        question_dict(
            kind="short_text",
            text="What does UN stand for?",
            accepted_answers=["United Nations", "the United Nations"],
            topic="Procedure",
        ),
        question_dict(
            kind="numeric",
            text="How many hours may a suspect be held before a judge sees them?",
            numeric_answer=Decimal("48"),
            numeric_tolerance=Decimal("0"),
            topic="Procedure",
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
        question_dict(kind="essay", text="Describe a lawful arrest & its steps.", topic="Procedure"),
        question_dict(
            kind="true_false",
            text="Escapes { } = ~ # : \\ and a\nnew line",
            choices=choices(("True", True), ("False", False)),
            topic="Procedure",
        ),
        question_dict(
            kind="single",
            text="The _____ is the highest law.",
            choices=choices(("Constitution", True), ("Police Act", False)),
            topic="Procedure",
        ),
        question_dict(
            kind="single",
            text="Multi-line\nquestion text",
            choices=choices(("yes", True), ("no", False)),
            topic="Procedure",
        ),
    ]


def test_arabic_and_french_text_and_a_bom_are_read():
    arabic = "ما هو الحد الأقصى للاحتجاز؟{=٤٨ ساعة ~أسبوع}"
    source = "\ufeff" + arabic + "\n\nQuelle est la règle d'or ?{=La nécessité =la nécessité}\n"
    assert gift_parse(source) == [
        question_dict(
            kind="single", text="ما هو الحد الأقصى للاحتجاز؟", choices=choices(("٤٨ ساعة", True), ("أسبوع", False))
        ),
        question_dict(
            kind="short_text", text="Quelle est la règle d'or ?", accepted_answers=["La nécessité", "la nécessité"]
        ),
    ]


@pytest.mark.parametrize(
    ("source", "problems"),
    [
        ("Q {=a ~b", [(1, "Unclosed brace: { without a matching }.")]),
        ("\nfirst line\nQ {\n=a\n~b\n", [(3, "Unclosed brace: { without a matching }.")]),
        ("Pick one {~a ~b}", [(1, "No correct answer: mark one with = (or a positive %weight%).")]),
        ("Q {=a ~}", [(1, "An answer is empty.")]),
        ("Q {\n=a\n~\n}", [(3, "An answer is empty.")]),
        ("Q {=}", [(1, "An answer is empty.")]),
        ("Q {#abc}", [(1, "Bad numeric answer 'abc': write 12.5, 12.5:0.5 or 10..15.")]),
        ("Q {#15..10}", [(1, "Bad numeric answer '15..10': write 12.5, 12.5:0.5 or 10..15.")]),
        ("Q {#1:-1}", [(1, "Bad numeric answer '1:-1': write 12.5, 12.5:0.5 or 10..15.")]),
        ("Q {#NaN}", [(1, "Bad numeric answer 'NaN': write 12.5, 12.5:0.5 or 10..15.")]),
        ("Q {#1.23456}", [(1, "1.23456 has more than 4 decimal places.")]),
        ("Q {#=1:0 =2:0}", [(1, "Several numeric answers are not supported: give one, with a tolerance.")]),
        ("Line one\nsay \\q {T}", [(2, "Unknown escape \\q.")]),
        ("Match {=a -> 1 =b -> 2}", [(1, "Matching questions (->) are not supported.")]),
        ("Just a description.", [(1, "No answer set in braces: descriptions are not supported.")]),
        ("Q {=a =%50%b}", [(1, "Partial credit on short text answers is not supported.")]),
        ("Q {=a ~b} and {=c ~d}", [(1, "One answer set per question: an extra { or } (escape it as \\{ or \\}).")]),
        ("Q a} {T}", [(1, "One answer set per question: an extra { or } (escape it as \\{ or \\}).")]),
        ("Q {a ~b}", [(1, "Answers start with = (right) or ~ (wrong).")]),
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
