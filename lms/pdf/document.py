"""A ReportLab canvas with the document metadata every platform PDF carries."""

from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

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
    """
    canvas = Canvas(output, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(str(title))
    canvas.setAuthor(str(author))
    canvas.setSubject(str(subject))
    canvas.setKeywords(str(keywords))
    canvas.setCreator(CREATOR)
    return canvas
