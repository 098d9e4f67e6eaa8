"""Leadership pages: nation -> area -> unit readiness, server-rendered (no JavaScript needed).

Who may see them: leaders (``Role.LEADERSHIP``, granted over a subtree or held by a
commander over their unit) and admins, within their subtrees (``readiness.selectors``);
anyone else signed in gets 403, a unit outside the scope 404. The pages show the stored
(derived) rows, so each costs a fixed number of queries whatever the number of units and
competencies. Units tables sort on the server (``?sort=<column>&dir=asc|desc``); the
default order is by name, as these pages show progress, not a league table.
"""

import csv
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_GET

from courses.models import COMPETENCY_NAMES
from lms.spreadsheet import csv_cell
from organisations.models import Unit
from organisations.permissions import AuthenticatedHttpRequest
from readiness import charts, projection, selectors
from readiness.models import UnitReadiness
from readiness.permissions import access_readiness_detail, readiness_reader_require

# A year of history on the trend line; the projection looks at the recent part of it.
TREND_DAYS = 366

STATUS_LABELS = {
    UnitReadiness.Status.READY: UnitReadiness.Status.READY.label,
    UnitReadiness.Status.PROGRESSING: UnitReadiness.Status.PROGRESSING.label,
    UnitReadiness.Status.NOT_READY: UnitReadiness.Status.NOT_READY.label,
    "": pgettext_lazy("readiness status", "Not measured"),
}
# Sorting by status goes from not ready to ready; "not measured" sorts with the blanks.
STATUS_RANK: dict[str, int] = {
    UnitReadiness.Status.NOT_READY: 0,
    UnitReadiness.Status.PROGRESSING: 1,
    UnitReadiness.Status.READY: 2,
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def _of_target(value: float | None, *, short: bool = False) -> str:
    """A component, a share of its target: "62% of target" ("62%" under a heading that says
    so), or "target met" rather than a bare 100% that reads like a share of officers."""
    if value is None:
        return "—"
    if round(value * 100) >= 100:
        return gettext("✓ Target met")
    return _percent(value) if short else gettext("%(value)s of target") % {"value": _percent(value)}


def _percent_number(value: float | None):
    """For CSV: a percentage with one decimal, or empty."""
    return "" if value is None else round(value * 100, 1)


# Units tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    value: Callable[[selectors.UnitRow], object]
    is_numeric: bool = True


COLUMNS = [
    Column("name", gettext_lazy("Unit"), lambda row: row.unit.name.casefold(), is_numeric=False),
    Column("status", gettext_lazy("Status"), lambda row: STATUS_RANK.get(row.status), is_numeric=False),
    Column("index", gettext_lazy("Index"), lambda row: row.index),
    Column("training", gettext_lazy("Training"), lambda row: row.training),
    Column("vetting", gettext_lazy("Vetting"), lambda row: row.vetting),
    Column("women", gettext_lazy("Women"), lambda row: row.women),
    Column("assessment", gettext_lazy("Joint assessment"), lambda row: row.assessment),
    Column("eligible", gettext_lazy("Eligible officers"), lambda row: row.eligible),
    Column("women_share", gettext_lazy("Women's share"), lambda row: row.women_share),
    Column("coverage", gettext_lazy("Coverage"), lambda row: row.coverage),
    Column(
        "ready",
        gettext_lazy("Units ready / assessed"),
        lambda row: (
            row.readiness.units_ready / row.readiness.units_assessed if row.readiness.units_assessed else None
        ),
    ),
]
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


@dataclass(frozen=True)
class Line:
    """A ``UnitRow`` as shown: texts, status icon and coverage bar."""

    row: selectors.UnitRow
    url: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.row.status, STATUS_LABELS[""]))

    @property
    def status_icon(self) -> SafeString:
        return mark_safe(charts.status_icon(self.row.status))  # charts escapes every text

    @property
    def coverage_bar(self) -> SafeString:
        # Decorative: the percentage stands beside it.
        return mark_safe(charts.coverage_bar(self.row.coverage, width=80, height=10))

    # The figures as percentages ("—" when there is none).
    @property
    def index_text(self) -> str:
        return _percent(self.row.index)

    @property
    def training_text(self) -> str:
        return _of_target(self.row.training, short=True)

    @property
    def vetting_text(self) -> str:
        return _of_target(self.row.vetting, short=True)

    @property
    def women_text(self) -> str:
        return _of_target(self.row.women, short=True)

    @property
    def assessment_text(self) -> str:
        return _of_target(self.row.assessment, short=True)

    @property
    def women_share_text(self) -> str:
        return _percent(self.row.women_share)

    @property
    def coverage_text(self) -> str:
        return _percent(self.row.coverage)


