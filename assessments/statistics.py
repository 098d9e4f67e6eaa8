"""Measuring learning: item analysis, score distribution and pre-test/post-test gain.

Pure computations over graded attempt rows (no HTTP, no queries of their own): each
attempt needs ``officer_id``, ``number``, ``score``, ``is_passed``, ``snapshot`` and its
answers through ``attempt.answers.all()`` (prefetched by
``selectors.statistics_attempts``); the gain also reads ``attempt.officer.unit``.

Choices made here, so that the numbers can be checked by hand:

- Only each officer's FIRST graded attempt counts (lowest attempt number among the graded
  ones), for the item statistics, the distribution and the gain alike: a trainee who
  retakes an assessment would otherwise be counted twice and the retake, taken after
  seeing feedback, would inflate the numbers.
- Results are floats (rounded for display: difficulty and discrimination to 3 places,
  scores and gains to 2). Grades themselves stay Decimals in the database; nothing here
  is written back.
"""

import math
import statistics as stats
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assessments.models import Answer, Attempt
from organisations.models import Unit

CHOICE_KINDS = ("single", "multiple", "true_false")
BIN_COUNT = 10
# Items flagged for review: they tell strong from weak trainees poorly, or nearly everyone
# (or nearly no one) gets them right.
LOW_DISCRIMINATION = 0.2
TOO_EASY = 0.9
TOO_HARD = 0.2


def first_attempts(attempts: Iterable[Attempt]) -> list[Attempt]:
    """Each officer's first graded attempt (lowest ``number``), in officer order."""
    first: dict[int, Attempt] = {}
    for attempt in attempts:
        if attempt.score is None:
            continue
        kept = first.get(attempt.officer_id)
        if kept is None or attempt.number < kept.number:
            first[attempt.officer_id] = attempt
    return [first[officer_id] for officer_id in sorted(first)]


# Items --------------------------------------------------------------------------------------


@dataclass
class ChoiceCount:
    """How many attempts picked a choice (``id``: the bank's choice), with its key: whether
    it is right and its credit in percent (``weight``, None without credits). Both are the
    answer key: a view clears them for a reader who may not see it (``hide_key``)."""

    id: int
    text: str
    is_correct: bool
    count: int = 0
    weight: Decimal | None = None

    def hide_key(self) -> None:
        self.is_correct = False
        self.weight = None


@dataclass
class ItemStatistics:
    """One question across the attempts that showed it.

    ``difficulty`` is the mean item score (share correct for right/wrong items; mean points
    over maximum points for partial-credit items), ``discrimination`` the corrected
    item-total point-biserial correlation (see ``point_biserial``), ``choices`` how many
    attempts picked each choice (choice questions; a multiple-choice attempt counts for
    every choice it picked) and ``no_answer`` how many left the question blank.
    """

    id: int
    kind: str
    text: str
    competency: str
    n: int = 0
    difficulty: float | None = None
    discrimination: float | None = None
    choices: list[ChoiceCount] = field(default_factory=list)
    no_answer: int = 0
    # The page's words for ``review_reasons`` (translated there; empty here).
    review_labels: list[str] = field(default_factory=list)

    @property
    def review_reasons(self) -> list[str]:
        """Codes of why the item deserves a look: ``low_discrimination``, ``too_easy``, ``too_hard``."""
        reasons = []
        if self.discrimination is not None and self.discrimination < LOW_DISCRIMINATION:
            reasons.append("low_discrimination")
        if self.difficulty is not None and self.difficulty > TOO_EASY:
            reasons.append("too_easy")
        if self.difficulty is not None and self.difficulty < TOO_HARD:
            reasons.append("too_hard")
        return reasons

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation; None with fewer than two pairs or when either side is constant."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def point_biserial(item_scores: list[float], rest_scores: list[float]) -> float | None:
    """The corrected item-total point-biserial correlation.

    The Pearson correlation between the item score of each attempt (1/0 for right/wrong
    items, the fraction of the points for partial credit: Pearson on a 1/0 variable is the
    point-biserial) and the attempt's total points WITHOUT this item ("rest score"), so
    the item does not correlate with itself. None when n < 2 or either variance is zero.
    """
    return pearson(item_scores, rest_scores)


def _float(value: Decimal | str | None) -> float:
    return float(value) if value is not None else 0.0


def _item_score(question: dict[str, Any], answer: Answer | None) -> float:
    """The share of the question's points the answer earned (0 for no answer)."""
    if answer is None or answer.points is None:
        return 0.0
    maximum = _float(question["points"])
    if maximum <= 0:
        return 1.0 if answer.is_correct else 0.0
    return _float(answer.points) / maximum


def _is_blank(question: dict[str, Any], answer: Answer | None) -> bool:
    if answer is None or not isinstance(answer.response, dict):
        return True
    if question["kind"] in CHOICE_KINDS:
        return not answer.response.get("choices")
    return not str(answer.response.get("text") or "").strip()


