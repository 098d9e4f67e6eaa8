"""Lines of text in any script for ReportLab canvases.

ReportLab draws characters left to right, one glyph per character, as the font's cmap
maps them. Arabic needs more, so each line is prepared in four steps:

1. NFC, so that a decomposed "e" + U+0301 uses the font's "é";
2. Arabic letters become their contextual presentation forms (``arabic-reshaper``, with
   only the mandatory lam-alef ligatures), which joins them;
3. the Unicode bidirectional algorithm (levels from ``python-bidi``) puts the line in
   visual order and mirrors brackets inside right-to-left runs;
4. the visual string is cut into runs, each drawn with the first face of the family
   that has every character of the run (see ``lms.pdf.fonts``).

Every glyph drawn is a real cmap entry, so the PDF's ToUnicode map turns it back into
text; ``lms.pdf.fonts.SearchableTTFont`` maps presentation forms to their letters there,
so a reader that restores the logical order of right-to-left runs (``pdftotext``) copies
and searches the text as typed (``lms.pdf.testing`` checks text and glyphs for tests).
A character that no face has is reported in ``TextLine.missing`` and logged, never
dropped unnoticed.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypedDict, Unpack

import arabic_reshaper
from arabic_reshaper.ligatures import LIGATURES
from bidi import get_display
from bidi.mirror import MIRRORED
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from lms.pdf.fonts import REGULAR, SANS, Face, FontFamily, face, faces

logger = logging.getLogger(__name__)

Direction = Literal["auto", "ltr", "rtl"]
Align = Literal["left", "right", "centre"]


class LineOptions(TypedDict, total=False):
    """What ``layout_text`` takes besides the text, size and direction (see its defaults)."""

    weight: int
    family: FontFamily
    char_space: float


class TextOptions(LineOptions, total=False):
    """The options of ``layout_text`` that ``draw_text`` and ``fit_text`` pass on."""

    direction: Direction


_RIGHT_TO_LEFT = frozenset({"R", "AL"})
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_WHITESPACE = dict.fromkeys(map(ord, "\t\n\r\x0b\x0c"), " ")


@dataclass(frozen=True)
class TextRun:
    """Characters in visual order drawn with one font."""

    font_name: str
    text: str
    width: float


@dataclass(frozen=True)
class TextLine:
    """One prepared line: measure it, then draw it anywhere on a canvas."""

    text: str
    runs: tuple[TextRun, ...]
    size: float
    char_space: float
    is_rtl: bool
    missing: frozenset[str]

    @property
    def width(self) -> float:
        glyphs = sum(len(run.text) for run in self.runs)
        return sum(run.width for run in self.runs) + self.char_space * max(glyphs - 1, 0)

    @property
    def visual_text(self) -> str:
        return "".join(run.text for run in self.runs)

    def draw(self, canvas: Canvas, x: float, y: float, *, align: Align = "left") -> None:
        """Draw with the baseline at ``y``; ``x`` is the left edge, right edge or centre."""
        if align == "right":
            x -= self.width
        elif align == "centre":
            x -= self.width / 2
        canvas.saveState()  # the text state (font, character spacing) must not leak
        text_object = canvas.beginText(x, y)
        if self.char_space:
            text_object.setCharSpace(self.char_space)
        for run in self.runs:
            text_object.setFont(run.font_name, self.size)
            text_object.textOut(run.text)
        canvas.drawText(text_object)
        canvas.restoreState()


def text_direction(text: str) -> Literal["ltr", "rtl"]:
    """The paragraph direction by the first strong character (UAX #9, rules P2-P3)."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in _RIGHT_TO_LEFT:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def layout_text(
    text: str,
    *,
    size: float,
    weight: int = REGULAR,
    family: FontFamily = SANS,
    direction: Direction = "auto",
    char_space: float = 0.0,
) -> TextLine:
    """Prepare one line (no wrapping): shaping, visual order and a face per run."""
    logical = unicodedata.normalize("NFC", str(text)).translate(_WHITESPACE)
    is_rtl = (text_direction(logical) if direction == "auto" else direction) == "rtl"
    visual = visual_order(logical, family=family, is_rtl=is_rtl)
    runs, missing = _runs(visual, family=family, weight=weight, size=size)
    if missing:
        logger.warning("No font of the %r family has %s (in %r)", family.name, sorted(missing), logical)
    return TextLine(
        text=logical, runs=tuple(runs), size=size, char_space=char_space, is_rtl=is_rtl, missing=frozenset(missing)
    )


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    align: Align = "left",
    max_width: float | None = None,
    min_size: float | None = None,
    **options: Unpack[TextOptions],
) -> TextLine:
    """Draw one line; with ``max_width`` the size shrinks (down to ``min_size``) to fit."""
    if max_width is None:
        line = layout_text(text, size=size, **options)
    else:
        line = fit_text(text, max_width=max_width, size=size, min_size=min_size or size, **options)
    line.draw(canvas, x, y, align=align)
    return line


def fit_text(text: str, *, max_width: float, size: float, min_size: float, **options: Unpack[TextOptions]) -> TextLine:
    """The line at the largest size from ``size`` down to ``min_size`` that fits ``max_width``.

    At ``min_size`` it may still be wider: check ``.width`` and wrap if it matters.
    """
    line = layout_text(text, size=size, **options)
    if line.width <= max_width or size <= min_size:
        return line
    fitted = max(min_size, size * max_width / line.width)
    line = layout_text(text, size=fitted, **options)
    while line.width > max_width and fitted > min_size:  # character spacing does not scale
        fitted = max(min_size, fitted - 0.5)
        line = layout_text(text, size=fitted, **options)
    return line


