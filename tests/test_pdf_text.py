"""The PDF text layer: fonts that pip installs, Arabic joined and right to left, Latin with
diacritics, and honest checks that a reader sees and copies the same names."""

import io
import time
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from lms.pdf import BOLD, REGULAR, SANS, draw_text, fit_text, fonts, layout_text, missing_glyphs, pdf_canvas, wrap_text
from lms.pdf.fonts import face, faces
from lms.pdf.testing import glyph_problems, page_text, shows_text

NAMES = [
    "فاطمة الزهراء بن علي",
    "Aïcha N'Diaye-Kaboré",
    "João Gonçalves",
    "Zoé Lefèvre-Ngô",
    "محمد Diallo",
    "Kɔnɛ Ɓello Ŋom",
    "مُحَمَّد عَلِيّ",
    "Şahin Öztürk",
]


def render(lines: list[str], *, weight: int = REGULAR, title: str = "Names") -> bytes:
    buffer = io.BytesIO()
    canvas = pdf_canvas(buffer, title=title, author="Tests")
    y = 800
    for line in lines:
        draw_text(canvas, 40, y, line, size=16, weight=weight)
        y -= 28
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.mark.parametrize("weight", [REGULAR, BOLD])
def test_names_in_any_script_are_extracted_as_written(weight):
    pdf = render(NAMES, weight=weight)

    text = page_text(pdf)

    assert [name for name in NAMES if not shows_text(text, name)] == []
    assert glyph_problems(pdf) == []


@pytest.mark.parametrize("weight", [REGULAR, BOLD])
def test_every_character_drawn_is_in_the_cmap_of_the_font_drawing_it(weight):
    for name in NAMES:
        line = layout_text(name, size=12, weight=weight)
        for run in line.runs:
            used = next(f for f in faces(SANS, weight=weight) if f.name == run.font_name)
            cmap = TTFont(str(used.path), lazy=True).getBestCmap()
            assert [c for c in run.text if ord(c) not in cmap] == [], (name, run.font_name)
        assert line.missing == frozenset()


def test_arabic_is_joined_with_contextual_forms_in_visual_order():
    line = layout_text("فاطمة", size=12)

    # final teh marbuta, medial meem, medial tah, final alef, initial feh: right to left
    assert line.visual_text == "\ufe94\ufee4\ufec3\ufe8e\ufed3"
    assert line.is_rtl


def test_lam_alef_is_the_mandatory_ligature_and_no_word_ligature_adds_vowels():
    assert layout_text("لا", size=12).visual_text == "\ufefb"
    assert layout_text("محمد", size=12).visual_text == "\ufeaa\ufee4\ufea4\ufee3"  # not U+FDF4


def test_marks_stay_with_their_letter():
    line = layout_text("عَلِيّ", size=12)

    # in a reversed run a mark is drawn just before (left of) the letter that carries it
    assert line.visual_text == "\u0651\ufef2\u0650\ufee0\u064e\ufecb"


def test_brackets_are_mirrored_in_right_to_left_text():
    pdf = render(["الشرطة المجتمعية (المستوى 1)"])

    line = next(line.strip() for line in page_text(pdf).splitlines() if line.strip())

    folded = unicodedata.normalize("NFKC", line)
    assert folded == "(1 ىوتسملا) ةيعمتجملا ةطرشلا"
    assert shows_text(line, "الشرطة المجتمعية (المستوى 1)")


def test_mixed_line_keeps_each_word_readable():
    pdf = render(["Mixed: علي بن أبي طالب (1999)"])

    line = next(line.strip() for line in page_text(pdf).splitlines() if line.strip())

    assert unicodedata.normalize("NFKC", line) == "Mixed: (1999) بلاط يبأ نب يلع"


def test_latin_letters_missing_from_the_arabic_face_come_from_noto_sans():
    line = layout_text("Kɔnɛ", size=12)

    assert [(run.font_name, run.text) for run in line.runs] == [
        ("LMS-noto-sans-arabic-400", "K"),
        ("LMS-noto-sans-400", "ɔnɛ"),
    ]


def test_a_character_no_font_has_is_reported_and_caught_by_the_checks():
    pdf = render(["中文 abc"])

    assert missing_glyphs("中文 abc") == frozenset({"中", "文"})
    assert len(glyph_problems(pdf)) == 2
    assert not shows_text(page_text(pdf), "中文 abc")