def item_statistics(attempts: Iterable[Attempt]) -> list[ItemStatistics]:
    """Per question, over the first graded attempts (``first_attempts``): n, difficulty,
    discrimination, distractor counts. Questions in the order they were shown; choices in
    the bank's order (their ``source`` ids), since each attempt shuffles them and shows
    them under ids of its own."""
    attempts = first_attempts(attempts)
    items: dict[int, ItemStatistics] = {}
    scores: dict[int, list[float]] = {}
    rests: dict[int, list[float]] = {}
    for attempt in attempts:
        answers = {answer.question_id: answer for answer in attempt.answers.all()}
        earned = {question["id"]: _item_score(question, answers.get(question["id"])) for question in attempt.snapshot}
        points = {
            question["id"]: _float(answers[question["id"]].points) if question["id"] in answers else 0.0
            for question in attempt.snapshot
        }
        total = sum(points.values())
        for question in attempt.snapshot:
            item = items.get(question["id"])
            if item is None:
                item = items[question["id"]] = ItemStatistics(
                    id=question["id"],
                    kind=question["kind"],
                    text=question["text"],
                    competency=question.get("competency", ""),
                    choices=[
                        ChoiceCount(
                            id=choice["source"],
                            text=choice["text"],
                            is_correct=bool(choice["correct"]),
                            weight=None if choice.get("weight") is None else Decimal(choice["weight"]),
                        )
                        for choice in sorted(question["choices"], key=lambda c: c["source"])
                    ]
                    if question["kind"] in CHOICE_KINDS
                    else [],
                )
                scores[item.id], rests[item.id] = [], []
            answer = answers.get(question["id"])
            item.n += 1
            scores[item.id].append(earned[item.id])
            rests[item.id].append(total - points[item.id])
            if answer is None or _is_blank(question, answer):
                item.no_answer += 1
            elif item.choices:
                # Each attempt shows the choices under ids of its own: count by the bank's.
                sources = {choice["id"]: choice["source"] for choice in question["choices"]}
                picked = {sources.get(shown_id) for shown_id in answer.response.get("choices") or []}
                for choice in item.choices:
                    if choice.id in picked:
                        choice.count += 1
    for item in items.values():
        item.difficulty = sum(scores[item.id]) / item.n if item.n else None
        item.discrimination = point_biserial(scores[item.id], rests[item.id])
    return list(items.values())


# Score distribution ---------------------------------------------------------------------------


@dataclass
class Distribution:
    """Scores (percent) of the first graded attempts: ``bins`` counts 0-9, 10-19, ...,
    80-89 and 90-100 (a score in [10k, 10k+10) falls in bin k; 100 in the last)."""

    n: int
    bins: list[int]
    mean: float | None
    median: float | None
    pass_rate: float | None  # share of the attempts that passed, 0-1

    @property
    def bin_labels(self) -> list[str]:
        return [f"{10 * k}-{10 * k + 9}" for k in range(BIN_COUNT - 1)] + ["90-100"]


def _score(attempt: Attempt) -> float:
    """The score of a graded attempt, as kept by ``first_attempts`` (which skips the rest)."""
    assert attempt.score is not None
    return float(attempt.score)


def score_distribution(attempts: Iterable[Attempt]) -> Distribution:
    attempts = first_attempts(attempts)
    scores = [_score(attempt) for attempt in attempts]
    bins = [0] * BIN_COUNT
    for score in scores:
        bins[min(max(int(score // 10), 0), BIN_COUNT - 1)] += 1
    passed = sum(1 for attempt in attempts if attempt.is_passed)
    return Distribution(
        n=len(scores),
        bins=bins,
        mean=stats.fmean(scores) if scores else None,
        median=stats.median(scores) if scores else None,
        pass_rate=passed / len(scores) if scores else None,
    )


# Pre-test / post-test gain ----------------------------------------------------------------------


@dataclass
class Gain:
    """Knowledge gain of a group of officers who took both the pre-test and the post-test.

    ``normalised_gain`` is Hake's class-average normalised gain, computed from the group's
    means: (mean post - mean pre) / (100 - mean pre); None when the mean pre-test score is
    100 (nothing left to gain). ``unit`` is None for the whole cohort.
    """

    unit: Unit | None
    n: int
    mean_pre: float
    mean_post: float

    @property
    def mean_gain(self) -> float:
        return self.mean_post - self.mean_pre

    @property
    def normalised_gain(self) -> float | None:
        if self.mean_pre >= 100:
            return None
        return (self.mean_post - self.mean_pre) / (100 - self.mean_pre)


@dataclass
class GainReport:
    cohort: Gain | None
    units: list[Gain]


def _gain(unit: Unit | None, pairs: list[tuple[float, float]]) -> Gain:
    return Gain(
        unit=unit,
        n=len(pairs),
        mean_pre=stats.fmean(pre for pre, _ in pairs),
        mean_post=stats.fmean(post for _, post in pairs),
    )


def learning_gain(*, pre_attempts: Iterable[Attempt], post_attempts: Iterable[Attempt]) -> GainReport:
    """Gain for the officers with a graded attempt at both (each officer's FIRST graded
    attempt of each: the pre-test as first taken, the post-test before any retake), for
    the whole cohort and per unit. The unit is the officer's CURRENT unit
    (``attempt.officer.unit``), not the one they were in when they sat the tests.

    With several pre-tests paired with one post-test, an officer's first graded pre-test
    attempt is the one submitted earliest.
    """
    pre_by_officer: dict[int, Attempt] = {}
    for attempt in pre_attempts:
        if attempt.score is None:
            continue
        kept = pre_by_officer.get(attempt.officer_id)
        if kept is None or (attempt.submitted_at, attempt.number) < (kept.submitted_at, kept.number):
            pre_by_officer[attempt.officer_id] = attempt
    pairs_by_unit: dict[int, list[tuple[float, float]]] = {}
    units: dict[int, Unit] = {}
    everyone: list[tuple[float, float]] = []
    for post in first_attempts(post_attempts):
        pre = pre_by_officer.get(post.officer_id)
        if pre is None:
            continue
        pair = (_score(pre), _score(post))
        everyone.append(pair)
        unit = post.officer.unit
        units[unit.pk] = unit
        pairs_by_unit.setdefault(unit.pk, []).append(pair)
    if not everyone:
        return GainReport(cohort=None, units=[])
    by_path = sorted(pairs_by_unit.items(), key=lambda item: (units[item[0]].path, item[0]))
    rows = [_gain(units[pk], pairs) for pk, pairs in by_path]
    return GainReport(cohort=_gain(None, everyone), units=rows)
