"""The handover briefing: one unit's or area's readiness on A4, for the joint decision.

Drawn with ReportLab through ``lms.pdf`` (names in any script; Arabic shaped and put in
right-to-left order by ``draw_text``), in the language the reader uses the site in. In a
right-to-left language the page is mirrored (text and table columns run from the right);
the trend chart runs left to right in every language, like the pages' charts, with its
figures written beside it.

Content: the unit and its place in the tree, the date, the status in words (its colour is
only a help), the index and its components, the gates met and not met, a table of every
competency (headcount, certified, coverage, target, met, and the same by sex), the trend of
the index from the daily snapshots (drawn as lines, no image), the latest joint assessment
round and the latest handover decision. Everything comes from the stored rows; nothing is
computed here.
"""

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext, pgettext

from courses.models import COMPETENCY_NAMES
from lms.pdf import BOLD, REGULAR, draw_text, pdf_canvas, wrap_text
from lms.pdf.text import Align, Direction
from organisations.models import Unit
from organisations.selectors import unit_ancestors
from readiness.compute import ProfileRule
from readiness.models import (
    CompetencyMetric,
    HandoverDecision,
    JointAssessment,
    Snapshot,
    UnitReadiness,
    field_label,
)
from readiness.selectors import CompetencyLine, UnitReadinessDetail
from readiness.services import is_assessed, profile_rules

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 portrait, points
MARGIN = 50
BODY = 9
LEADING = 12
TREND_DAYS = 365
EVIDENCE_LINES = 8
DECISIONS = 5
CHART_HEIGHT = 110
# (key, share of the table width) in reading order; mirrored for right-to-left languages.
COLUMNS = (
    ("competency", 0.33),
    ("headcount", 0.10),
    ("certified", 0.09),
    ("coverage", 0.09),
    ("target", 0.08),
    ("met", 0.09),
    ("women", 0.11),
    ("men", 0.11),
)
# The table of units below an area, the same way.
UNIT_COLUMNS = (
    ("unit", 0.27),
    ("index", 0.08),
    ("status", 0.13),
    ("gates", 0.30),
    ("decision", 0.22),
)
GAP = 5
# Status colours (as on the pages); the status is always written out beside its swatch.
STATUS_COLOURS: dict[str, tuple[float, float, float]] = {
    UnitReadiness.Status.READY: (0.10, 0.50, 0.22),
    UnitReadiness.Status.PROGRESSING: (0.60, 0.40, 0.0),
    UnitReadiness.Status.NOT_READY: (0.78, 0.16, 0.16),
}
GREY = (0.43, 0.47, 0.51)
INK = (0.12, 0.14, 0.16)
ACCENT = (0.04, 0.36, 0.68)


@dataclass(frozen=True)
class GateFact:
    """A gate with the unit's value against its target (shares 0-1; None: nobody to count)."""

    key: str
    value: float | None
    target: float | None
    met: bool

    @property
    def label(self) -> str:
        return _gate_label(self.key)

    @property
    def short_text(self) -> str:
        """ "Vetting 38% / 80% ✗" for the units table: the competency code, "Vetting" or "Women"."""
        name = {"vetting": gettext("Vetting"), "women": gettext("Women")}.get(self.key, self.key)
        return gettext("%(gate)s %(value)s of %(target)s: %(met)s") % {
            "gate": name,
            "value": _percent(self.value),
            "target": _percent(self.target),
            "met": _met_label(self.met),
        }

    @property
    def text(self) -> str:
        """ "Vetting: …: 35% of 80% needed, not met"."""
        return gettext("%(gate)s: %(value)s against %(target)s, %(met)s") % {
            "gate": self.label,
            "value": _percent(self.value),
            "target": _percent(self.target),
            "met": _met_label(self.met),
        }


def gate_facts(
    *, readiness: UnitReadiness, rule: ProfileRule, metrics: dict[str, tuple[int, int, float | None]]
) -> list[GateFact]:
    """Each stored gate of ``readiness`` with its value and target: a competency's coverage
    (``metrics``: code -> certified, headcount, target), the share of eligible officers
    finally certified, or the women's share, against the profile's ``rule``."""
    facts = []
    eligible = readiness.eligible
    for gate in readiness.gates:
        key = str(gate["key"])
        if key == "vetting":
            value = readiness.finally_certified / eligible if eligible else None
            target: float | None = rule.vetting_target
        elif key == "women":
            value = readiness.eligible_women / eligible if eligible else None
            target = rule.women_target
        else:
            certified, headcount, target = metrics.get(key, (0, 0, None))
            if target is None and (requirement := rule.target_of(key)) is not None:
                target = requirement.target
            value = certified / headcount if headcount else None
        facts.append(GateFact(key=key, value=value, target=target, met=bool(gate["met"])))
    return facts