def test_the_check_is_not_fooled_by_reordered_or_altered_names():
    text = page_text(render(["فاطمة الزهراء بن علي", "Aïcha N'Diaye-Kaboré"]))

    assert shows_text(text, "فاطمة الزهراء بن علي")
    assert not shows_text(text, "علي بن الزهراء فاطمة")
    assert not shows_text(text, "فاطمة الزهراا بن علي")
    assert not shows_text(text, "Aicha N'Diaye-Kaboré")
    assert not shows_text(text, "Kaboré N'Diaye-Aïcha")


def test_decomposed_input_uses_the_precomposed_glyph():
    line = layout_text("Cle\u0301ment", size=12)

    assert line.visual_text == "Clément"


def test_fonts_come_from_installed_packages_and_register_once():
    first = face("Noto Sans Arabic", BOLD)
    again = face("Noto Sans Arabic", BOLD)

    assert first is again
    assert "site-packages" in str(face("Noto Sans Arabic").path)
    assert Path(first.path).exists()
    assert first.path.suffix == ".ttf"


def test_bold_is_a_static_instance_made_once_into_the_cache(settings, tmp_path):
    settings.PDF_FONT_CACHE_DIR = str(tmp_path)

    made = fonts._font_file("Noto Sans Arabic", BOLD)
    again = fonts._font_file("Noto Sans Arabic", BOLD)
    regular = fonts._font_file("Noto Sans Arabic", REGULAR)

    assert made == again
    assert made.parent == tmp_path
    assert [path.name for path in tmp_path.iterdir()] == [made.name]
    instance = TTFont(str(made))
    assert "fvar" not in instance
    assert instance["OS/2"].usWeightClass == 700
    assert regular == face("Noto Sans Arabic").path  # the variable font's default instance


def test_fonts_are_embedded_as_subsets():
    pdf = render(["Aïcha", "فاطمة"])

    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    embedded = [font.get_object() for font in fonts.values() if "/FontDescriptor" in font.get_object()]
    assert {str(font["/BaseFont"]).split("+")[1] for font in embedded} == {"NotoSansArabic-Regular"}
    for font in embedded:
        program = font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
        assert len(program) < 60_000  # the whole face is 845 kB


def test_right_alignment_ends_at_x():
    buffer = io.BytesIO()
    canvas = Canvas(buffer)

    line = draw_text(canvas, 500, 700, "فاطمة الزهراء", size=20, align="right")

    assert line.width > 50
    assert line.is_rtl


def test_fit_text_shrinks_to_the_width_and_wrap_text_breaks_at_spaces():
    name = "Jean-Baptiste Emmanuel Mbuyi-Tshisekedi Kabongo wa Ilunga"

    fitted = fit_text(name, max_width=200, size=16, min_size=6)
    lines = wrap_text(name, max_width=120, size=10)

    assert fitted.width <= 200
    assert fitted.size < 16
    assert all(line.width <= 120 for line in lines)
    assert " ".join(line.text for line in lines) == name


def test_right_to_left_paragraph_wraps_with_one_direction():
    lines = wrap_text("اضغط على Enter ثم اكتب الرمز", max_width=70, size=10)

    assert all(line.is_rtl for line in lines)


def test_metadata_in_any_script():
    pdf = render(["x"], title="شهادة Aïcha")

    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata.title == "شهادة Aïcha"
    assert metadata.author == "Tests"
    assert metadata.creator == "Police development LMS"


def _bare_page() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    y = 800
    for name in NAMES[:4]:
        canvas.setFont("Helvetica-Bold", 16)
        canvas.drawString(40, y, name)
        y -= 28
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _mean_ms(function, repeat: int = 40) -> float:
    function()
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) * 1000 / repeat


def test_text_layer_adds_milliseconds_not_tens_of_them():
    # Fonts are registered once per process; each document embeds a small subset.
    bare = _mean_ms(_bare_page)
    ours = _mean_ms(lambda: render(NAMES[:4], weight=BOLD))

    assert ours < bare + 15, (ours, bare)


def test_text_that_looks_like_bidi_debug_output_is_still_reordered(caplog):
    line = layout_text("علي (levels: Level(1) paragraphs:)", size=12)

    # the colon sits between a Latin run and the closing bracket: it takes the paragraph's direction
    assert line.visual_text == "(:levels: Level(1) paragraphs) \ufef2\ufee0\ufecb"
    assert "Could not read bidi levels" not in caplog.text