def wrap_text(
    text: str, *, max_width: float, size: float, direction: Direction = "auto", **options: Unpack[LineOptions]
) -> list[TextLine]:
    """Break a paragraph into lines at spaces (greedy), each reordered on its own.

    The paragraph's direction is decided once, so a right-to-left paragraph whose line
    starts with a Latin word still reads right to left.
    """
    words = str(text).split()
    if not words:
        return []
    if direction == "auto":
        direction = text_direction(" ".join(words))
    lines: list[TextLine] = []
    current = layout_text(words[0], size=size, direction=direction, **options)
    for word in words[1:]:
        candidate = layout_text(f"{current.text} {word}", size=size, direction=direction, **options)
        if candidate.width <= max_width:
            current = candidate
        else:
            lines.append(current)
            current = layout_text(word, size=size, direction=direction, **options)
    lines.append(current)
    return lines


def missing_glyphs(text: str, *, weight: int = REGULAR, family: FontFamily = SANS) -> frozenset[str]:
    """Characters of ``text`` (after shaping) that no face of the family can draw."""
    return layout_text(text, size=10, weight=weight, family=family).missing


def visual_order(logical: str, *, family: FontFamily = SANS, is_rtl: bool = False) -> str:
    """Shaped Arabic in display order, bidi controls removed.

    A reversed run leaves an Arabic mark (harakat) just before its letter, which is where
    fonts without OpenType positioning expect it: zero advance, drawn over what follows.
    """
    shaped = _reshaper().reshape(logical)
    return _reorder(shaped, is_rtl=is_rtl).translate(_BIDI_CONTROLS)


_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")


def _reorder(text: str, *, is_rtl: bool) -> str:
    """UAX #9 rules L1, L2 and L4 over the levels python-bidi resolves (rules up to I2).

    python-bidi's ``get_display`` reorders but does not mirror, so "(" in Arabic would
    come out as ")". Its debug output is the only place it gives the levels, one per
    UTF-8 byte; if that ever changes shape, fall back to its plain reordering.
    """
    base_level = 1 if is_rtl else 0
    levels = _levels(text, base_dir="R" if is_rtl else "L")
    if levels is None:
        logger.warning("Could not read bidi levels from python-bidi; brackets will not be mirrored.")
        return str(get_display(text, base_dir="R" if is_rtl else "L"))
    end = len(text)
    while end and unicodedata.bidirectional(text[end - 1]) in ("WS", "FSI", "LRI", "RLI", "PDI", "BN"):
        end -= 1
        levels[end] = base_level
    characters = [MIRRORED.get(c, c) if level % 2 else c for c, level in zip(text, levels, strict=True)]
    order = list(range(len(text)))
    odd_levels = [level for level in levels if level % 2]
    if odd_levels:
        for level in range(max(levels), min(odd_levels) - 1, -1):
            start = 0
            while start < len(order):
                if levels[order[start]] < level:
                    start += 1
                    continue
                stop = start
                while stop < len(order) and levels[order[stop]] >= level:
                    stop += 1
                order[start:stop] = order[start:stop][::-1]
                start = stop
    return "".join(characters[index] for index in order)


def _levels(text: str, *, base_dir: str) -> list[int] | None:
    debug = str(get_display(text, base_dir=base_dir, debug=True))
    section = debug.rpartition("levels:")[2].partition("paragraphs:")[0]  # after the echoed text
    byte_levels = [int(level) for level in _LEVEL.findall(section)]
    if len(byte_levels) != len(text.encode()):
        return None
    levels, offset = [], 0
    for character in text:
        levels.append(byte_levels[offset])
        offset += len(character.encode())
    return levels


def _runs(visual: str, *, family: FontFamily, weight: int, size: float) -> tuple[list[TextRun], set[str]]:
    """Cut into runs: stay with the current face while it has the character, else take the
    first face of the chain that has it. Coverage is read from the regular faces so that a
    fallback's other weights are only made when a run needs them."""
    chain = faces(family)
    missing: set[str] = set()
    pieces: list[tuple[int, list[str]]] = []
    for character in visual:
        current = pieces[-1][0] if pieces else None
        if current is not None and chain[current].covers(character):
            index = current
        else:
            covering = next((i for i, candidate in enumerate(chain) if candidate.covers(character)), None)
            if covering is None:
                missing.add(character)
                index = current if current is not None else 0
            else:
                index = covering
        if index == current:
            pieces[-1][1].append(character)
        else:
            pieces.append((index, [character]))
    runs = []
    for index, characters in pieces:
        font_name = _weighted(chain[index], weight).name
        run_text = "".join(characters)
        runs.append(TextRun(font_name, run_text, pdfmetrics.stringWidth(run_text, font_name, size)))
    return runs, missing


def _weighted(regular: Face, weight: int) -> Face:
    return regular if weight == regular.weight else face(regular.source, weight)


@cache
def _reshaper() -> arabic_reshaper.ArabicReshaper:
    """Joining forms, marks (harakat) kept, and only the lam-alef ligatures that Arabic
    always requires: optional word ligatures (such as U+FDF4 for "محمد") would add vowel
    signs that the name as written does not have."""
    configuration: dict[str, bool] = {name: name in _LAM_ALEF for name, _forms in LIGATURES}
    configuration |= {"delete_harakat": False, "support_ligatures": True}
    return arabic_reshaper.ArabicReshaper(configuration=configuration)


_LAM_ALEF = frozenset(
    {
        "ARABIC LIGATURE LAM WITH ALEF",
        "ARABIC LIGATURE LAM WITH ALEF WITH HAMZA ABOVE",
        "ARABIC LIGATURE LAM WITH ALEF WITH HAMZA BELOW",
        "ARABIC LIGATURE LAM WITH ALEF WITH MADDA ABOVE",
    }
)