def _sorted_lines(rows: list[selectors.UnitRow], *, sort: str, direction: str) -> list[Line]:
    """Rows sorted by a column (blanks last in either direction), as ``Line``s."""
    column = COLUMNS_BY_KEY.get(sort, COLUMNS_BY_KEY["name"])
    known = [row for row in rows if column.value(row) is not None]
    blank = [row for row in rows if column.value(row) is None]
    known.sort(key=lambda row: (column.value(row), row.unit.name.casefold()), reverse=direction == "desc")
    return [Line(row=row, url=reverse("readiness-unit", args=[row.unit.pk])) for row in [*known, *blank]]


def _sort_params(request: HttpRequest) -> tuple[str, str]:
    sort = request.GET.get("sort", "name")
    direction = request.GET.get("dir", "asc")
    return (sort if sort in COLUMNS_BY_KEY else "name"), (direction if direction in ("asc", "desc") else "asc")


def _headers(*, sort: str, direction: str) -> list[dict]:
    """Column headers with sort links; the sorted one states its order in ``aria-sort``."""
    headers = []
    for column in COLUMNS:
        is_sorted = column.key == sort
        next_direction = "desc" if is_sorted and direction == "asc" else "asc"
        headers.append(
            {
                "key": column.key,
                "label": column.label,
                "is_numeric": column.is_numeric,
                "href": f"?sort={column.key}&dir={next_direction}",
                "aria_sort": ("ascending" if direction == "asc" else "descending") if is_sorted else "",
                # Training, vetting, women and joint assessment sit under one heading,
                # "share of target reached", so that "women" is not read as a share of officers.
                "is_share_of_target": column.key in selectors.COMPONENTS,
            }
        )
    return headers


def _units_table(request: HttpRequest, rows: list[selectors.UnitRow]) -> dict:
    sort, direction = _sort_params(request)
    return {
        "lines": _sorted_lines(rows, sort=sort, direction=direction),
        "headers": _headers(sort=sort, direction=direction),
        "sort": sort,
        "direction": direction,
    }


def _units_csv(rows: list[selectors.UnitRow], *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            gettext("Unit code"),
            gettext("Unit"),
            gettext("Type"),
            gettext("Status"),
            gettext("Index (%)"),
            gettext("Training (%)"),
            gettext("Vetting (%)"),
            gettext("Women (%)"),
            gettext("Joint assessment (%)"),
            gettext("Eligible officers"),
            gettext("Eligible women"),
            gettext("Women's share (%)"),
            gettext("Coverage (%)"),
            gettext("Units ready"),
            gettext("Units assessed"),
            gettext("Handed over on"),
        ]
    )
    for row in rows:
        writer.writerow(
            csv_cell(value)
            for value in (
                row.unit.code,
                row.unit.name,
                row.unit.level_name,
                str(STATUS_LABELS.get(row.status, STATUS_LABELS[""])),
                _percent_number(row.index),
                _percent_number(row.training),
                _percent_number(row.vetting),
                _percent_number(row.women),
                _percent_number(row.assessment),
                row.eligible,
                row.readiness.eligible_women,
                _percent_number(row.women_share),
                _percent_number(row.coverage),
                row.readiness.units_ready,
                row.readiness.units_assessed,
                row.handed_over_on.isoformat() if row.handed_over_on else "",
            )
        )
    return response


# The top of the scope ---------------------------------------------------------------------


