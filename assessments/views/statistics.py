"""The statistics page of an assessment for trainers and leaders: item analysis, the score
distribution and the pre-test/post-test gain, as tables, server-rendered SVG charts (no
JavaScript) and CSV downloads."""

import csv
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from assessments import permissions, selectors, statistics
from assessments.validation import number_text
from lms.spreadsheet import csv_cell
from organisations.permissions import AuthenticatedHttpRequest
from organisations.selectors import user_roles

# Below this many scored attempts at a question, its difficulty and discrimination move a
# lot with each new attempt (the standard error of a correlation near 0 is about 1/sqrt(n):
# 0.18 at 30): they are shown as indicative, and the page says so.
MIN_ATTEMPTS_TO_JUDGE = 30

# Chart geometry, in SVG user units (the SVG scales to its box).
HISTOGRAM_WIDTH, HISTOGRAM_HEIGHT = 320, 180
HISTOGRAM_TOP, HISTOGRAM_BASE = 20, 150  # bars grow from the base line up to the top
GAIN_LABEL_WIDTH, GAIN_BAR_WIDTH, GAIN_ROW_HEIGHT = 120, 160, 44


def _round(value, places: int):
    return "" if value is None else round(value, places)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    label_x: float = 0
    label_y: float = 0
    value_x: float = 0
    value_y: float = 0


def histogram_bars(distribution: statistics.Distribution) -> list[Bar]:
    """One vertical bar per 10-point bin, its count as text above it and the bin below."""
    slot = HISTOGRAM_WIDTH / len(distribution.bins)
    tallest = max(distribution.bins) or 1
    bars = []
    for index, (count, label) in enumerate(zip(distribution.bins, distribution.bin_labels, strict=True)):
        height = (HISTOGRAM_BASE - HISTOGRAM_TOP) * count / tallest
        x = index * slot + 2
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(HISTOGRAM_BASE - height, 1),
                width=round(slot - 4, 1),
                height=round(height, 1),
                label=label,
                value=str(count),
                label_x=round(x + (slot - 4) / 2, 1),
                label_y=HISTOGRAM_BASE + 16,
                value_x=round(x + (slot - 4) / 2, 1),
                value_y=round(HISTOGRAM_BASE - height - 4, 1),
            )
        )
    return bars


def gain_rows(report: statistics.GainReport) -> list[dict]:
    """Per unit, two horizontal bars on a 0-100 scale: mean pre-test and mean post-test."""
    rows = []
    for index, gain in enumerate(report.units):
        top = index * GAIN_ROW_HEIGHT + 4
        bars = []
        for offset, (kind, score) in enumerate((("pre", gain.mean_pre), ("post", gain.mean_post))):
            width = GAIN_BAR_WIDTH * score / 100
            y = top + offset * 18
            bars.append(
                {
                    "kind": kind,
                    "x": GAIN_LABEL_WIDTH,
                    "y": y,
                    "width": round(width, 1),
                    "height": 16,
                    "value": f"{score:.1f}",
                    "value_x": round(GAIN_LABEL_WIDTH + width + 4, 1),
                    "value_y": y + 12,
                }
            )
        assert gain.unit is not None  # ``report.units`` are per unit; only the cohort has none
        rows.append({"label": gain.unit.name, "label_y": top + 21, "bars": bars})
    return rows