@dataclass(frozen=True)
class Briefing:
    """What a briefing shows, read from the stored rows."""

    detail: UnitReadinessDetail
    path: list[str]
    threshold: float
    trend: list[tuple[datetime.date, float | None]]
    assessment: JointAssessment | None
    decisions: list[HandoverDecision]
    gates: list[GateFact]
    units: list["UnitLine"]

    @property
    def unit(self) -> Unit:
        return self.detail.unit


def briefing_data(*, detail: UnitReadinessDetail) -> Briefing:
    """Everything the briefing of ``detail``'s unit shows, in a fixed number of queries.

    ``detail`` comes from ``readiness.selectors.readiness_unit_detail_get``, which checked
    that the reader may see the unit."""
    unit = detail.unit
    rules, default = profile_rules()
    since = timezone.localdate() - datetime.timedelta(days=TREND_DAYS)
    return Briefing(
        detail=detail,
        path=[ancestor.name for ancestor in unit_ancestors(unit)],
        threshold=rules.get(unit.unit_type, default).threshold,
        trend=list(
            Snapshot.objects.filter(unit=unit, taken_on__gte=since)
            .order_by("taken_on")
            .values_list("taken_on", "index")
        ),
        assessment=JointAssessment.objects.filter(unit=unit).order_by("-assessed_on", "-pk").first(),
        decisions=list(
            HandoverDecision.objects.filter(unit=unit)
            .select_related("recorded_by", "approved_by")
            .order_by("-decided_on", "-pk")[:DECISIONS]
        ),
        gates=gate_facts(
            readiness=detail.readiness,
            rule=rules.get(unit.unit_type, default),
            metrics={
                line.code: (line.certified, line.headcount, line.target) for line in detail.competencies if line.is_gate
            },
        ),
        units=[] if is_assessed(unit.unit_type) else _unit_lines(unit, rules, default),
    )


@dataclass(frozen=True)
class UnitLine:
    """A unit or area below the briefing's area: its figures, gates and latest decision."""

    unit: Unit
    depth: int
    readiness: UnitReadiness | None
    gates: list[GateFact]
    decision: HandoverDecision | None  # the newest, in effect or awaiting approval


def _unit_lines(root: Unit, rules: dict[str, ProfileRule], default: ProfileRule) -> list[UnitLine]:
    """Every unit and area below ``root``, depth first, in three queries. The reader may see
    ``root``, so every unit below it is in their scope."""
    units = list(
        Unit.objects.filter(path__startswith=root.path).exclude(pk=root.pk).select_related("readiness").order_by("path")
    )
    ids = [unit.pk for unit in units]
    metrics: dict[int, dict[str, tuple[int, int, float | None]]] = {}
    for unit_id, code, certified, headcount, target in CompetencyMetric.objects.filter(
        unit_id__in=ids, is_gate=True
    ).values_list("unit_id", "competency_id", "certified", "headcount", "target"):
        metrics.setdefault(unit_id, {})[code] = (certified, headcount, None if target is None else float(target))
    decisions: dict[int, HandoverDecision] = {}
    for decision in HandoverDecision.objects.filter(unit_id__in=ids).order_by("unit_id", "-decided_on", "-pk"):
        decisions.setdefault(decision.unit_id, decision)
    lines = []
    for unit in units:
        readiness = getattr(unit, "readiness", None)
        gates = (
            gate_facts(readiness=readiness, rule=rules.get(unit.unit_type, default), metrics=metrics.get(unit.pk, {}))
            if readiness is not None
            else []
        )
        depth = unit.path.count("/") - root.path.count("/")
        lines.append(UnitLine(unit, max(depth - 1, 0), readiness, gates, decisions.get(unit.pk)))
    return lines


def briefing_pdf(*, data: Briefing, language: str) -> bytes:
    """The briefing in ``language`` (labels, dates, page direction)."""
    with translation.override(language):
        return _Renderer(data, is_rtl=translation.get_language_bidi()).render()


