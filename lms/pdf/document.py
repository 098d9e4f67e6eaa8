"""A ReportLab canvas with the document metadata every platform PDF carries."""

from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lms.pdf.fonts import REGULAR, SANS, face

CREATOR = "Police development LMS"


def pdf_canvas(
    output: BinaryIO,
    *,
    title: str,
    author: str,
    subject: str = "",
    keywords: str = "",
    pagesize: tuple[float, float] = A4,
) -> Canvas:
    """A compressed canvas writing to ``output`` with title, author, subject and creator set.

    Metadata strings may be in any script (ReportLab stores them as UTF-16).

    The initial font is an embedded Noto face: with ReportLab's default (Helvetica, one
    of the 14 standard fonts) every page would open with an empty text object naming an
    unembedded font, and an "all fonts embedded" check (PDF/A, print shops) would fail.
    A TrueType face is set lazily, so the page carries no font it does not draw with.
    """
    initial_font = face(SANS.sources[-1], REGULAR).name  # the Latin face of the chain
    canvas = Canvas(
        output,
        pagesize=pagesize,
        pageCompression=1,
        initialFontName=initial_font,  # type: ignore[arg-type]  # the stub says float; ReportLab takes a font name
    )
    canvas.setTitle(str(title))
    canvas.setAuthor(str(author))
    canvas.setSubject(str(subject))
    canvas.setKeywords(str(keywords))
    canvas.setCreator(CREATOR)
    return canvas
