"""Fonts for every PDF the platform draws, installed by pip and registered once per process.

The fonts come from PyPI packages (``fontpkg-noto-sans-arabic``, ``fontpkg-noto-sans``:
Noto, SIL Open Font License), so ``pip install -r requirements.txt`` is the whole setup:
no system fonts, nothing fetched at run time.

A family is a fallback chain of font packages. ``sans`` starts with Noto Sans Arabic,
whose Latin letters (with the diacritics of French, Portuguese, Wolof, Turkish, ...) are
Noto Sans's own, so a Latin name, an Arabic name and a mixed one all get one consistent
design from one face; Noto Sans follows for the rarer letters Noto Sans Arabic lacks
(African Latin such as Ɛ, Ɔ, Ɓ; Vietnamese; Greek; Cyrillic).

Both packages ship variable fonts, which ReportLab draws at their default instance
(regular). Other weights are made once with fontTools' instancer and kept in a file
cache (``PDF_FONT_CACHE_DIR``, default ``var/fonts``), so only the first process on a
machine pays for it (a third of a second for Noto Sans Arabic bold, a second for Noto
Sans bold, made only when a bold run needs it). ReportLab embeds only the glyphs a
document uses.

To add a family (say a serif for certificates), add its package to requirements.txt and
a ``FontFamily`` here; nothing else changes.
"""

import hashlib
import logging
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fontpkg
from django.conf import settings
from fontTools.ttLib import TTFont as FontToolsFont
from fontTools.varLib import instancer
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDocument, PDFStream
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

logger = logging.getLogger(__name__)

REGULAR = 400
BOLD = 700
_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "STAT")


@dataclass(frozen=True)
class FontFamily:
    """A named fallback chain: ``sources`` are fontpkg family names, best first."""

    name: str
    sources: tuple[str, ...]


SANS = FontFamily("sans", ("Noto Sans Arabic", "Noto Sans"))
FAMILIES = {SANS.name: SANS}


@dataclass(frozen=True)
class Face:
    """One font of a chain at one weight, registered with ReportLab under ``name``."""

    name: str
    source: str
    weight: int
    path: Path
    code_points: frozenset[int]

    def covers(self, character: str) -> bool:
        return ord(character) in self.code_points


_lock = threading.RLock()


def font_cache_dir() -> Path:
    configured = getattr(settings, "PDF_FONT_CACHE_DIR", None)
    folder = Path(configured) if configured else Path(settings.VAR_DIR) / "fonts"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / "lms-fonts"
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def face(source: str, weight: int = REGULAR) -> Face:
    """The registered face of a font package at a weight (registered on first use)."""
    with _lock:
        return _face(source, weight)


@cache
def _face(source: str, weight: int) -> Face:
    path = _font_file(source, weight)
    name = f"LMS-{fontpkg.slugify(source)}-{weight}"
    font = SearchableTTFont(name, str(path))
    pdfmetrics.registerFont(font)
    return Face(name=name, source=source, weight=weight, path=path, code_points=frozenset(font.face.charToGlyph))


class SearchableTTFont(TTFont):
    """A TrueType face whose ToUnicode maps give Arabic presentation forms as the letters
    they show, so that copying or searching the PDF finds text as typed.

    ``lms.pdf.text`` draws shaped Arabic (U+FB50-U+FDFF, U+FE70-U+FEFF) in visual order,
    and ReportLab maps each code back to the character drawn: a reader extracting text got
    "ﻓﺎﻃﻤﺔ" for "فاطمة". Here each presentation form maps to its letters (NFKC), as the
    ToUnicode maps of browsers' and word processors' PDFs do; readers that put right-to-left
    runs back in logical order (poppler's ``pdftotext``, pdf.js, Acrobat) then give the
    name as typed. A lam-alef ligature stands in a reversed run, so it maps to its two
    letters in visual order (alef, lam), which the reader's reversal puts right.
    """

    def addObjects(self, doc: PDFDocument) -> None:  # ReportLab's name
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        super().addObjects(doc)
        for number, subset in enumerate(subsets):
            if not any(_is_presentation_form(code) for code in subset):
                continue
            base_font = b"".join((SUBSETN(number), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject["toUnicodeCMap:" + base_font]
            assert isinstance(stream, PDFStream)  # written just above by TTFont.addObjects
            stream.content = _to_unicode_cmap(stream.content, subset)


def _is_presentation_form(code: int) -> bool:
    return 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def _letters(code: int) -> str:
    """What a drawn character stands for: a presentation form's letters, else itself."""
    character = chr(code)
    if not _is_presentation_form(code):
        return character
    letters = unicodedata.normalize("NFKC", character).replace(" ", "")  # U+FE70...: a spacing mark
    if not letters:
        return character
    return letters[::-1] if len(letters) > 1 else letters


def _to_unicode_cmap(cmap: str, subset: list[int]) -> str:
    """ReportLab's CMap with each ``<code> <character>`` line given the letters instead."""
    start = cmap.index(" beginbfchar") + len(" beginbfchar")
    end = cmap.index("endbfchar")
    entries = "\n".join(
        f"<{index:02X}> <{_letters(code).encode('utf-16-be').hex().upper()}>" for index, code in enumerate(subset)
    )
    return f"{cmap[:start]}\n{entries}\n{cmap[end:]}"


def faces(family: FontFamily = SANS, *, weight: int = REGULAR) -> list[Face]:
    """Every face of the family's chain at ``weight``, registering them as needed."""
    return [face(source, weight) for source in family.sources]


def register_fonts(families: tuple[FontFamily, ...] = (SANS,), weights: tuple[int, ...] = (REGULAR, BOLD)) -> None:
    """Register (and for variable fonts, instantiate) every face up front.

    Optional: faces register themselves on first use. A worker that renders in bulk may
    call this at start so that its first document is as fast as the rest.
    """
    for family in families:
        for weight in weights:
            faces(family, weight=weight)


def _font_file(source: str, weight: int) -> Path:
    """A static TrueType file of ``source`` at ``weight``; variable fonts are instantiated."""
    family = fontpkg.family(source)
    chosen = fontpkg.select_file(family, weight, "normal", nearest=True)
    if not chosen.variable:
        return Path(chosen.path)
    path = Path(chosen.path)
    data = path.read_bytes()
    location = _default_location(path)
    if location.get("wght", weight) == weight:
        return path  # ReportLab draws a variable font at its default instance
    location["wght"] = weight
    digest = hashlib.sha256(data).hexdigest()[:16]
    target = font_cache_dir() / f"{fontpkg.slugify(source)}-{weight}-{digest}.ttf"
    if not target.exists():
        _write_instance(path, location, target, f"{fontpkg.slugify(source)}-{weight}")
    return target


def _default_location(path: Path) -> dict[str, float]:
    font = FontToolsFont(str(path), lazy=True)
    try:
        return {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
    finally:
        font.close()


def _write_instance(path: Path, location: dict[str, float], target: Path, postscript_name: str) -> None:
    """Pin every axis and write the static font atomically (several processes may race)."""
    logger.info("Making a static instance of %s at %s into %s", path.name, location, target)
    font = FontToolsFont(str(path))
    for tag in _LAYOUT_TABLES:  # ReportLab never reads them; instancing them is most of the cost
        if tag in font:
            del font[tag]
    instancer.instantiateVariableFont(font, location, inplace=True)
    # ReportLab keys embedded faces by PostScript name: two weights must not share one.
    for record in font["name"].names:
        if record.nameID == 6:
            record.string = postscript_name
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            font.save(stream)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