# Formatting --------------------------------------------------------------------------------


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


percent_text = _percent  # the pages that show what the briefing shows, in the same form


def _date(day: datetime.date | None) -> str:
    return formats.date_format(day, "DATE_FORMAT") if day else "—"


def _status_label(readiness: UnitReadiness) -> str:
    if readiness.computed_at is None:
        return gettext("Not computed yet")
    if not readiness.status:
        return gettext("Not measured: no eligible officer")
    return str(UnitReadiness.Status(readiness.status).label)


def _met_label(met: bool | None) -> str:
    if met is None:
        return "—"
    return gettext("met") if met else gettext("not met")


def _competency_name(code: str) -> str:
    return str(COMPETENCY_NAMES.get(code, code))


def _gate_label(key: str) -> str:
    if key == "vetting":
        return gettext("Vetting: eligible officers finally certified")
    if key == "women":
        return gettext("Women's share of eligible officers")
    return f"{key} {_competency_name(key)}"


def _headings() -> dict[str, str]:
    return {
        "competency": gettext("Competency"),
        "headcount": gettext("Headcount"),
        "certified": gettext("Certified"),
        "coverage": gettext("Coverage"),
        "target": gettext("Target"),
        "met": gettext("Met"),
        "women": gettext("Women"),
        "men": gettext("Men"),
    }


def _by_sex(certified: int, headcount: int) -> str:
    return f"{certified}/{headcount}" if headcount else "—"


# Drawing -----------------------------------------------------------------------------------