@login_required
@require_GET
def readiness_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Leaders and admins: the top of their scope (the nation, or their region) and the
    areas and units right below it; with several roots (an admin over several services, a
    leader of two regions), the roots themselves. ``?format=csv`` downloads the table."""
    readiness_reader_require(request.user)
    tops = selectors.readiness_top_units(user=request.user)
    whole = tops[0] if len(tops) == 1 else None
    listed = selectors.readiness_children(whole) if whole else tops
    rows = selectors.unit_rows([whole, *listed] if whole else listed)
    whole_row, rows = (rows[0], rows[1:]) if whole else (None, rows)
    if request.GET.get("format") == "csv":
        lines = _units_table(request, rows)["lines"]
        return _units_csv(
            [line.row for line in lines], filename=f"readiness-{slugify(whole.code) if whole else 'units'}.csv"
        )
    last_full_sync = selectors.last_full_sync_of(whole.service_id) if whole else None
    context = {
        "whole": (
            Line(row=whole_row, url=reverse("readiness-unit", args=[whole.pk]))
            if whole is not None and whole_row is not None
            else None
        ),
        "last_full_sync": last_full_sync,
        "freshness": selectors.readiness_freshness(units=[whole] if whole else tops, last_full_sync=last_full_sync),
        **_units_table(request, rows),
    }
    return render(request, "readiness/overview.html", context)


# One unit or area ---------------------------------------------------------------------------


def _women_text(row: selectors.UnitRow, profile) -> str:
    """The women component with the share it stands for: a unit's against its profile's
    target; an area's is a mean over its units, whose targets may differ."""
    text = _of_target(row.women)
    if not row.is_assessed or profile is None or row.women_share is None:
        return text
    return gettext("%(component)s (women are %(share)s of eligible officers; target %(target)s)") % {
        "component": text,
        "share": _percent(row.women_share),
        "target": _percent(float(profile.women_target)),
    }


def _gate_label(key: str) -> str:
    if key == "vetting":
        return gettext("Vetting: eligible officers finally certified")
    if key == "women":
        return gettext("Women's share of eligible officers")
    return str(COMPETENCY_NAMES.get(key, key))


def _series(
    *, row: selectors.UnitRow, detail: selectors.UnitReadinessDetail, history, threshold: float, today
) -> list[projection.Series]:
    """What must reach its target for the unit to be ready: the index, and each gate (the
    gate's share, or the capped vetting and women's scores against 1). Today's stored
    figures end every series, after the daily snapshots."""
    readiness = detail.readiness
    past = [snapshot for snapshot in history if snapshot.taken_on < today]
    series = [projection.Series("index", [(s.taken_on, s.index) for s in past] + [(today, readiness.index)], threshold)]
    if not row.is_assessed:
        return series
    lines = {line.code: line for line in detail.competencies}
    for gate in readiness.gates:
        key = gate["key"]
        if key in ("vetting", "women"):
            current = readiness.vetting_score if key == "vetting" else readiness.women_score
            points = [(s.taken_on, s.components.get(key)) for s in past]
            series.append(projection.Series(key, [*points, (today, current)], 1.0))
        elif (line := lines.get(key)) is not None and line.target is not None:
            points = []
            for snapshot in past:
                certified, headcount = snapshot.coverage.get(key, (0, 0))
                points.append((snapshot.taken_on, certified / headcount if headcount else None))
            series.append(projection.Series(key, [*points, (today, line.coverage)], line.target))
    return series


def _projection_texts(series: list[projection.Series], *, is_assessed: bool, threshold: float) -> tuple[str, str]:
    """The headline, about the index the chart draws, and, when a gate would be later than
    the index (or blocks any date), a second sentence naming it."""
    index_result = projection.project_targets(series[:1])
    result = projection.project_targets(series)
    if result.outcome == projection.Outcome.ALREADY:
        return _projection_text(result, is_assessed=is_assessed), ""
    if index_result.outcome == projection.Outcome.ON_DATE and index_result.on is not None:
        headline = gettext("At the current pace, the index reaches the threshold (%(threshold)s) around %(date)s.") % {
            "threshold": _percent(threshold),
            "date": date_format(index_result.on, "DATE_FORMAT"),
        }
    else:
        headline = _projection_text(index_result, is_assessed=False)
    return headline, ("" if result.key == "index" else _projection_text(result, is_assessed=is_assessed))