@login_required
def assessment_statistics(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Item analysis, score distribution and learning gain of an assessment, over the
    graded attempts of officers within the viewer's scope (trainers and leaders; admins
    everything); 403 for anyone else, 404 for an assessment of a course they cannot see.
    Which choices are right, and each choice's credit where the question has credits, are
    shown only to readers of the key (``permissions.answer_key_visible``: not leadership,
    not anyone enrolled in the course).
    ``?format=csv&table=items`` or ``table=gain`` downloads a table."""
    if not user_roles(request.user).has(*selectors.STAFF_ROLES):
        raise PermissionDenied
    assessment = permissions.access_assessment(user=request.user, assessment_id=pk)
    post_attempts, pre_attempts = selectors.statistics_attempts(user=request.user, assessment=assessment)
    items = statistics.item_statistics(post_attempts)
    with_key = permissions.answer_key_visible(user=request.user, assessment=assessment)
    for item in items:
        for choice in item.choices:
            if item.kind == "true_false":  # stored in English, translated when shown
                choice.text = gettext(choice.text)
            if not with_key:
                choice.hide_key()
    distribution = statistics.score_distribution(post_attempts)
    gain = statistics.learning_gain(pre_attempts=pre_attempts, post_attempts=post_attempts)
    if request.GET.get("format") == "csv":
        table = request.GET.get("table")
        if table == "items":
            return _items_csv(assessment, items)
        if table == "gain":
            return _gain_csv(assessment, gain)
        raise Http404
    labels = _review_labels()
    for item in items:
        item.review_labels = [labels[reason] for reason in item.review_reasons]
    context = {
        "assessment": assessment,
        "with_key": with_key,
        "items": items,
        "distribution": distribution,
        "bars": histogram_bars(distribution),
        "gain": gain,
        "has_pretests": bool(pre_attempts) or assessment.pretests.exists(),
        "gain_rows": gain_rows(gain),
        "gain_chart_height": max(len(gain.units), 1) * GAIN_ROW_HEIGHT + 8,
        "min_attempts": MIN_ATTEMPTS_TO_JUDGE,
        "too_few_note": _too_few_note(items),
    }
    return render(request, "assessments/statistics/assessment.html", context)


def _too_few_note(items: list[statistics.ItemStatistics]) -> str:
    """The warning shown above the questions when any has fewer attempts than it takes to
    judge it; empty otherwise."""
    if not any(item.n < MIN_ATTEMPTS_TO_JUDGE for item in items):
        return ""
    return ngettext(
        "Too few attempts to judge a question: with fewer than %(count)s scored attempt, "
        "a question's difficulty and discrimination are only indicative (marked so below) "
        "and may change much with the next attempts.",
        "Too few attempts to judge a question: with fewer than %(count)s scored attempts, "
        "a question's difficulty and discrimination are only indicative (marked so below) "
        "and may change much with the next attempts.",
        MIN_ATTEMPTS_TO_JUDGE,
    ) % {"count": MIN_ATTEMPTS_TO_JUDGE}


def _review_labels() -> dict[str, str]:
    return {
        "low_discrimination": gettext("Low discrimination"),
        "too_easy": gettext("Too easy"),
        "too_hard": gettext("Too hard"),
    }


def _csv_response(assessment, name: str):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = slugify(assessment.title) or "assessment"
    response["Content-Disposition"] = f'attachment; filename="{slug}-{assessment.pk}-{name}.csv"'
    response.write("\ufeff")  # spreadsheets then read the file as UTF-8
    return response, csv.writer(response, lineterminator="\r\n")


def _items_csv(assessment, items: list[statistics.ItemStatistics]) -> HttpResponse:
    response, writer = _csv_response(assessment, "items")
    labels = _review_labels()
    writer.writerow(
        [
            gettext("Question id"),
            gettext("Question"),
            gettext("Kind"),
            gettext("Competency"),
            gettext("Attempts"),
            gettext("Difficulty (share correct)"),
            gettext("Discrimination (corrected point-biserial)"),
            gettext("Review"),
            gettext("No answer"),
            gettext("Choices picked"),
        ]
    )
    for item in items:
        picked = "; ".join(_choice_cell(choice) for choice in item.choices)
        writer.writerow(
            csv_cell(value)
            for value in (
                item.id,
                item.text,
                item.kind,
                item.competency,
                item.n,
                _round(item.difficulty, 3),
                _round(item.discrimination, 3),
                ", ".join(labels[reason] for reason in item.review_reasons),
                item.no_answer,
                picked,
            )
        )
    return response


def _choice_cell(choice: statistics.ChoiceCount) -> str:
    """``b (50%) (correct): 12``: the credit and the mark only where the view left them."""
    credit = "" if choice.weight is None else f" ({number_text(choice.weight)}%)"
    correct = f" ({gettext('correct')})" if choice.is_correct else ""
    return f"{choice.text}{credit}{correct}: {choice.count}"


def _gain_csv(assessment, report: statistics.GainReport) -> HttpResponse:
    response, writer = _csv_response(assessment, "gain")
    writer.writerow(
        [
            gettext("Unit code"),
            gettext("Unit"),
            gettext("Officers"),
            gettext("Mean pre-test (%)"),
            gettext("Mean post-test (%)"),
            gettext("Mean gain (points)"),
            gettext("Normalised gain"),
        ]
    )
    rows = [*report.units, report.cohort] if report.cohort else []
    for gain in rows:
        writer.writerow(
            csv_cell(value)
            for value in (
                gain.unit.code if gain.unit else "",
                gain.unit.name if gain.unit else gettext("All officers"),
                gain.n,
                _round(gain.mean_pre, 2),
                _round(gain.mean_post, 2),
                _round(gain.mean_gain, 2),
                _round(gain.normalised_gain, 3),
            )
        )
    return response
