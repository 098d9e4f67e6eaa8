"""Activation slips: a ReportLab PDF, eight slips to an A4 portrait page, with cut lines.

Each slip carries what an officer needs to activate their account alone: their name (in
any script), service number and unit, the code in large type, its expiry date, the
address to go to and three short steps. Text is in the active language, right-aligned
when it reads right to left; each line takes its direction from its own first letter, so
a sentence not yet translated still reads correctly. Everything is drawn through
``lms.pdf``, so names in Arabic or with diacritics print right.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Unpack

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lms.pdf import BOLD, Align, TextLine, TextOptions, fit_text, layout_text, pdf_canvas, wrap_text
from organisations.activation import code_expiries
from organisations.models import Officer, User

COLUMNS, ROWS = 2, 4
SLIPS_PER_PAGE = COLUMNS * ROWS
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18.0
SLIP_WIDTH = (PAGE_WIDTH - 2 * MARGIN) / COLUMNS
SLIP_HEIGHT = (PAGE_HEIGHT - 2 * MARGIN) / ROWS
PADDING = 14.0
TEXT_WIDTH = SLIP_WIDTH - 2 * PADDING
INK = Color(0.106, 0.122, 0.141)
MUTED = Color(0.29, 0.333, 0.38)
CUT = Color(0.6, 0.6, 0.6)
CODE_BOX = Color(0.953, 0.961, 0.969)


@dataclass(frozen=True)
class Slip:
    name: str
    service_number: str
    unit: str
    code: str
    expires_on: date


def slips_for(pairs: Iterable[tuple[Officer, str]]) -> list[Slip]:
    """Slips for freshly issued (officer, code) pairs; officers need ``unit`` loaded."""
    pairs = list(pairs)
    expiries = code_expiries(officers=[officer for officer, _code in pairs])
    return [
        Slip(
            name=officer.full_name,
            service_number=officer.service_number,
            unit=officer.unit.name,
            code=code,
            expires_on=timezone.localtime(expiries[officer.pk]).date(),
        )
        for officer, code in pairs
    ]


def activation_slips_pdf(*, slips: list[Slip], title: str, author: User | str) -> bytes:
    """The PDF for ``slips`` in the active language."""
    buffer = io.BytesIO()
    author_name = author if isinstance(author, str) else author.get_full_name() or author.get_username()
    canvas = pdf_canvas(buffer, title=title, author=author_name, subject=_("Account activation slips"))
    layout = _Layout(is_rtl=translation.get_language_bidi())
    for start in range(0, max(len(slips), 1), SLIPS_PER_PAGE):
        page = slips[start : start + SLIPS_PER_PAGE]
        _draw_cut_lines(canvas, rows=max(1, -(-len(page) // COLUMNS)))
        for index, slip in enumerate(page):
            row, column = divmod(index, COLUMNS)
            if layout.is_rtl:
                column = COLUMNS - 1 - column  # right-to-left readers start at the right
            left = MARGIN + column * SLIP_WIDTH
            top = PAGE_HEIGHT - MARGIN - row * SLIP_HEIGHT
            layout.draw(canvas, slip, left=left, top=top)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _Layout:
    """What is the same on every slip is laid out once per document."""

    def __init__(self, *, is_rtl: bool):
        self.is_rtl = is_rtl
        self.header = self._fit(_("Police development LMS · Account activation"), 8)
        self.code_label = layout_text(_("Activation code"), size=7.5)
        url = settings.PUBLIC_BASE_URL + reverse("activate")
        self.url = self._fit(_("Go to: %(url)s") % {"url": url}, 8.5, weight=BOLD)
        steps = _(
            "Open the address above, enter your service number and this code, then choose a password. "
            "The code works once. Never share your password."
        )
        self.steps = wrap_text(steps, max_width=TEXT_WIDTH, size=7.5)[:4]

    def _fit(self, text: str, size: float, **options: Unpack[TextOptions]) -> TextLine:
        return fit_text(text, max_width=TEXT_WIDTH, size=size, min_size=min(size, 6), **options)

    def draw(self, canvas: Canvas, slip: Slip, *, left: float, top: float) -> None:
        start = left + SLIP_WIDTH - PADDING if self.is_rtl else left + PADDING
        align: Align = "right" if self.is_rtl else "left"
        y = top - PADDING - 8
        canvas.setFillColor(MUTED)
        self.header.draw(canvas, start, y, align=align)

        canvas.setFillColor(INK)
        y -= 22
        name = fit_text(slip.name, max_width=TEXT_WIDTH, size=15, min_size=8, weight=BOLD)
        if name.width > TEXT_WIDTH:
            for line in wrap_text(slip.name, max_width=TEXT_WIDTH, size=8, weight=BOLD)[:2]:
                line.draw(canvas, start, y + 4, align=align)
                y -= 9
        else:
            name.draw(canvas, start, y, align=align)
        y -= 15
        number = _("Service number: %(number)s") % {"number": slip.service_number}
        self._fit(number, 9).draw(canvas, start, y, align=align)
        y -= 12
        self._fit(_("Unit: %(unit)s") % {"unit": slip.unit}, 9).draw(canvas, start, y, align=align)

        y -= 10
        box_height = 38
        canvas.setFillColor(CODE_BOX)
        canvas.setStrokeColor(MUTED)
        canvas.roundRect(left + PADDING, y - box_height, TEXT_WIDTH, box_height, 4, stroke=1, fill=1)
        canvas.setFillColor(MUTED)
        self.code_label.draw(canvas, start + (-6 if self.is_rtl else 6), y - 10, align=align)
        canvas.setFillColor(INK)
        code = layout_text(slip.code, size=20, weight=BOLD, direction="ltr", char_space=1.5)
        code.draw(canvas, left + SLIP_WIDTH / 2, y - box_height + 8, align="centre")
        y -= box_height + 13

        expires = formats.date_format(slip.expires_on, "DATE_FORMAT")
        self._fit(_("Valid until: %(date)s") % {"date": expires}, 8.5).draw(canvas, start, y, align=align)
        y -= 12
        self.url.draw(canvas, start, y, align=align)
        y -= 12
        canvas.setFillColor(MUTED)
        for line in self.steps:
            line.draw(canvas, start, y, align=align)
            y -= 9
        canvas.setFillColor(INK)


def _draw_cut_lines(canvas: Canvas, *, rows: int) -> None:
    canvas.saveState()
    canvas.setStrokeColor(CUT)
    canvas.setLineWidth(0.5)
    canvas.setDash(4, 3)
    bottom = PAGE_HEIGHT - MARGIN - rows * SLIP_HEIGHT
    for column in range(COLUMNS + 1):
        x = MARGIN + column * SLIP_WIDTH
        canvas.line(x, PAGE_HEIGHT - MARGIN, x, bottom)
    for row in range(rows + 1):
        y = PAGE_HEIGHT - MARGIN - row * SLIP_HEIGHT
        canvas.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
    canvas.restoreState()
