"""The certificate PDF (ReportLab): one A4-landscape page in the certificate's language(s).

What it prints comes only from the certificate's issue-time fields (and the issuer's logo
bytes), so a paper rendered again for the same record says the same thing.

``certificate.languages[0]`` is the course's language; with a second language and a
translated course title the certificate is bilingual: labels in both languages and both
titles. Labels are translated with gettext under ``translation.override``; names and
titles in any script are drawn through ``lms.pdf`` (Arabic shaped and right to left).
When the first language is written right to left, the lower corners swap sides.

Speed (a bulk run renders thousands): laid-out lines are cached per process by their
text, so labels, issuer, course, competencies and dates are shaped once and only the
holder's name and the code are new on each page; a logo is decoded, flattened and
downscaled once per process; the QR code is one path of integer rectangles.
"""

import datetime
import io
import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import zxingcpp
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from certificates.models import Certificate, PrintedSignatory
from courses.models import COMPETENCY_NAMES
from lms.pdf import BOLD, REGULAR, TextLine, fit_text, layout_text, pdf_canvas, wrap_text
from lms.pdf.text import Align, Direction

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 60  # text and drawings keep inside this, the frame sits outside it
CENTRE = PAGE_WIDTH / 2
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LOGO_BOX = (170.0, 50.0)  # width, height in points, centred at the top
LOGO_DPI = 300
QR_SIZE = 80.0
MAX_SIGNATORIES = 3
COMPETENCIES_FLOOR = 180.0  # the lowest baseline above the signatories' line (at 165)

NAVY = (0.11, 0.22, 0.37)
INK = (0.13, 0.13, 0.13)
GREY = (0.38, 0.38, 0.38)
LOGO_FORMATS = ("PNG", "JPEG", "MPO")  # MPO: a camera JPEG carrying extra pictures


def verification_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/verify/{code}/"


@dataclass(frozen=True)
class _Labels:
    """The printed labels in one language."""

    language: str
    is_rtl: bool
    heading: str
    certifies: str
    completed: str
    issued_on: str
    valid_until: str
    verify_at: str
    competencies: str


def _labels(language: str) -> _Labels:
    """Not cached: gettext is cheap, and the catalogue decides (the layouts are cached)."""
    with translation.override(language):
        return _Labels(
            language=language,
            is_rtl=translation.get_language_bidi(),
            heading=gettext("Certificate of completion"),
            certifies=gettext("This certifies that"),
            completed=gettext("has completed"),
            issued_on=gettext("Issued on"),
            valid_until=gettext("Valid until"),
            verify_at=gettext("Verify at"),
            competencies=gettext("Competencies"),
        )


def _joined(*texts: str) -> str:
    return " / ".join(dict.fromkeys(text for text in texts if text))  # no label twice


def _date(value: datetime.date, language: str) -> str:
    with translation.override(language):
        return date_format(value, "DATE_FORMAT")


def _competency_names(codes: list[str], language: str) -> str:
    with translation.override(language):
        return " · ".join(str(COMPETENCY_NAMES.get(code, code)) for code in codes)


# Layout, cached per process by text: a TextLine is immutable and names only registered fonts.


@lru_cache(maxsize=2048)
def _line(text: str, size: float, weight: int = REGULAR, direction: Direction = "auto") -> TextLine:
    return layout_text(text, size=size, weight=weight, direction=direction)


@lru_cache(maxsize=2048)
def _fitted(
    text: str, size: float, min_size: float, max_width: float, weight: int = REGULAR, direction: Direction = "auto"
) -> TextLine:
    return fit_text(text, max_width=max_width, size=size, min_size=min_size, weight=weight, direction=direction)


def _direction(labels: _Labels) -> Direction:
    """A line of one language (label and value) reads in that language's direction."""
    return "rtl" if labels.is_rtl else "ltr"


@lru_cache(maxsize=256)
def _paragraph(
    text: str, size: float, min_size: float, max_width: float, max_lines: int, direction: Direction
) -> tuple[TextLine, ...]:
    """Wrapped lines, shrinking the size (down to ``min_size``) until at most ``max_lines``."""
    while True:
        lines = wrap_text(text, max_width=max_width, size=size, direction=direction)
        if len(lines) <= max_lines or size <= min_size:
            return tuple(lines)
        size = max(min_size, size - 0.5)


