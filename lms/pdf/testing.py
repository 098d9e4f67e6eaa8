"""Checks for tests of any PDF the platform draws: what a reader would see and copy.

Imported by tests only (it needs pypdf, a development dependency).

- ``page_text`` is a page's text in visual order, left to right as the glyphs stand on
  the page (pypdf's layout mode), decoded through the PDF's own ToUnicode maps.
- ``shows_text`` says whether that text shows a string written in logical order.
- ``glyph_problems`` lists every drawn character whose embedded glyph is missing or empty.
- ``unembedded_fonts`` lists every font a page declares without its program embedded.
"""

import io
import unicodedata

from bidi import get_display
from bidi.mirror import MIRRORED
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, PdfObject, StreamObject

from lms.pdf.text import text_direction

_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def page_text(pdf: bytes, page: int = 0) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[page].extract_text(extraction_mode="layout")


def document_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text(extraction_mode="layout") for page in PdfReader(io.BytesIO(pdf)).pages)


def shows_text(extracted: str, expected: str) -> bool:
    """Whether one line of ``extracted`` (visual order, see ``page_text``) shows ``expected``.

    ``expected`` is in logical order, as typed. It is put in display order by python-bidi's
    own ``get_display`` (not by the reordering ``lms.pdf.text`` draws with) and both sides
    are compared after forgiving only what a correct Arabic PDF legitimately differs by:

    - presentation forms, folded by NFKC into the letters they show (a lam-alef ligature
      unfolds reversed, since it stands in a reversed run);
    - the order of stacked marks on one letter (NFKC's canonical ordering);
    - which of a pair of mirrored brackets is stored (mirroring is tested on its own);
    - runs of spaces.

    A dropped, substituted or misplaced letter, or a word out of place, still fails.
    """
    wanted = _comparable(get_display(_clean(expected), base_dir="R" if text_direction(expected) == "rtl" else "L"))
    return any(wanted in _comparable(_unfold(line)) for line in extracted.splitlines())


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)


def _unfold(visual: str) -> str:
    out = []
    for character in visual:
        folded = unicodedata.normalize("NFKC", character)
        if len(folded) > 1 and unicodedata.bidirectional(character) == "AL":
            folded = folded[::-1]
        out.append(folded)
    return "".join(out)


def _comparable(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.translate(_BIDI_CONTROLS))
    text = "".join(min(c, MIRRORED.get(c, c)) for c in text)
    return " ".join(text.split())


def glyph_problems(pdf: bytes) -> list[str]:
    """Every character drawn with an embedded TrueType font whose glyph would not show.

    Reads the content streams, so only what is drawn counts: a code that maps to no
    character or to U+0000 (how ReportLab draws a character the font lacks), to
    ``.notdef``, or to an empty outline for anything but a space. An empty list means no
    missing-glyph boxes and no silently dropped letters.
    """
    problems: list[str] = []
    reader = PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)  # a page's resources are a dictionary (PDF 32000-1, 7.7.3.3)
        fonts = resources.get("/Font", DictionaryObject())
        inspected: dict[str, _EmbeddedFont | None] = {}
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                name = str(operands[0])
                if name not in inspected:
                    inspected[name] = _EmbeddedFont.read(fonts[name].get_object())
                current = inspected[name]
            elif operator in (b"Tj", b"TJ", b"'", b'"') and current is not None:
                for code in _codes(operands):
                    problem = current.problem(code)
                    if problem:
                        problems.append(f"page {number}, {current.name}: {problem}")
    return problems


def unembedded_fonts(pdf: bytes) -> list[str]:
    """``page N: /BaseFont`` for every font of every page (and of the forms it draws)
    whose descriptor carries no font program (FontFile, FontFile2 or FontFile3): what
    ``pdffonts`` reports as "emb no", and what PDF/A and print shops refuse."""
    found: list[str] = []
    reader = PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        for font in _fonts(page.get("/Resources")):
            descriptors = [font.get("/FontDescriptor")]
            descriptors += [
                descendant.get_object().get("/FontDescriptor") for descendant in font.get("/DescendantFonts", [])
            ]
            programs = [
                key
                for descriptor in descriptors
                if descriptor is not None
                for key in ("/FontFile", "/FontFile2", "/FontFile3")
                if key in descriptor.get_object()
            ]
            if not programs:
                found.append(f"page {number}: {font.get('/BaseFont')}")
    return found


def _fonts(resources: PdfObject | None) -> list[DictionaryObject]:
    """The font dictionaries of a resource dictionary and of the form XObjects it holds."""
    if resources is None:
        return []
    resources = resources.get_object()
    assert isinstance(resources, DictionaryObject)
    fonts = [font.get_object() for font in resources.get("/Font", DictionaryObject()).get_object().values()]
    for xobject in resources.get("/XObject", DictionaryObject()).get_object().values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            fonts += _fonts(xobject.get("/Resources"))
    return fonts