def _projection_text(result: projection.Projection, *, is_assessed: bool) -> str:
    label = gettext("the index") if result.key == "index" else _gate_label(result.key)
    if result.outcome == projection.Outcome.ALREADY:
        if is_assessed:
            return gettext("Targets reached: the index is at the threshold and every gate is met.")
        return gettext("The weighted index is at the threshold.")
    if result.outcome == projection.Outcome.ON_DATE and result.on is not None:  # always dated
        return gettext(
            "At the current pace, targets reached around %(date)s (the last to reach its target: %(what)s)."
        ) % {"date": date_format(result.on, "DATE_FORMAT"), "what": label}
    if result.outcome == projection.Outcome.NO_PROGRESS:
        return gettext("No progress lately in %(what)s: no date can be projected at the current pace.") % {
            "what": label
        }
    if result.outcome == projection.Outcome.TOO_SLOW:
        return gettext("At the current pace, %(what)s needs more than ten years to reach its target.") % {"what": label}
    return gettext("Not enough history yet to project a date (two dated figures in the last %(days)s days).") % {
        "days": projection.WINDOW_DAYS
    }


def _monthly(points: list[tuple[datetime.date, float | None]]) -> list[tuple[datetime.date, float | None]]:
    """The last point of each month (the trend's text alternative stays short)."""
    by_month: dict[tuple[int, int], tuple[datetime.date, float | None]] = {}
    for day, value in points:
        by_month[(day.year, day.month)] = (day, value)
    return list(by_month.values())


def _isolated(text: str) -> str:
    """A chart label in its own direction (first strong isolate): the chart is drawn left to
    right, and an Arabic "العتبة 80%" or "8 ديسمبر، 2025" would otherwise be reordered."""
    return f"\N{FIRST STRONG ISOLATE}{text}\N{POP DIRECTIONAL ISOLATE}"


def _trend(*, unit: Unit, points, threshold: float) -> dict:
    known = [(day, value) for day, value in points if value is not None]
    if known:
        (first_day, first), (last_day, last) = known[0], known[-1]
        description = gettext("Index from %(first)s on %(first_day)s to %(last)s on %(last_day)s.") % {
            "first": _percent(first),
            "first_day": date_format(first_day, "DATE_FORMAT"),
            "last": _percent(last),
            "last_day": date_format(last_day, "DATE_FORMAT"),
        }
    else:
        description = gettext("No index recorded yet.")
    svg = charts.trend_line(
        points,
        title=gettext("Readiness index of %(unit)s over time") % {"unit": unit.name},
        description=description,
        threshold=threshold,
        threshold_label=_isolated(gettext("Threshold %(value)s") % {"value": _percent(threshold)}),
        date_label=lambda day: _isolated(date_format(day, "DATE_FORMAT")),
    )
    return {
        "svg": mark_safe(svg),  # charts escapes every text
        "description": description,
        "table": [(day, _percent(value)) for day, value in _monthly(points)],
        "count": len(known),
    }


def _competency_lines(
    competencies: list[selectors.CompetencyLine], rollup: dict[str, selectors.RollupTarget] | None = None
) -> list[dict]:
    """Each competency as shown. A unit's target and "met" are its own; an area's (``rollup``)
    are its assessed units': their target (a range when their profiles differ) and met when
    every unit that requires the competency meets it, with how many do."""
    items = []
    for line in competencies:
        target, is_met, units_text = line.target, line.is_met, ""
        target_text = _percent(target)
        if rollup is not None:
            among = rollup.get(line.code)
            target, is_met = (None, None) if among is None else (among.low, among.is_met)
            if among is None:
                target_text = "—"
            elif among.low == among.high:
                target_text = _percent(among.low)
            else:
                target_text = f"{_percent(among.low)}\N{EN DASH}{_percent(among.high)}"
            if among is not None:
                units_text = ngettext(
                    "%(met)s of %(count)s unit", "%(met)s of %(count)s units", among.units_required
                ) % {"met": among.units_met, "count": among.units_required}
        items.append(
            {
                "line": line,
                "coverage_text": _percent(line.coverage),
                "target_text": target_text,
                "is_met": is_met,
                "units_text": units_text,
                # Decorative: coverage and target stand beside it as text.
                "bar": mark_safe(charts.coverage_bar(line.coverage, target=target)),
            }
        )
    return items


