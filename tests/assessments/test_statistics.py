"""Measuring learning: item analysis, score distribution and pre/post gain, by hand-computed
numbers, and the statistics page (scope, CSV, SVG, query count).

The data set (``graded``): a post-test of three 1-point questions taken by five officers,
O1-O3 in the north station and O4-O5 in the south station; shuffle off.

    Q1 single (A right; B, C wrong)  Q2 true/false (True right)  Q3 multiple (X, Y right; Z wrong)
          Q1   Q2     Q3          item scores      total  score
    O1    A    True   X,Y         1    1    1      3      100.00
    O2    A    True   X           1    1    0.5    2.5     83.33
    O3    A    False  X,Z         1    0    0      1       33.33   (Q3: (1 - 1) / 2 = 0)
    O4    B    True   X,Y         0    1    1      2       66.67
    O5    C    True   Y           0    1    0.5    1.5     50.00
O5 then retakes the post-test and gets everything wrong: the retake is ignored (first
graded attempts only). Pre-test (two 1-point questions): O1 50, O2 0, O3 0, O4 50; O5 none.
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import selectors, services, statistics
from assessments.models import Attempt, Question
from courses import services as course_services
from lms.spreadsheet import csv_cell
from tests.factories import OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

PICKS = {
    "o1": {"Q1": ["A"], "Q2": ["True"], "Q3": ["X", "Y"]},
    "o2": {"Q1": ["A"], "Q2": ["True"], "Q3": ["X"]},
    "o3": {"Q1": ["A"], "Q2": ["False"], "Q3": ["X", "Z"]},
    "o4": {"Q1": ["B"], "Q2": ["True"], "Q3": ["X", "Y"]},
    "o5": {"Q1": ["C"], "Q2": ["True"], "Q3": ["Y"]},
}
PRE_PICKS = {
    "o1": {"P1": ["A"], "P2": ["B"]},
    "o2": {"P1": ["B"], "P2": ["B"]},
    "o3": {"P1": ["B"]},
    "o4": {"P1": ["B"], "P2": ["A"]},
}


def take(assessment, user, picks: dict[str, list[str]]) -> Attempt:
    """Start and submit an attempt, picking choices by text; questions not in ``picks`` blank."""
    attempt = services.attempt_start(assessment=assessment, user=user)
    answers = []
    for question in attempt.snapshot:
        texts = picks.get(question["text"].split(":")[0])
        if texts is not None:
            answers.append((question["id"], {"choices": [c["id"] for c in question["choices"] if c["text"] in texts]}))
    return services.attempt_submit(attempt=attempt, user=user, answers=answers)


@pytest.fixture
def tests_pair(people):
    """A published course with a post-test (Q1-Q3, pass mark 60) and its pre-test (P1-P2)."""
    author = people.trainer_north
    course = course_services.course_create(creator=author, code="HR-301", title="Human rights", competencies=["HR"])
    module = course_services.module_create(course=course, title="Foundations")
    course_services.lesson_create(module=module, title="Dignity", body="Everyone has rights.")
    post = services.assessment_create(
        course=course, title="Final test", actor=author, pass_mark=60, max_attempts=2, shuffle_choices=False
    )
    services.question_create(
        bank=post.bank,
        kind="single",
        text="Q1: Who may order an arrest?",
        actor=author,
        choices=[{"text": "A", "correct": True}, {"text": "B"}, {"text": "C"}],
    )
    services.question_create(
        bank=post.bank,
        kind="true_false",
        text="Q2: A detainee may see a lawyer.",
        actor=author,
        choices=[{"correct": True}],
    )
    services.question_create(
        bank=post.bank,
        kind="multiple",
        text="Q3: Which are rights of a detainee?",
        actor=author,
        choices=[{"text": "X", "correct": True}, {"text": "Y", "correct": True}, {"text": "Z"}],
    )
    pre = services.assessment_create(
        course=course, title="Pre-test", actor=author, is_pretest=True, pretest_of=post, shuffle_choices=False
    )
    for code in ("P1", "P2"):
        services.question_create(
            bank=pre.bank,
            kind="single",
            text=f"{code}: What does the law say?",
            actor=author,
            choices=[{"text": "A", "correct": True}, {"text": "B"}],
        )
    services.assessment_publish(assessment=post, actor=author)
    services.assessment_publish(assessment=pre, actor=author)
    course_services.course_publish(course=course, actor=author)
    return post, pre


def officer_user(name: str, unit):
    user = UserFactory(username=name)
    OfficerFactory(unit=unit, user=user)
    return user


@pytest.fixture
def graded(tree, tests_pair):
    post, pre = tests_pair
    users = {
        name: officer_user(name, tree.north_station if name in ("o1", "o2", "o3") else tree.south_station)
        for name in PICKS
    }
    for name, user in users.items():
        course_services.enrollment_create_self(course=post.course, user=user)
        if name in PRE_PICKS:
            take(pre, user, PRE_PICKS[name])
        take(post, user, PICKS[name])
    take(post, users["o5"], {})  # the retake: 0%, ignored
    post.users = users
    return post


def all_attempts(assessment, user):
    return selectors.statistics_attempts(user=user, assessment=assessment)


def test_scores_of_the_data_set_are_as_in_the_table(graded, people):
    scores = dict(
        Attempt.objects.filter(assessment=graded, number=1)
        .order_by("officer__user__username")
        .values_list("officer__user__username", "score")
    )
    assert {name: str(score) for name, score in scores.items()} == {
        "o1": "100.00",
        "o2": "83.33",
        "o3": "33.33",
        "o4": "66.67",
        "o5": "50.00",
    }


def test_item_statistics_by_hand(graded, people):
    post, _ = all_attempts(graded, people.admin)

    items = statistics.item_statistics(post)

    assert [item.text[:2] for item in items] == ["Q1", "Q2", "Q3"]
    assert [item.n for item in items] == [5, 5, 5]
    # Difficulty = mean item score: Q1 3/5, Q2 4/5, Q3 (1 + .5 + 0 + 1 + .5) / 5.
    assert [round(item.difficulty, 3) for item in items] == [0.6, 0.8, 0.6]
    # Corrected item-total point-biserial, r = Sxy / sqrt(Sxx * Syy), y = total - item:
    # Q1 x = 1,1,1,0,0 (mean .6)  y = 2,1.5,0,2,1.5 (mean 1.4)
    #    Sxy = .4*.6 + .4*.1 + .4*-1.4 + -.6*.6 + -.6*.1 = -.7; Sxx = 1.2; Syy = 2.7
    #    r = -.7 / sqrt(3.24) = -.7 / 1.8 = -0.389
    # Q2 x = 1,1,0,1,1 (mean .8)  y = 2,1.5,1,1,.5 (mean 1.2)
    #    Sxy = .2*.8 + .2*.3 + -.8*-.2 + .2*-.2 + .2*-.7 = .2; Sxx = .8; Syy = 1.3
    #    r = .2 / sqrt(1.04) = 0.196
    # Q3 x = 1,.5,0,1,.5 (mean .6)  y = 2,2,1,1,1 (mean 1.4)
    #    Sxy = .4*.6 + -.1*.6 + -.6*-.4 + .4*-.4 + -.1*-.4 = .3; Sxx = .7; Syy = 1.2
    #    r = .3 / sqrt(.84) = 0.327
    assert [round(item.discrimination, 3) for item in items] == [-0.389, 0.196, 0.327]
    assert [item.review_reasons for item in items] == [["low_discrimination"], ["low_discrimination"], []]
    assert [[(c.text, c.is_correct, c.count) for c in item.choices] for item in items] == [
        [("A", True, 3), ("B", False, 1), ("C", False, 1)],
        [("True", True, 4), ("False", False, 1)],
        [("X", True, 4), ("Y", True, 3), ("Z", False, 1)],
    ]
    assert [item.no_answer for item in items] == [0, 0, 0]


def test_blank_answers_count_as_no_answer_and_zero(graded, people):
    """The ignored retake by O5 left everything blank: counted only when it is the first."""
    retake = Attempt.objects.get(assessment=graded, number=2)

    items = statistics.item_statistics([retake])

    assert [(item.n, item.no_answer, item.difficulty, item.discrimination) for item in items] == [
        (1, 1, 0.0, None),
        (1, 1, 0.0, None),
        (1, 1, 0.0, None),
    ]
    assert [c.count for c in items[0].choices] == [0, 0, 0]


def test_zero_variance_and_too_few_attempts_give_no_discrimination():
    assert statistics.point_biserial([1, 1, 1], [0, 1, 2]) is None  # everyone right
    assert statistics.point_biserial([0, 1, 1], [2, 2, 2]) is None  # constant rest score
    assert statistics.point_biserial([1], [2]) is None  # n < 2
    assert statistics.point_biserial([], []) is None
    assert round(statistics.point_biserial([1, 0], [2, 1]), 3) == 1.0


def test_distribution_by_hand(graded, people):
    post, _ = all_attempts(graded, people.admin)

    distribution = statistics.score_distribution(post)

    # 33.33 -> 30-39, 50 -> 50-59, 66.67 -> 60-69, 83.33 -> 80-89, 100 -> 90-100; retake ignored.
    assert distribution.bins == [0, 0, 0, 1, 0, 1, 1, 0, 1, 1]
    assert distribution.bin_labels[0] == "0-9"
    assert distribution.bin_labels[-1] == "90-100"
    assert distribution.n == 5
    assert round(distribution.mean, 2) == 66.67  # 333.33 / 5
    assert distribution.median == 66.67
    assert distribution.pass_rate == 0.6  # 100, 83.33, 66.67 reach 60


def test_distribution_edges():
    class Row:
        def __init__(self, officer_id, score, number=1):
            self.officer_id, self.score, self.number, self.is_passed = officer_id, score, number, False

    distribution = statistics.score_distribution([Row(1, 0), Row(2, 9.99), Row(3, 10), Row(4, 89.99), Row(5, 100)])

    assert distribution.bins == [2, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    assert statistics.score_distribution([]).mean is None


def test_gain_by_hand(graded, people, tree):
    post, pre = all_attempts(graded, people.admin)

    report = statistics.learning_gain(pre_attempts=pre, post_attempts=post)

    # Pairs (pre, post): O1 (50, 100), O2 (0, 83.33), O3 (0, 33.33), O4 (50, 66.67); O5 no pre-test.
    cohort = report.cohort
    assert cohort.n == 4
    assert round(cohort.mean_pre, 2) == 25.0
    assert round(cohort.mean_post, 4) == 70.8325  # 283.33 / 4
    assert round(cohort.mean_gain, 4) == 45.8325
    assert round(cohort.normalised_gain, 3) == 0.611  # 45.8325 / 75
    north, south = report.units
    assert (north.unit, north.n, round(north.mean_pre, 3), round(north.mean_post, 2)) == (
        tree.north_station,
        3,
        16.667,  # 50 / 3
        72.22,  # 216.66 / 3
    )
    assert round(north.mean_gain, 2) == 55.55
    assert round(north.normalised_gain, 3) == 0.667  # 55.5533 / 83.3333
    assert (south.unit, south.n, south.mean_pre, south.mean_post) == (tree.south_station, 1, 50.0, 66.67)
    assert round(south.normalised_gain, 3) == 0.333  # 16.67 / 50


def test_gain_is_undefined_when_the_pre_test_was_perfect():
    gain = statistics.Gain(unit=None, n=1, mean_pre=100.0, mean_post=100.0)

    assert gain.mean_gain == 0.0
    assert gain.normalised_gain is None
    assert statistics.learning_gain(pre_attempts=[], post_attempts=[]).cohort is None


# The page ------------------------------------------------------------------------------------


def url(assessment, **query) -> str:
    path = reverse("assessment-statistics", args=[assessment.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("who", "status", "officers"),
    [
        ("anonymous", 302, None),
        ("trainee", 403, None),
        ("trainer_north", 200, 3),
        ("trainer_south", 200, 2),
        ("leader", 200, 5),
        ("admin", 200, 5),
    ],
)
def test_page_permissions_and_scope(client, people, graded, who, status, officers):
    if who != "anonymous":
        client.force_login(getattr(people, who))

    response = client.get(url(graded))

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))
    if officers is not None:
        assert response.context["distribution"].n == officers
        assert [item.n for item in response.context["items"]] == [officers] * 3


def test_out_of_scope_trainer_sees_only_in_scope_numbers(client, people, graded, tree):
    client.force_login(people.trainer_south)

    response = client.get(url(graded))

    # O4 (66.67) and O5 (50): the retake of O5 is ignored.
    distribution = response.context["distribution"]
    assert distribution.bins == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0]
    assert round(distribution.mean, 3) == 58.335
    gain = response.context["gain"]
    assert [(row.unit, row.n) for row in gain.units] == [(tree.south_station, 1)]
    assert gain.cohort.n == 1


def test_unknown_assessment_is_404_and_bad_table_is_404(client, people, graded):
    client.force_login(people.admin)

    assert client.get(reverse("assessment-statistics", args=[graded.pk + 1000])).status_code == 404
    assert client.get(url(graded, format="csv", table="nope")).status_code == 404


def test_page_shows_accessible_svg_charts_without_script(client, people, graded):
    client.force_login(people.admin)

    html = client.get(url(graded)).content.decode()

    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg
        assert re.search(r'aria-labelledby="(\S+)-title \1-desc"', svg)
        assert "<title id=" in svg
        assert "<desc id=" in svg
    assert svgs[0].count("<rect") == 10
    assert ">90-100</text>" in svgs[0]
    assert "90-100%: 1" in svgs[0]  # the desc reads out every band
    assert svgs[1].count("<rect") == 4  # two units x (pre, post)
    assert "Kora Central Station" in svgs[1]
    assert "<script" not in html
    assert " style=" not in html


def test_items_csv(client, people, graded):
    client.force_login(people.admin)

    response = client.get(url(graded, format="csv", table="items"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="final-test-{graded.pk}-items.csv"'
    rows = csv_rows(response)
    assert rows[0] == [
        "Question id",
        "Question",
        "Kind",
        "Competency",
        "Attempts",
        "Difficulty (share correct)",
        "Discrimination (corrected point-biserial)",
        "Review",
        "No answer",
        "Choices picked",
    ]
    assert [row[1:] for row in rows[1:]] == [
        [
            "Q1: Who may order an arrest?",
            "single",
            "",
            "5",
            "0.6",
            "-0.389",
            "Low discrimination",
            "0",
            "A (correct): 3; B: 1; C: 1",
        ],
        [
            "Q2: A detainee may see a lawyer.",
            "true_false",
            "",
            "5",
            "0.8",
            "0.196",
            "Low discrimination",
            "0",
            "True (correct): 4; False: 1",
        ],
        [
            "Q3: Which are rights of a detainee?",
            "multiple",
            "",
            "5",
            "0.6",
            "0.327",
            "",
            "0",
            "X (correct): 4; Y (correct): 3; Z: 1",
        ],
    ]


def test_gain_csv(client, people, graded):
    client.force_login(people.admin)

    rows = csv_rows(client.get(url(graded, format="csv", table="gain")))

    assert rows == [
        [
            "Unit code",
            "Unit",
            "Officers",
            "Mean pre-test (%)",
            "Mean post-test (%)",
            "Mean gain (points)",
            "Normalised gain",
        ],
        ["N1-ST", "Kora Central Station", "3", "16.67", "72.22", "55.55", "0.667"],
        ["S1-ST", "Talu Central Station", "1", "50.0", "66.67", "16.67", "0.333"],
        ["", "All officers", "4", "25.0", "70.83", "45.83", "0.611"],
    ]


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_csv_neutralises_formulas(client, people, graded, text):
    question = Question.objects.get(bank=graded.bank, text__startswith="Q1")
    question.text = text  # as if it had been shown so: rewrite the snapshots too
    question.save()
    for attempt in Attempt.objects.filter(assessment=graded):
        attempt.snapshot[0]["text"] = text
        attempt.save(update_fields=["snapshot"])
    client.force_login(people.admin)

    rows = csv_rows(client.get(url(graded, format="csv", table="items")))

    assert rows[1][1] == "'" + text
    assert [row[5] for row in rows[1:]] == ["0.6", "0.8", "0.6"]  # numbers untouched


def test_csv_cell():
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("-0.389") == "'-0.389"  # only text: numbers are written as numbers
    assert csv_cell(-0.389) == -0.389
    assert csv_cell("Plain") == "Plain"


# Query count ---------------------------------------------------------------------------------


@pytest.mark.parametrize("officers", [3, 60])
def test_page_runs_a_fixed_number_of_queries(client, people, tree, tests_pair, django_assert_max_num_queries, officers):
    post, pre = tests_pair
    for index in range(officers):
        user = officer_user(f"taker{index}", tree.north_station if index % 2 else tree.south_station)
        course_services.enrollment_create_self(course=post.course, user=user)
        take(pre, user, PRE_PICKS["o1"])
        take(post, user, PICKS[f"o{index % 5 + 1}"])
    client.force_login(people.admin)

    # Session, user, roles, assessment, post-test attempts, their answers, pre-test attempts,
    # whether the viewer may read the key (authorship and enrolment), notifications.
    with django_assert_max_num_queries(9):
        response = client.get(url(post))

    assert response.status_code == 200
    assert response.context["distribution"].n == officers
    assert response.context["gain"].cohort.n == officers


# Credits per choice ------------------------------------------------------------------------------
# A post-test of Q1 single, 1 point (A 100%, B 50%, C 0%) and Q2 multiple, 2 points (X 50%,
# Y 50%, Z -100%), taken by four officers:
#
#          Q1   Q2     points       item scores (points / maximum)   total
#    c1    A    X,Y    1    2       1     1                           3
#    c2    B    X      .5   1       .5    .5                          1.5
#    c3    C    X,Z    0    0       0     0   (50 - 100 clamped to 0)  0
#    c4    B    Y,Z    .5   0       .5    0                           .5

CREDITED_PICKS = {
    "c1": {"Q1": ["A"], "Q2": ["X", "Y"]},
    "c2": {"Q1": ["B"], "Q2": ["X"]},
    "c3": {"Q1": ["C"], "Q2": ["X", "Z"]},
    "c4": {"Q1": ["B"], "Q2": ["Y", "Z"]},
}


@pytest.fixture
def credited(people, tree):
    author = people.trainer_north
    course = course_services.course_create(creator=author, code="HR-302", title="Searches", competencies=["HR"])
    module = course_services.module_create(course=course, title="Foundations")
    course_services.lesson_create(module=module, title="Warrants", body="A judge orders a search.")
    post = services.assessment_create(course=course, title="Search test", actor=author, shuffle_choices=False)
    services.question_create(
        bank=post.bank,
        kind="single",
        text="Q1: Who may order a search?",
        actor=author,
        choices=[{"text": "A", "weight": 100}, {"text": "B", "weight": 50}, {"text": "C", "weight": 0}],
    )
    services.question_create(
        bank=post.bank,
        kind="multiple",
        text="Q2: What does a search report hold?",
        actor=author,
        points=2,
        choices=[{"text": "X", "weight": 50}, {"text": "Y", "weight": 50}, {"text": "Z", "weight": -100}],
    )
    services.assessment_publish(assessment=post, actor=author)
    course_services.course_publish(course=course, actor=author)
    for name, picks in CREDITED_PICKS.items():
        user = officer_user(name, tree.north_station if name in ("c1", "c2") else tree.south_station)
        course_services.enrollment_create_self(course=course, user=user)
        take(post, user, picks)
    return post


def test_item_statistics_of_credited_choices_by_hand(credited, people):
    post, _ = all_attempts(credited, people.admin)

    items = statistics.item_statistics(post)

    assert sorted(attempt.score for attempt in post) == [
        Decimal("0.00"),
        Decimal("16.67"),
        Decimal("50.00"),
        Decimal("100.00"),
    ]
    assert [[(c.text, c.is_correct, c.weight, c.count) for c in item.choices] for item in items] == [
        [("A", True, Decimal("100"), 1), ("B", False, Decimal("50"), 2), ("C", False, Decimal("0"), 1)],
        [("X", True, Decimal("50"), 3), ("Y", True, Decimal("50"), 2), ("Z", False, Decimal("-100"), 2)],
    ]
    # Difficulty is the mean share of the points, so partial credit counts: Q1 (1 + .5 + 0 + .5) / 4,
    # Q2 (1 + .5 + 0 + 0) / 4.
    assert [item.difficulty for item in items] == [0.5, 0.375]
    # Q1 x = 1,.5,0,.5 (mean .5)  rest y = 2,1,0,0 (mean .75): Sxy = 1, Sxx = .5, Syy = 2.75
    #    r = 1 / sqrt(1.375) = 0.853
    # Q2 x = 1,.5,0,0 (mean .375) rest y = 1,.5,0,.5 (mean .5): Sxy = .5, Sxx = .6875, Syy = .5
    #    r = .5 / sqrt(.34375) = 0.853
    assert [round(item.discrimination, 3) for item in items] == [0.853, 0.853]


@pytest.mark.parametrize(
    ("who", "choices"),
    [
        (
            "admin",
            [
                '<li>A (100%) <span class="badge">correct</span>: 1</li>',
                "<li>B (50%): 2</li>",
                "<li>C (0%): 1</li>",
                '<li>X (50%) <span class="badge">correct</span>: 3</li>',
                '<li>Y (50%) <span class="badge">correct</span>: 2</li>',
                "<li>Z (-100%): 2</li>",
            ],
        ),
        (
            "leader",  # sees the statistics, not the key: neither the marks nor the credits
            ["<li>A: 1</li>", "<li>B: 2</li>", "<li>C: 1</li>", "<li>X: 3</li>", "<li>Y: 2</li>", "<li>Z: 2</li>"],
        ),
    ],
)
def test_the_page_shows_credits_only_with_the_key(client, people, credited, who, choices):
    client.force_login(getattr(people, who))

    response = client.get(url(credited))

    html = response.content.decode().replace("<bdi>", "").replace("</bdi>", "")  # choice texts are isolated
    assert re.findall(r"<li>[A-Z] [^<]*(?:<span[^>]*>[^<]*</span>)?[^<]*</li>|<li>[A-Z]: \d+</li>", html) == choices
    assert ("A percentage after a choice is its credit" in html) is (who == "admin")
    if who == "leader":
        assert [(c.is_correct, c.weight) for item in response.context["items"] for c in item.choices] == [
            (False, None)
        ] * 6


@pytest.mark.parametrize(
    ("who", "cells"),
    [
        (
            "trainer_north",  # an author of the course: the key, over the officers in scope (c1, c2)
            [
                "A (100%) (correct): 1; B (50%): 1; C (0%): 0",
                "X (50%) (correct): 2; Y (50%) (correct): 1; Z (-100%): 0",
            ],
        ),
        ("leader", ["A: 1; B: 2; C: 1", "X: 3; Y: 2; Z: 2"]),
    ],
)
def test_the_items_csv_gives_credits_only_with_the_key(client, people, credited, who, cells):
    client.force_login(getattr(people, who))

    rows = csv_rows(client.get(url(credited, format="csv", table="items")))

    assert [row[-1] for row in rows[1:]] == cells
