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
from lms.pdf import BOLD, draw_text, pdf_canvas, wrap_text
from lms.pdf.text import Align, Direction
from organisations.models import Unit
from organisations.selectors import unit_ancestors
from readiness.models import HandoverDecision, JointAssessment, Snapshot, UnitReadiness, field_label
from readiness.selectors import CompetencyLine, UnitReadinessDetail
from readiness.services import is_assessed, profile_rules

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 portrait, points
MARGIN = 50
BODY = 9
LEADING = 12
TREND_DAYS = 365
EVIDENCE_LINES = 8
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
class Briefing:
    """What a briefing shows, read from the stored rows."""

    detail: UnitReadinessDetail
    path: list[str]
    threshold: float
    trend: list[tuple[datetime.date, float | None]]
    assessment: JointAssessment | None
    decision: HandoverDecision | None

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
        decision=HandoverDecision.objects.filter(unit=unit).order_by("-decided_on", "-pk").first(),
    )


def briefing_pdf(*, data: Briefing, language: str) -> bytes:
    """The briefing in ``language`` (labels, dates, page direction)."""
    with translation.override(language):
        return _Renderer(data, is_rtl=translation.get_language_bidi()).render()


# Formatting --------------------------------------------------------------------------------


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


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
        gates = self.data.detail.readiness.gates
        if not is_assessed(self.data.unit.unit_type):
            self.text(gettext("Gates are checked unit by unit; see each unit's briefing."))
            self.y -= LEADING
            return
        if not gates:
            self.text(gettext("No gate applies to this unit."))
            self.y -= LEADING
            return
        for gate in gates:
            self.need(LEADING)
            self.text(f"{_gate_label(gate['key'])}: {_met_label(gate['met'])}", indent=8)
            self.y -= LEADING

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
        entry = self.data.decision
        notes = self.lines(entry.notes, indent=8, max_lines=EVIDENCE_LINES // 2) if entry else []
        self.heading(gettext("Handover decision"), keep=LEADING * (1 + len(notes)))
        if entry is None:
            self.text(gettext("No handover decision recorded yet."))
            self.y -= LEADING
            return
        if entry.decision == HandoverDecision.Decision.HANDED_OVER:
            text = gettext("Handed over on %(date)s. A unit handed over is still measured.")
        else:
            text = pgettext("handover", "Deferred on %(date)s.")
        self.text(text % {"date": _date(entry.decided_on)}, weight=BOLD)
        self.y -= LEADING
        self.paragraph(notes, indent=8)
