"""A trainee's transcript: every completed course with its dates, certificate code and status.

One A4 PDF drawn with ReportLab through ``lms.pdf`` (any script), in the language the
person reads the site in. In a right-to-left language the page is mirrored: columns run
from the right and text is aligned to the right of its cell.
"""

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from reportlab.pdfgen.canvas import Canvas

from certificates.models import Certificate
from courses.models import CourseCompletion
from lms.pdf import BOLD, TextLine, draw_text, fit_text, pdf_canvas, wrap_text
from lms.pdf.text import Align, Direction
from organisations.models import Officer

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 portrait, points
MARGIN = 50
BODY = 9
LEADING = 12
# (key, share of the table width) in reading order; mirrored for right-to-left languages.
COLUMNS = (("course", 0.34), ("completed", 0.15), ("valid_until", 0.15), ("certificate", 0.24), ("status", 0.12))
GAP = 6


@dataclass(frozen=True)
class TranscriptRow:
    course_code: str
    course_title: str
    completed_on: datetime.date
    valid_until: datetime.date | None
    certificate: Certificate | None


def transcript_rows(*, officer: Officer, language: str) -> list[TranscriptRow]:
    """The officer's completions, oldest first, each with its current certificate (the
    newest that was not superseded), if any. Two queries.

    The course title is the one printed on the certificate, in ``language`` when the
    certificate is bilingual in it; the course's own title before a certificate exists.
    """
    current = Certificate.objects.exclude(status=Certificate.Status.SUPERSEDED).order_by("-issued_at", "-pk")
    completions = (
        CourseCompletion.objects.filter(officer=officer)
        .select_related("course")
        .prefetch_related(Prefetch("certificates", queryset=current, to_attr="current_certificates"))
        .order_by("completed_at", "pk")
    )
    rows = []
    for completion in completions:
        certificate = completion.current_certificates[0] if completion.current_certificates else None
        if certificate is None:
            code, title = completion.course.code, completion.course.title
        else:
            code, title = certificate.course_code, certificate.course_title
            if certificate.course_title_translated and certificate.languages[1:2] == [language]:
                title = certificate.course_title_translated
        rows.append(
            TranscriptRow(
                course_code=code,
                course_title=title,
                completed_on=timezone.localdate(completion.completed_at),
                valid_until=completion.valid_until,
                certificate=certificate,
            )
        )
    return rows


class _Page:
    """Columns and text placement of a page in one direction."""

    def __init__(self, *, is_rtl: bool):
        self.is_rtl = is_rtl
        self.direction: Direction = "rtl" if is_rtl else "auto"
        width = PAGE_WIDTH - 2 * MARGIN
        self.columns: dict[str, tuple[float, float]] = {}
        offset = 0.0
        for key, share in COLUMNS:
            column_width = width * share
            start = PAGE_WIDTH - MARGIN - offset - column_width if is_rtl else MARGIN + offset
            self.columns[key] = (start, column_width - GAP)
            offset += column_width

    def x(self, key: str | None = None) -> float:
        """Where a line starts (its left edge, or its right edge in a right-to-left page)."""
        if key is None:
            return PAGE_WIDTH - MARGIN if self.is_rtl else MARGIN
        start, width = self.columns[key]
        return start + width if self.is_rtl else start

    @property
    def align(self) -> Align:
        return "right" if self.is_rtl else "left"

    def text(self, canvas: Canvas, key: str | None, y: float, text: str, *, size: float = BODY, **options: Any) -> None:
        width = self.columns[key][1] if key else PAGE_WIDTH - 2 * MARGIN
        options.setdefault("direction", self.direction)
        draw_text(canvas, self.x(key), y, text, size=size, align=self.align, max_width=width, min_size=6, **options)

    def lines(self, key: str, text: str, *, size: float = BODY, **options: Any) -> list[TextLine]:
        return wrap_text(text, max_width=self.columns[key][1], size=size, direction=self.direction, **options)

    def draw_lines(self, canvas: Canvas, key: str, y: float, lines: list[TextLine]) -> None:
        for line in lines:
            line.draw(canvas, self.x(key), y, align=self.align)
            y -= LEADING


def _date(day: datetime.date | None) -> str:
    return formats.date_format(day, "DATE_FORMAT") if day else "—"


def _headings() -> dict[str, str]:
    return {
        "course": gettext("Course"),
        "completed": gettext("Completed on"),
        "valid_until": gettext("Valid until"),
        "certificate": gettext("Certificate code"),
        "status": gettext("Status"),
    }


def transcript_pdf(*, officer: Officer, rows: list[TranscriptRow], language: str) -> bytes:
    """The transcript in ``language`` (labels, dates, status names and page direction)."""
    with translation.override(language):
        return _render(officer=officer, rows=rows, is_rtl=translation.get_language_bidi())


def _render(*, officer: Officer, rows: list[TranscriptRow], is_rtl: bool) -> bytes:
    buffer = io.BytesIO()
    title = gettext("Training transcript")
    canvas = pdf_canvas(
        buffer,
        title=f"{title} - {officer.full_name}",
        author=gettext("Police development LMS"),
        subject=officer.service_number,
    )
    page = _Page(is_rtl=is_rtl)
    headings = _headings()
    number = 1

    def table_head(y: float) -> float:
        for key, heading in headings.items():
            page.text(canvas, key, y, heading, weight=BOLD)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, y - 4, PAGE_WIDTH - MARGIN, y - 4)
        return y - LEADING - 6

    def footer() -> None:
        text = gettext("Page %(number)s") % {"number": number}
        page.text(canvas, None, MARGIN / 2, text, size=8)

    y = PAGE_HEIGHT - MARGIN - 10
    page.text(canvas, None, y, title, size=20, weight=BOLD)
    y -= 30
    page.text(canvas, None, y, officer.full_name, size=13, weight=BOLD)
    y -= 18
    details = gettext("Service number %(number)s · %(unit)s") % {
        "number": officer.service_number,
        "unit": officer.unit.name,
    }
    page.text(canvas, None, y, details, size=BODY)
    y -= LEADING + 2
    issued = gettext("Drawn up on %(date)s. Anyone can check a certificate by its code at this address:") % {
        "date": _date(timezone.localdate()),
    }
    page.text(canvas, None, y, issued, size=8)
    y -= LEADING
    page.text(canvas, None, y, f"{settings.PUBLIC_BASE_URL}/verify/", size=8, direction="ltr")
    y = table_head(y - 2 * LEADING)
    if not rows:
        page.text(canvas, None, y, gettext("No completed course yet."))
    for row in rows:
        code_line = fit_text(row.course_code, max_width=page.columns["course"][1], size=8, min_size=6, weight=BOLD)
        title_lines = page.lines("course", row.course_title)
        height = LEADING * (1 + len(title_lines)) + 4
        if y - height < MARGIN:
            footer()
            canvas.showPage()
            number += 1
            y = table_head(PAGE_HEIGHT - MARGIN)
        code_line.draw(canvas, page.x("course"), y, align=page.align)
        page.draw_lines(canvas, "course", y - LEADING, title_lines)
        page.text(canvas, "completed", y, _date(row.completed_on))
        page.text(canvas, "valid_until", y, _date(row.valid_until))
        if row.certificate is None:
            page.text(canvas, "certificate", y, gettext("Not issued yet"))
        else:
            page.text(canvas, "certificate", y, row.certificate.code, direction="ltr")
            page.text(canvas, "status", y, str(row.certificate.get_status_display()))
        y -= height
    footer()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
