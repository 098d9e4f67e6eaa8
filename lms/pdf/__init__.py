"""PDF building blocks shared by every app: fonts that pip installs and text in any script.

Platform infrastructure: imports no domain app. Typical use::

    from lms.pdf import BOLD, draw_text, pdf_canvas

    canvas = pdf_canvas(buffer, title=..., author=...)
    draw_text(canvas, x, y, officer.full_name, size=18, weight=BOLD, max_width=300, min_size=10)
"""

from lms.pdf.document import pdf_canvas
from lms.pdf.fonts import BOLD, FAMILIES, REGULAR, SANS, FontFamily, register_fonts
from lms.pdf.text import (
    Align,
    LineOptions,
    TextLine,
    TextOptions,
    draw_text,
    fit_text,
    layout_text,
    missing_glyphs,
    text_direction,
    wrap_text,
)

__all__ = [
    "BOLD",
    "FAMILIES",
    "REGULAR",
    "SANS",
    "Align",
    "FontFamily",
    "LineOptions",
    "TextLine",
    "TextOptions",
    "draw_text",
    "fit_text",
    "layout_text",
    "missing_glyphs",
    "pdf_canvas",
    "register_fonts",
    "text_direction",
    "wrap_text",
]