@lru_cache(maxsize=256)
def _title(text: str, size: float, min_size: float, max_lines: int) -> tuple[TextLine, ...]:
    """A bold title wrapped to at most ``max_lines`` lines across the text width, shrinking
    from ``size`` as far as ``min_size`` to get there. Past that, the rest shares the last
    line, and a line still too wide (a word longer than the page) shrinks on its own: no
    line ever crosses the frame."""
    while True:
        lines = wrap_text(text, max_width=TEXT_WIDTH, size=size, weight=BOLD)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(min_size, size - 0.5)
    if len(lines) > max_lines:
        lines[max_lines - 1 :] = [layout_text(" ".join(line.text for line in lines[max_lines - 1 :]), size=size)]
    return tuple(
        line
        if line.width <= TEXT_WIDTH
        else fit_text(line.text, max_width=TEXT_WIDTH, size=size, min_size=1, weight=BOLD)
        for line in lines
    )


def _draw(canvas: Canvas, line: TextLine, x: float, y: float, *, align: Align = "centre", colour=INK) -> None:
    canvas.setFillColorRGB(*colour)
    line.draw(canvas, x, y, align=align)


# The logo (or the platform's emblem) ---------------------------------------------------


class LogoError(ValueError):
    """The logo bytes are not a PNG or JPEG image."""


@dataclass(frozen=True)
class _Logo:
    reader: ImageReader
    width: float  # points, fitted into LOGO_BOX
    height: float
    lock: threading.Lock  # ReportLab reads the image through one shared file object


@lru_cache(maxsize=16)
def _logo(data: bytes) -> _Logo:
    """Decode once per process: flattened on white (the page is white), downscaled to the
    box at LOGO_DPI and kept as a JPEG, which ReportLab embeds without re-encoding."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        if image.format not in LOGO_FORMATS:
            raise LogoError(f"A logo is PNG or JPEG, not {image.format}.")
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as error:
        raise LogoError("The logo is not a readable PNG or JPEG image.") from error
    if image.mode in ("P", "LA", "RGBA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    scale = min(LOGO_BOX[0] / image.width, LOGO_BOX[1] / image.height)
    width, height = image.width * scale, image.height * scale
    pixels = (max(1, round(width * LOGO_DPI / 72)), max(1, round(height * LOGO_DPI / 72)))
    if pixels[0] < image.width:
        image = image.resize(pixels, Image.Resampling.LANCZOS)
    encoded = io.BytesIO()
    image.save(encoded, format="JPEG", quality=92)
    reader = ImageReader(io.BytesIO(encoded.getvalue()))
    reader.getRGBData()  # decoded once here, not on every page
    return _Logo(reader=reader, width=width, height=height, lock=threading.Lock())


def _draw_logo(canvas: Canvas, logo: bytes | None, *, top: float) -> None:
    if logo is None:
        _draw_emblem(canvas, centre_x=CENTRE, centre_y=top - LOGO_BOX[1] / 2, radius=LOGO_BOX[1] / 2)
        return
    prepared = _logo(logo)
    with prepared.lock:
        canvas.drawImage(
            prepared.reader, CENTRE - prepared.width / 2, top - prepared.height, prepared.width, prepared.height
        )


def _draw_emblem(canvas: Canvas, *, centre_x: float, centre_y: float, radius: float) -> None:
    """The platform's emblem: a ring around a disc holding a five-pointed star."""
    canvas.saveState()
    canvas.setStrokeColorRGB(*NAVY)
    canvas.setFillColorRGB(*NAVY)
    canvas.setLineWidth(1.2)
    canvas.circle(centre_x, centre_y, radius, stroke=1, fill=0)
    canvas.circle(centre_x, centre_y, radius - 4, stroke=0, fill=1)
    star = canvas.beginPath()
    reach = radius - 9
    star.moveTo(centre_x + _STAR[0][0] * reach, centre_y + _STAR[0][1] * reach)
    for dx, dy in _STAR[1:]:
        star.lineTo(centre_x + dx * reach, centre_y + dy * reach)
    star.close()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.drawPath(star, stroke=0, fill=1)
    canvas.restoreState()