def _stream_data(reference: PdfObject) -> bytes:
    stream = reference.get_object()
    assert isinstance(stream, StreamObject)  # font programs and ToUnicode maps are streams (PDF 32000-1, 9.9, 9.10.3)
    return stream.get_data()


def _codes(operands: list[object]) -> list[int]:
    strings = operands[-1] if isinstance(operands[-1], list) else [operands[-1]]
    codes: list[int] = []
    for item in strings:
        raw = getattr(item, "original_bytes", item)
        if isinstance(raw, bytes | bytearray):
            codes.extend(raw)
    return codes


class _EmbeddedFont:
    def __init__(self, name: str, font: TTFont, to_unicode: dict[int, str]):
        self.name = name
        self.glyphs = font["glyf"]
        self.cmap = font["cmap"].tables[0].cmap
        self.to_unicode = to_unicode

    @classmethod
    def read(cls, font: DictionaryObject) -> "_EmbeddedFont | None":
        descriptor = font.get("/FontDescriptor")
        if descriptor is None or "/FontFile2" not in descriptor.get_object():
            return None  # a standard Type 1 font: always present in readers
        program = TTFont(io.BytesIO(_stream_data(descriptor.get_object()["/FontFile2"])))
        return cls(str(font["/BaseFont"]), program, _to_unicode(_stream_data(font["/ToUnicode"])))

    def problem(self, code: int) -> str | None:
        character = self.to_unicode.get(code)
        if not character or character == "\x00":
            return f"code {code} maps to no character (a character the font lacks)"
        glyph_name = self.cmap.get(code, ".notdef")
        if glyph_name == ".notdef":
            return f"{character!r} is drawn as .notdef"
        glyph = self.glyphs[glyph_name]
        if glyph.numberOfContours == 0 and not character.isspace():
            return f"{character!r} has an empty glyph"
        return None


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """The ``bfchar`` entries of a ToUnicode CMap (ReportLab writes only those)."""
    mapping: dict[int, str] = {}
    inside = False
    for line in cmap.decode("latin-1").splitlines():
        line = line.strip()
        if line.endswith("beginbfchar"):
            inside = True
        elif line == "endbfchar":
            inside = False
        elif inside and line.startswith("<"):
            source, target = (part.strip("<> ") for part in line.split(">", 1))
            mapping[int(source, 16)] = bytes.fromhex(target).decode("utf-16-be")
    return mapping


def drawn_glyphs_show(pdf: bytes, expected: str, *, font_path: str, base_font_part: str) -> bool:
    """Whether, among the glyphs drawn on page 1 with the embedded fonts whose names
    contain ``base_font_part``, the glyphs that ``font_path``'s font has for the characters
    of ``expected`` stand one after the other in that order (spaces aside).

    The extracted text of shaped Arabic is its letters (see ``lms.pdf.fonts``), so it no
    longer shows whether the letters were joined; the outlines do: an initial feh and an
    isolated one are different glyphs.
    """
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    resources = page["/Resources"]
    assert isinstance(resources, DictionaryObject)
    fonts = resources["/Font"].get_object()
    assert isinstance(fonts, DictionaryObject)
    drawn: list[tuple[TTFont, int]] = []
    programs: dict[str, TTFont | None] = {}
    current = None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"Tf":
            name = str(operands[0])
            if name not in programs:
                font = fonts[name].get_object()
                assert isinstance(font, DictionaryObject)
                descriptor = font["/FontDescriptor"].get_object()
                assert isinstance(descriptor, DictionaryObject)
                wanted = base_font_part in str(font["/BaseFont"])
                programs[name] = TTFont(io.BytesIO(_stream_data(descriptor["/FontFile2"]))) if wanted else None
            current = programs[name]
        elif operator in (b"Tj", b"TJ", b"'", b'"') and current is not None:
            drawn += [(current, code) for code in _codes(operands)]
    source = TTFont(font_path)
    wanted_outlines = [_outline(source, source.getBestCmap()[ord(c)]) for c in expected if not c.isspace()]
    drawn_outlines = [_outline(font, font["cmap"].tables[0].cmap[code]) for font, code in drawn]
    drawn_outlines = [outline for outline in drawn_outlines if outline[0]]  # spaces have none
    return any(
        drawn_outlines[start : start + len(wanted_outlines)] == wanted_outlines
        for start in range(len(drawn_outlines) - len(wanted_outlines) + 1)
    )


def _outline(font: TTFont, glyph_name: str) -> tuple[tuple[tuple[float, float], ...], tuple[int, ...]]:
    glyph_table = font["glyf"]
    coordinates, end_points, _flags = glyph_table[glyph_name].getCoordinates(glyph_table)
    return tuple(coordinates), tuple(end_points)