def _competencies_csv(unit: Unit, competencies: list[selectors.CompetencyLine]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="readiness-{slugify(unit.code)}-competencies.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            gettext("Code"),
            gettext("Competency"),
            gettext("Headcount"),
            gettext("Certified"),
            gettext("Coverage (%)"),
            gettext("Target (%)"),
            gettext("Met"),
            gettext("Gate"),
            gettext("Women"),
            gettext("Women certified"),
            gettext("Men"),
            gettext("Men certified"),
        ]
    )
    for line in competencies:
        met = "" if line.is_met is None else (gettext("yes") if line.is_met else gettext("no"))
        writer.writerow(
            csv_cell(value)
            for value in (
                line.code,
                line.name,
                line.headcount,
                line.certified,
                _percent_number(line.coverage),
                _percent_number(line.target),
                met,
                gettext("yes") if line.is_gate else "",
                line.headcount_women,
                line.certified_women,
                line.headcount_men,
                line.certified_men,
            )
        )
    return response


@login_required
@require_GET
def readiness_unit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Leaders and admins with the unit in scope (else 404): a unit's or an area's status,
    index and components, gates, competencies by sex, the units below it, freshness of the
    records, the trend and the projected date. ``?format=csv`` downloads the competencies,
    ``?format=csv&table=units`` the units below."""
    detail = access_readiness_detail(user=request.user, unit_id=pk)
    unit = detail.unit
    children = selectors.readiness_children(unit)
    rows = selectors.unit_rows([unit, *children])
    row, child_rows = rows[0], rows[1:]
    if request.GET.get("format") == "csv":
        if request.GET.get("table") == "units":
            lines = _units_table(request, child_rows)["lines"]
            return _units_csv([line.row for line in lines], filename=f"readiness-{slugify(unit.code)}-units.csv")
        return _competencies_csv(unit, detail.competencies)

    profile = selectors.readiness_profile(unit)
    threshold = float(profile.threshold) if profile else 0.8
    today = timezone.localdate()
    history = selectors.readiness_history(unit, since=today - datetime.timedelta(days=TREND_DAYS))
    series = _series(row=row, detail=detail, history=history, threshold=threshold, today=today)
    projection_text, projection_gates_text = _projection_texts(series, is_assessed=row.is_assessed, threshold=threshold)
    readiness = detail.readiness
    context = {
        "unit": unit,
        "ancestors": selectors.readiness_ancestors(user=request.user, unit=unit),
        "line": Line(row=row, url=request.path),
        "detail": detail,
        "threshold_text": _percent(threshold),
        "components": [
            (gettext("Training"), _of_target(row.training)),
            (gettext("Vetting"), _of_target(row.vetting)),
            (gettext("Women"), _women_text(row, profile)),
            (gettext("Joint assessment"), _of_target(row.assessment)),
        ],
        "gates": [{"label": _gate_label(gate["key"]), "met": gate["met"]} for gate in readiness.gates],
        "competencies": _competency_lines(
            detail.competencies, None if row.is_assessed else selectors.rollup_competency_targets(unit)
        ),
        "projection_text": projection_text,
        "projection_gates_text": projection_gates_text,
        "trend": _trend(unit=unit, points=series[0].points, threshold=threshold),
        "has_children": bool(child_rows),
        "freshness": selectors.readiness_freshness(units=[unit], last_full_sync=detail.last_full_sync),
        **_units_table(request, child_rows),
    }
    return render(request, "readiness/unit.html", context)