# A five-pointed star in a unit circle, point up: outer and inner corners alternate.
_STAR = tuple(
    (reach * math.cos(math.pi / 2 + index * math.pi / 5), reach * math.sin(math.pi / 2 + index * math.pi / 5))
    for index, reach in enumerate([1.0, 0.4] * 5)
)


# The QR code ---------------------------------------------------------------------------


def _draw_qr(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """A QR code (error correction M) as one filled path: each row's runs of dark modules are
    rectangles in module units, scaled onto the page (short, exact operators).

    zxing-cpp encodes it (and chooses the mask pattern by the standard's penalty rules) in
    a quarter of a millisecond; a pure-Python encoder spends half a certificate's render
    time on the mask search alone. Its image has one byte per module, 0 for dark."""
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    modules = memoryview(image).tobytes()  # type: ignore[arg-type]  # its Image has the buffer protocol; the stub omits it
    count = math.isqrt(len(modules))  # a QR code is square
    matrix = [[modules[row * count + column] == 0 for column in range(count)] for row in range(count)]
    operators = []
    for row_index, row in enumerate(matrix):
        bottom = count - 1 - row_index
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < count and row[column]:
                column += 1
            operators.append(f"{start} {bottom} {column - start} 1 re")
    operators.append("f")
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.translate(x, y)
    canvas.scale(size / count, size / count)
    canvas.addLiteral("\n".join(operators))
    canvas.restoreState()


# The page ------------------------------------------------------------------------------


def certificate_pdf(certificate: Certificate, *, logo: bytes | None = None) -> bytes:
    """The PDF of an (unsaved or saved) certificate, from its issue-time fields only.

    ``logo``: the issuer's PNG or JPEG (``IssuerLogo``), else the platform emblem is drawn.
    Raises ``LogoError`` for other logo bytes.
    """
    languages = list(certificate.languages or [settings.LANGUAGE_CODE])
    is_bilingual = len(languages) > 1 and bool(certificate.course_title_translated)
    labels = [_labels(language) for language in (languages[:2] if is_bilingual else languages[:1])]
    first = labels[0]

    buffer = io.BytesIO()
    canvas = pdf_canvas(
        buffer,
        title=f"{certificate.course_title} - {certificate.holder_name}",
        author=certificate.issuer_name,
        subject=f"{first.heading} {certificate.code}",
        keywords=", ".join([certificate.code, certificate.course_code, *certificate.competencies]),
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
    )
    _draw_frame(canvas)
    _draw_logo(canvas, logo, top=PAGE_HEIGHT - 42)
    top = PAGE_HEIGHT
    _draw(canvas, _fitted(certificate.issuer_name, 12.5, 8, TEXT_WIDTH), CENTRE, top - 110, colour=GREY)
    _draw(canvas, _fitted(first.heading, 28, 16, TEXT_WIDTH, BOLD), CENTRE, top - 148, colour=NAVY)
    if is_bilingual and labels[1].heading != first.heading:
        _draw(canvas, _fitted(labels[1].heading, 14, 10, TEXT_WIDTH), CENTRE, top - 170, colour=NAVY)
    certifies = _joined(*(label.certifies for label in labels))
    _draw(canvas, _fitted(certifies, 11.5, 8, TEXT_WIDTH), CENTRE, top - 196, colour=GREY)
    _draw(canvas, _fitted(certificate.holder_name, 26, 10, TEXT_WIDTH, BOLD), CENTRE, top - 232)
    completed = _joined(*(label.completed for label in labels))
    _draw(canvas, _fitted(completed, 11.5, 8, TEXT_WIDTH), CENTRE, top - 258, colour=GREY)
    # A title of many lines pushes what follows down (by ``below``); the competencies give
    # back lines so that they stay above the signatories.
    below = top - 287
    for line in _title(certificate.course_title, 19, 10, 3):
        _draw(canvas, line, CENTRE, below)
        below -= line.size * 1.2
    below -= 20 - 19 * 1.2
    if is_bilingual:
        for line in _title(certificate.course_title_translated, 13.5, 8, 2):
            _draw(canvas, line, CENTRE, below)
            below -= line.size * 1.2
        below -= 23 - 13.5 * 1.2
    else:
        below -= 23
    if certificate.competencies:
        label = _joined(*(label.competencies for label in labels))
        _draw(canvas, _fitted(label, 8.5, 7, TEXT_WIDTH), CENTRE, below, colour=GREY)
        names = _competency_names(list(certificate.competencies), first.language)
        room = max(1, min(3, int((below - 14 - COMPETENCIES_FLOOR) // 12) + 1))
        for index, line in enumerate(_paragraph(names, 10, 6, TEXT_WIDTH, room, _direction(first))):
            _draw(canvas, line, CENTRE, below - 14 - index * 12)
    _draw_signatories(canvas, certificate.signatories[:MAX_SIGNATORIES])
    _draw_footer(canvas, certificate, labels)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_frame(canvas: Canvas) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(*NAVY)
    canvas.setLineWidth(2.5)
    canvas.rect(24, 24, PAGE_WIDTH - 48, PAGE_HEIGHT - 48)
    canvas.setLineWidth(0.7)
    canvas.rect(31, 31, PAGE_WIDTH - 62, PAGE_HEIGHT - 62)
    canvas.restoreState()


def _draw_signatories(canvas: Canvas, signatories: list[PrintedSignatory]) -> None:
    """Up to three columns across the page: a line to sign on, the name, the title."""
    if not signatories:
        return
    column = TEXT_WIDTH / len(signatories)
    rule = min(180.0, column - 30)
    canvas.setStrokeColorRGB(*INK)
    canvas.setLineWidth(0.6)
    for index, signatory in enumerate(signatories):
        centre = MARGIN + column * (index + 0.5)
        canvas.line(centre - rule / 2, 165, centre + rule / 2, 165)
        _draw(canvas, _fitted(str(signatory.get("name", "")), 10.5, 7, column - 10, BOLD), centre, 151)
        _draw(canvas, _fitted(str(signatory.get("title", "")), 9, 6.5, column - 10), centre, 139, colour=GREY)


def _draw_footer(canvas: Canvas, certificate: Certificate, labels: list[_Labels]) -> None:
    """Dates in one lower corner; the code, where to verify it and the QR code in the other
    (QR bottom right for left-to-right languages, mirrored for right-to-left ones)."""
    is_rtl = labels[0].is_rtl
    qr_x = MARGIN if is_rtl else PAGE_WIDTH - MARGIN - QR_SIZE
    _draw_qr(canvas, verification_url(certificate.code), x=qr_x, y=48, size=QR_SIZE)
    text_x = qr_x + QR_SIZE + 12 if is_rtl else qr_x - 12
    text_align: Align = "left" if is_rtl else "right"
    verify_at = _joined(*(label.verify_at for label in labels))
    _draw(canvas, _line(verify_at, 8.5), text_x, 110, align=text_align, colour=GREY)
    _draw(canvas, _fitted(verification_url(certificate.code), 8.5, 6, 300), text_x, 97, align=text_align)
    _draw(canvas, _line(certificate.code, 13, BOLD), text_x, 70, align=text_align)

    issued_at = certificate.issued_at
    issued_on = timezone.localdate(issued_at) if timezone.is_aware(issued_at) else issued_at.date()
    dates_x = PAGE_WIDTH - MARGIN if is_rtl else MARGIN
    dates_align: Align = "right" if is_rtl else "left"
    for index, label in enumerate(labels):
        parts = [f"{label.issued_on} {_date(issued_on, label.language)}"]
        if certificate.expires_on:
            parts.append(f"{label.valid_until} {_date(certificate.expires_on, label.language)}")
        line = _fitted("  ·  ".join(parts), 9.5, 7, 340, direction=_direction(label))
        _draw(canvas, line, dates_x, 110 - index * 14, align=dates_align)
