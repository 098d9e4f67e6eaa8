"""Arabic text copied or searched in the PDFs comes out as typed: letters, not the
presentation forms (U+FExx) the glyphs are drawn as, and, in readers that restore the
logical order of right-to-left runs (poppler's pdftotext), in the order typed."""

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from certificates.pdf import certificate_pdf
from lms.pdf import draw_text, pdf_canvas
from tests.certificates.test_pdf import certificate

PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
NAME = "فاطمة الزهراء"
TITLE = "حقوق الإنسان في العمل الشرطي"  # "الإ": a lam-alef ligature on the page
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def arabic_certificate() -> bytes:
    return certificate_pdf(certificate(holder_name=NAME, course_title=TITLE, languages=["ar"]))


def test_extracted_text_holds_letters_never_presentation_forms():
    text = PdfReader(io.BytesIO(arabic_certificate())).pages[0].extract_text()

    assert PRESENTATION_FORMS.findall(text) == []
    assert "فاطمة" in text or "ةمطاف" in text  # the letters, in whichever order the reader keeps


@needs_poppler
def test_pdftotext_gives_the_name_and_title_as_typed():
    text = pdftotext(arabic_certificate())

    assert NAME in text
    assert TITLE in text
    assert PRESENTATION_FORMS.findall(text) == []


@needs_poppler
def test_marks_and_mixed_lines_come_out_in_logical_order():
    output = io.BytesIO()
    canvas = pdf_canvas(output, title="t", author="a")
    draw_text(canvas, 300, 700, "مُحَمَّد", size=14, align="centre")
    draw_text(canvas, 300, 650, "الرقم NP-00042 للضابط", size=14, align="centre")
    canvas.showPage()
    canvas.save()

    text = re.sub("[\u202a-\u202e]", "", pdftotext(output.getvalue()))  # poppler marks embedded runs

    assert "مُحَمَّد" in text  # each mark after its letter, as typed
    line = next(line for line in text.splitlines() if "NP-00042" in line)
    # Each word as typed and in the order typed (poppler moves the space next to the number).
    assert [word for word in re.split(r"\s+|(?<=2)(?=ل)", line) if word] == ["الرقم", "NP-00042", "للضابط"]