class _Renderer:
    """Draws the briefing top to bottom, starting a new page when a block does not fit."""

    def __init__(self, data: Briefing, *, is_rtl: bool):
        self.data = data
        self.is_rtl = is_rtl
        self.direction: Direction = "rtl" if is_rtl else "auto"
        self.buffer = io.BytesIO()
        self.page = 1
        self.y = PAGE_HEIGHT - MARGIN
        self.width = PAGE_WIDTH - 2 * MARGIN
        self.columns: dict[str, tuple[float, float]] = {}
        offset = 0.0
        for key, share in COLUMNS:
            column_width = self.width * share
            start = PAGE_WIDTH - MARGIN - offset - column_width if is_rtl else MARGIN + offset
            self.columns[key] = (start, column_width - GAP)
            offset += column_width
        offset = 0.0
        for key, share in UNIT_COLUMNS:
            column_width = self.width * share
            start = PAGE_WIDTH - MARGIN - offset - column_width if is_rtl else MARGIN + offset
            self.columns[key] = (start, column_width - GAP)
            offset += column_width

    # Placement --------------------------------------------------------------------------

    @property
    def align(self) -> Align:
        return "right" if self.is_rtl else "left"

    def x(self, key: str | None = None, indent: float = 0) -> float:
        """Where a line starts: its left edge, or its right edge on a right-to-left page."""
        if key is None:
            return PAGE_WIDTH - MARGIN - indent if self.is_rtl else MARGIN + indent
        start, width = self.columns[key]
        return start + width if self.is_rtl else start

    def text(
        self, text: str, *, key: str | None = None, y: float | None = None, size: float = BODY, **options: Any
    ) -> None:
        width = self.columns[key][1] if key else self.width - options.pop("indent", 0)
        indent = self.width - width if key is None else 0
        options.setdefault("direction", self.direction)
        draw_text(
            self.canvas,
            self.x(key, indent),
            self.y if y is None else y,
            text,
            size=size,
            align=self.align,
            max_width=width,
            min_size=6,
            **options,
        )

    def lines(self, text: str, *, size: float = BODY, indent: float = 0, max_lines: int | None = None) -> list:
        """A paragraph someone typed (evidence, notes): its direction is its own."""
        lines = wrap_text(text, max_width=self.width - indent, size=size)
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = wrap_text(f"{lines[-1].text} …", max_width=10_000, size=size)[0]
        return lines

    def paragraph(self, lines: list, *, indent: float = 0) -> None:
        for line in lines:
            self.need(LEADING)
            line.draw(self.canvas, self.x(None, indent), self.y, align=self.align)
            self.y -= LEADING

    def need(self, height: float) -> None:
        if self.y - height < MARGIN + 10:
            self.new_page()

    def new_page(self) -> None:
        self.footer()
        self.canvas.showPage()
        self.page += 1
        self.y = PAGE_HEIGHT - MARGIN

    def footer(self) -> None:
        text = gettext("Page %(number)s") % {"number": self.page}
        self.text(text, y=MARGIN / 2, size=8)

    def heading(self, text: str, *, keep: float = 0) -> None:
        """A section heading, on a new page if it and ``keep`` points below it do not fit."""
        self.need(3 * LEADING + keep)
        self.y -= 8
        self.text(text, size=12, weight=BOLD)
        self.y -= LEADING + 4

    # Document ---------------------------------------------------------------------------

    def render(self) -> bytes:
        unit = self.data.unit
        title = gettext("Handover briefing")
        self.canvas = pdf_canvas(
            self.buffer,
            title=f"{title} - {unit.name}",
            author=gettext("Police development LMS"),
            subject=" / ".join([*self.data.path, unit.name]),
            keywords=", ".join([gettext("readiness"), gettext("handover"), unit.code]),
        )
        self.header(title)
        self.status()
        self.decision()
        self.gates()
        self.units()
        self.competencies()
        self.trend()
        self.assessment()
        self.footer()
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()

    def header(self, title: str) -> None:
        unit = self.data.unit
        self.text(title, size=18, weight=BOLD)
        self.y -= 26
        self.text(unit.name, size=15, weight=BOLD)
        self.y -= 16
        if self.data.path:
            self.text(" / ".join([*self.data.path, unit.name]), size=BODY)
            self.y -= LEADING
        kind = str(Unit.Type(unit.unit_type).label) if unit.unit_type in Unit.Type.values else unit.unit_type
        self.text(f"{kind} · {unit.service.name}", size=BODY)
        self.y -= LEADING
        computed = self.data.detail.readiness.computed_at
        self.text(gettext("Drawn up on %(date)s.") % {"date": _date(timezone.localdate())}, size=8)
        self.y -= LEADING
        if computed is not None:
            local = timezone.localtime(computed)  # the same date format as the line above, then the time
            moment = f"{_date(local.date())} {formats.time_format(local.time(), 'TIME_FORMAT')}"
            self.text(gettext("Figures computed from the records: %(moment)s") % {"moment": moment}, size=8)
            self.y -= LEADING
        self.y -= 6

    def status(self) -> None:
        readiness = self.data.detail.readiness
        self.need(8 * LEADING)
        colour = STATUS_COLOURS.get(readiness.status, GREY)
        swatch = 11
        swatch_x = PAGE_WIDTH - MARGIN - swatch if self.is_rtl else MARGIN
        self.canvas.setFillColorRGB(*colour)
        self.canvas.rect(swatch_x, self.y - 2, swatch, swatch, stroke=0, fill=1)
        self.canvas.setFillColorRGB(0, 0, 0)
        label = gettext("Status: %(status)s") % {"status": _status_label(readiness)}
        self.text(label, size=13, weight=BOLD, indent=swatch + 6)
        self.y -= 18
        is_unit = is_assessed(self.data.unit.unit_type)
        if is_unit:
            index = gettext("Index %(index)s (ready from %(threshold)s, with every gate met)")
        else:
            index = gettext("Index %(index)s (the units' indexes weighted by headcount)")
        self.text(index % {"index": _percent(readiness.index), "threshold": _percent(self.data.threshold)}, size=10)
        self.y -= LEADING + 2
        if is_unit:
            components = [
                (gettext("Training"), readiness.training_score),
                (gettext("Vetting"), readiness.vetting_score),
                (gettext("Women's share"), readiness.women_score),
                (gettext("Joint assessment"), readiness.assessment_score),
            ]
            parts = [f"{name} {_percent(value)}" for name, value in components]
            self.text(gettext("Components (each against its target):") + " " + " · ".join(parts))
        else:
            self.text(
                gettext("Units ready: %(ready)s of %(assessed)s assessed; the area is ready when all of them are")
                % {"ready": readiness.units_ready, "assessed": readiness.units_assessed}
            )
        self.y -= LEADING
        men = readiness.eligible - readiness.eligible_women
        self.text(
            gettext(
                "Eligible officers: %(eligible)s (women %(women)s, men %(men)s); finally certified %(final)s; "
                "vetting status unknown %(unknown)s"
            )
            % {
                "eligible": readiness.eligible,
                "women": readiness.eligible_women,
                "men": men,
                "final": readiness.finally_certified,
                "unknown": readiness.vetting_unknown,
            }
        )
        self.y -= LEADING

    def gates(self) -> None:
        self.heading(gettext("Gates"))
        if not is_assessed(self.data.unit.unit_type):
            self.text(gettext("Gates are checked unit by unit: see the table of units below."))
            self.y -= LEADING
            return
        if not self.data.gates:
            self.text(gettext("No gate applies to this unit."))
            self.y -= LEADING
            return
        for gate in self.data.gates:
            self.need(LEADING)
            self.text(gate.text, indent=8, weight=REGULAR if gate.met else BOLD)
            self.y -= LEADING

    def units(self) -> None:
        """The table of every unit and area below an area: index, status, gates against
        their targets, and the latest decision."""
        if is_assessed(self.data.unit.unit_type):
            return
        self.heading(gettext("Units and areas"), keep=3 * LEADING)
        if not self.data.units:
            self.text(gettext("No unit below this area."))
            self.y -= LEADING
            return
        self.units_head()
        for line in self.data.units:
            self.units_row(line)

    def units_head(self) -> None:
        self.need(2 * LEADING)
        headings = {
            "unit": gettext("Unit or area"),
            "index": gettext("Index"),
            "status": gettext("Status"),
            "gates": gettext("Gates: value against target"),
            "decision": gettext("Handover decision"),
        }
        for key, heading in headings.items():
            self.text(heading, key=key, weight=BOLD, size=8)
        self.canvas.setLineWidth(0.5)
        self.canvas.line(MARGIN, self.y - 4, PAGE_WIDTH - MARGIN, self.y - 4)
        self.y -= LEADING + 4

    def cell(self, key: str, text: str, *, indent: float = 0, weight: int = REGULAR) -> list:
        return wrap_text(text, max_width=self.columns[key][1] - indent, size=8, direction=self.direction, weight=weight)

    def units_row(self, line: UnitLine) -> None:
        indent = min(line.depth, 4) * 6
        is_area = not is_assessed(line.unit.unit_type)
        readiness = line.readiness
        if readiness is None:
            status, index = gettext("Not computed yet"), "—"
        else:
            status, index = _status_label(readiness), _percent(readiness.index)
        if is_area:
            gates = [
                gettext("Units ready: %(ready)s of %(assessed)s")
                % {
                    "ready": readiness.units_ready if readiness else 0,
                    "assessed": readiness.units_assessed if readiness else 0,
                }
            ]
        elif line.gates:
            gates = [gate.short_text for gate in line.gates]
        else:
            gates = ["—"]
        cells = {
            "unit": self.cell("unit", line.unit.name, indent=indent, weight=BOLD if is_area else REGULAR),
            "index": self.cell("index", index),
            "status": self.cell("status", status),
            "gates": [wrapped for text in gates for wrapped in self.cell("gates", text)],
            "decision": self.cell("decision", _decision_summary(line.decision)),
        }
        height = LEADING * max(len(lines) for lines in cells.values()) + 2
        if self.y - height < MARGIN + 10:
            self.new_page()
            self.units_head()
        top = self.y
        for key, lines in cells.items():
            y = top
            for text_line in lines:
                x = (
                    self.x(key) - indent
                    if self.is_rtl and key == "unit"
                    else self.x(key) + (indent if key == "unit" else 0)
                )
                text_line.draw(self.canvas, x, y, align=self.align)
                y -= LEADING
        self.canvas.setLineWidth(0.25)
        self.canvas.setStrokeColorRGB(0.85, 0.86, 0.88)
        self.canvas.line(MARGIN, top - height + LEADING - 4, PAGE_WIDTH - MARGIN, top - height + LEADING - 4)
        self.canvas.setStrokeColorRGB(0, 0, 0)
        self.y = top - height

    def competencies(self) -> None:
        self.heading(gettext("Competencies"))
        self.text(
            gettext(
                "Coverage: eligible officers of the requirement's population holding a valid certificate, "
                "by competency. Women and men: certified / headcount."
            ),
            size=8,
        )
        self.y -= LEADING + 4
        self.table_head()
        for line in self.data.detail.competencies:
            self.table_row(line)

    def table_head(self) -> None:
        # A heading wider than its column wraps onto a second line (then shrinks), so no
        # two headings overprint, in whichever language they are longer.
        headings = {
            key: wrap_text(heading, max_width=self.columns[key][1], size=8, weight=BOLD, direction=self.direction)
            for key, heading in _headings().items()
        }
        rows = min(2, max(len(lines) for lines in headings.values()))
        self.need((rows + 1) * LEADING)
        top = self.y
        for key, lines in headings.items():
            texts = [line.text for line in lines[: rows - 1]] + [" ".join(line.text for line in lines[rows - 1 :])]
            for row, text in enumerate(texts):
                self.text(text, key=key, y=top - row * (LEADING - 2), weight=BOLD, size=8)
        self.y = top - (rows - 1) * (LEADING - 2)
        self.canvas.setLineWidth(0.5)
        self.canvas.line(MARGIN, self.y - 4, PAGE_WIDTH - MARGIN, self.y - 4)
        self.y -= LEADING + 4

    def table_row(self, line: CompetencyLine) -> None:
        name_lines = wrap_text(
            f"{line.code} {_competency_name(line.code)}",
            max_width=self.columns["competency"][1],
            size=8,
            direction=self.direction,
        )
        height = LEADING * max(1, len(name_lines)) + 2
        if self.y - height < MARGIN + 10:
            self.new_page()
            self.table_head()
        top = self.y
        for name_line in name_lines:
            name_line.draw(self.canvas, self.x("competency"), self.y, align=self.align)
            self.y -= LEADING
        target = "—" if line.target is None else _percent(line.target)
        if line.target is not None and line.is_gate:
            target = gettext("%(target)s (gate)") % {"target": target}
        cells = {
            "headcount": str(line.headcount),
            "certified": str(line.certified),
            "coverage": _percent(line.coverage),
            "target": target,
            "met": _met_label(line.is_met),
            "women": _by_sex(line.certified_women, line.headcount_women),
            "men": _by_sex(line.certified_men, line.headcount_men),
        }
        for key, value in cells.items():
            self.text(value, key=key, y=top, size=8)
        self.y = top - height

    def trend(self) -> None:
        self.heading(gettext("Trend of the index"))
        points = [(day, index) for day, index in self.data.trend if index is not None]
        if len(points) < 2:
            self.text(gettext("Not enough history for a trend yet: a snapshot is taken every night."))
            self.y -= LEADING
            return
        self.need(CHART_HEIGHT + 3 * LEADING)
        canvas = self.canvas
        left, right = MARGIN + 30, PAGE_WIDTH - MARGIN - 10
        bottom, top = self.y - CHART_HEIGHT, self.y - 6
        first, last = points[0][0], points[-1][0]
        span = max((last - first).days, 1)

        def x_of(day: datetime.date) -> float:
            return left + (right - left) * (day - first).days / span

        def y_of(value: float) -> float:
            return bottom + (top - bottom) * max(0.0, min(1.0, value))

        canvas.saveState()
        canvas.setLineWidth(0.4)
        canvas.setStrokeColorRGB(0.85, 0.86, 0.88)
        for share in (0.0, 0.25, 0.5, 0.75, 1.0):
            canvas.line(left, y_of(share), right, y_of(share))
        canvas.restoreState()
        for share in (0.0, 0.5, 1.0):
            draw_text(canvas, left - 4, y_of(share) - 3, _percent(share), size=7, align="right", direction="ltr")
        canvas.saveState()
        canvas.setStrokeColorRGB(*INK)
        canvas.setLineWidth(0.8)
        canvas.setDash(4, 3)
        canvas.line(left, y_of(self.data.threshold), right, y_of(self.data.threshold))
        canvas.restoreState()
        threshold_label = gettext("Ready from %(threshold)s") % {"threshold": _percent(self.data.threshold)}
        draw_text(canvas, right, y_of(self.data.threshold) + 3, threshold_label, size=7, align="right")
        canvas.saveState()
        canvas.setStrokeColorRGB(*ACCENT)
        canvas.setLineWidth(1.6)
        path = canvas.beginPath()
        path.moveTo(x_of(points[0][0]), y_of(points[0][1]))
        for day, value in points[1:]:
            path.lineTo(x_of(day), y_of(value))
        canvas.drawPath(path, stroke=1, fill=0)
        canvas.restoreState()
        draw_text(canvas, left, bottom - 12, _date(first), size=7, align="left")
        draw_text(canvas, right, bottom - 12, _date(last), size=7, align="right")
        self.y = bottom - 12 - LEADING - 2
        summary = gettext("From %(first)s on %(first_date)s to %(last)s on %(last_date)s.") % {
            "first": _percent(points[0][1]),
            "first_date": _date(first),
            "last": _percent(points[-1][1]),
            "last_date": _date(last),
        }
        self.text(summary, size=8)
        self.y -= LEADING

    def assessment(self) -> None:
        entry = self.data.assessment
        evidence = self.lines(entry.evidence, indent=16, max_lines=EVIDENCE_LINES) if entry else []
        self.heading(gettext("Joint assessment"), keep=LEADING * (6 + len(evidence)))
        if entry is None and not is_assessed(self.data.unit.unit_type):
            self.text(gettext("An area is assessed through its units: see each unit's briefing."))
            self.y -= LEADING
            return
        if entry is None:
            self.text(gettext("No joint assessment recorded yet: it counts as 0 in the index until one is."))
            self.y -= LEADING
            return
        self.text(gettext("Latest round: %(date)s") % {"date": _date(entry.assessed_on)}, weight=BOLD)
        self.y -= LEADING
        for name in ("logistics", "command_stability", "human_rights_compliance", "community_acceptance"):
            self.need(LEADING)
            label = field_label(JointAssessment, name)
            rating = JointAssessment.Rating(getattr(entry, name)).label
            self.text(f"{str(label).capitalize()}: {rating}", indent=8)
            self.y -= LEADING
        self.need(2 * LEADING)
        self.text(gettext("Evidence notes:"), indent=8)
        self.y -= LEADING
        self.paragraph(evidence, indent=16)

    def decision(self) -> None:
        """The decisions taken, newest first (at most ``DECISIONS``): each with its status,
        override and reason, conditions and review date, and notes."""
        entries = self.data.decisions
        first = self.lines(_decision_summary(entries[0]), indent=8) if entries else []
        self.heading(gettext("Handover decisions"), keep=LEADING * (1 + len(first)))
        if not entries:
            self.text(gettext("No handover decision recorded yet."))
            self.y -= LEADING
            return
        for entry in entries:
            self.need(2 * LEADING)
            self.text(_decision_title(entry), weight=BOLD)
            self.y -= LEADING
            details = []
            if entry.is_override:
                details.append(
                    gettext("Override against the figures. Reason: %(reason)s") % {"reason": entry.override_reason}
                )
            if entry.conditions:
                details.append(
                    gettext("Conditions: %(conditions)s (reviewed on %(date)s)")
                    % {"conditions": entry.conditions, "date": _date(entry.review_on)}
                )
            if entry.notes:
                details.append(entry.notes)
            details.append(_approval_text(entry))
            for detail in details:
                self.paragraph(self.lines(detail, indent=8, max_lines=EVIDENCE_LINES // 2), indent=8)
            self.y -= 4


def _decision_title(entry: HandoverDecision) -> str:
    if entry.decision == HandoverDecision.Decision.HANDED_OVER:
        text = gettext("Handed over on %(date)s. A unit handed over is still measured.")
    elif entry.decision == HandoverDecision.Decision.CONDITIONAL:
        text = gettext("Handed over with conditions on %(date)s.")
    else:
        text = pgettext("handover", "Deferred on %(date)s.")
    return text % {"date": _date(entry.decided_on)}


def _person(user: Any) -> str:
    return user.get_full_name() or user.username


def _approval_text(entry: HandoverDecision) -> str:
    if entry.is_pending:
        return gettext("Recorded by %(recorder)s; awaiting a second approver: not in effect yet.") % {
            "recorder": _person(entry.recorded_by)
        }
    if entry.approved_by is not None:
        return gettext("Recorded by %(recorder)s, approved by %(approver)s.") % {
            "recorder": _person(entry.recorded_by),
            "approver": _person(entry.approved_by),
        }
    return gettext("Recorded by %(recorder)s.") % {"recorder": _person(entry.recorded_by)}


def _decision_summary(entry: HandoverDecision | None) -> str:
    """One cell of the units table: the newest decision, its date and whether it is in effect."""
    if entry is None:
        return "—"
    label = str(HandoverDecision.Decision(entry.decision).label)
    text = f"{label}, {formats.date_format(entry.decided_on, 'SHORT_DATE_FORMAT')}"
    if entry.is_pending:
        text = gettext("%(decision)s (awaiting approval)") % {"decision": text}
    if entry.is_override:
        text = gettext("%(decision)s; override") % {"decision": text}
    return text
