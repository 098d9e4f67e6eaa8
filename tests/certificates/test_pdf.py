"""The certificate PDF: what a reader sees and copies, what a phone scans, in any script."""

import datetime
import io

import pypdfium2
import pytest
import zxingcpp
from django.utils.translation import trans_real
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape

from certificates import services
from certificates.models import Certificate
from certificates.pdf import LogoError, certificate_pdf, verification_url
from courses import services as course_services
from lms.pdf import BOLD, draw_text, pdf_canvas
from lms.pdf.fonts import face
from lms.pdf.testing import drawn_glyphs_show, glyph_problems, page_text, shows_text
from tests.certificates.conftest import complete

CODE = "K7QM-4XPA-9D2F-HT6WR"
ISSUED_AT = datetime.datetime(2025, 5, 12, 9, 30, tzinfo=datetime.UTC)
SIGNATORIES = [
    {"name": "Amina Diallo", "title": "Police Commissioner, UNPOL"},
    {"name": "Jean-Pierre Lefèvre", "title": "Chief of Training"},
    {"name": "خديجة بن علي", "title": "Head of Mission Training Cell"},
    {"name": "Fourth Person", "title": "Never printed"},
]
# What the lead's translations will say; installed by the ``translated`` fixture so that the
# tests show each language's own labels whatever the .po files hold today.
FRENCH = {
    "Certificate of completion": "Certificat de réussite",
    "This certifies that": "Ceci certifie que",
    "has completed": "a suivi avec succès",
    "Issued on": "Délivré le",
    "Valid until": "Valable jusqu'au",
    "Verify at": "Vérifier sur",
    "Competencies": "Compétences",
}
ARABIC = {
    "Certificate of completion": "شهادة إتمام",
    "This certifies that": "يشهد هذا بأن",
    "has completed": "قد أتم",
    "Issued on": "صدرت في",
    "Valid until": "صالحة حتى",
    "Verify at": "تحقق على",
    "Competencies": "الكفاءات",
}


def certificate(**fields) -> Certificate:
    """An unsaved certificate: the PDF is drawn from its fields alone."""
    values = {
        "code": CODE,
        "holder_name": "Ngozi Ọkọnkwọ",
        "holder_service_number": "NP-00001",
        "course_code": "HR-101",
        "course_title": "Human rights in policing",
        "languages": ["en"],
        "competencies": ["COP", "POC"],
        "signatories": SIGNATORIES,
        "issuer_name": "United Nations Mission in Numara",
        "issued_at": ISSUED_AT,
        "expires_on": datetime.date(2028, 5, 12),
    }
    return Certificate(**(values | fields))


def page_image(pdf: bytes, scale: float = 2) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def qr_codes(image: Image.Image) -> list:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://testserver.example"


@pytest.fixture
def translated(monkeypatch):
    def install(language: str, messages: dict[str, str]) -> None:
        catalogue = trans_real.translation(language)._catalog._catalogs[0]
        for message, translation in messages.items():
            monkeypatch.setitem(catalogue, message, translation)

    return install


def test_the_certificate_shows_its_record_and_its_qr_code_opens_the_verification_page():
    pdf = certificate_pdf(certificate())

    text = page_text(pdf)
    shown = [
        "United Nations Mission in Numara",
        "Certificate of completion",
        "This certifies that",
        "Ngozi Ọkọnkwọ",
        "has completed",
        "Human rights in policing",
        "Competencies",
        "Community-oriented policing · Protection of civilians",
        "Issued on 12 May 2025",
        "Valid until 12 May 2028",
        "Amina Diallo",
        "Police Commissioner, UNPOL",
        "Jean-Pierre Lefèvre",
        "خديجة بن علي",
        "Head of Mission Training Cell",
        "Verify at",
        f"http://testserver.example/verify/{CODE}/",
        CODE,
    ]
    assert [line for line in shown if not shows_text(text, line)] == []
    assert "Fourth Person" not in text  # three signatories at most
    assert glyph_problems(pdf) == []
    assert [code.text for code in qr_codes(page_image(pdf))] == [verification_url(CODE)]
    reader = PdfReader(io.BytesIO(pdf))
    assert [float(side) for side in reader.pages[0].mediabox[2:]] == pytest.approx([841.89, 595.28], abs=0.01)
    metadata = reader.metadata
    assert metadata.title == "Human rights in policing - Ngozi Ọkọnkwọ"
    assert metadata.author == "United Nations Mission in Numara"
    assert metadata.subject == f"Certificate of completion {CODE}"
    assert metadata["/Keywords"] == f"{CODE}, HR-101, COP, POC"


@pytest.mark.parametrize("name", ["فاطمة الزهراء", "Aïcha Kaboré", "Ngozi Ọkọnkwọ", "François Nguyễn-Ndiaye"])
def test_names_in_latin_with_diacritics_french_and_arabic_show_as_written(name):
    pdf = certificate_pdf(certificate(holder_name=name, signatories=[{"name": name, "title": "Trainer"}]))

    text = page_text(pdf)

    assert shows_text(text, name)
    assert glyph_problems(pdf) == []


def test_arabic_letters_are_joined_and_right_to_left():
    pdf = certificate_pdf(certificate(holder_name="فاطمة الزهراء", signatories=[]))

    # Joined: each letter drawn with the glyph of its contextual form (initial, medial,
    # final, isolated), never the plain letter's; right to left: read left to right as the
    # glyphs stand on the page, from the last letter (hamza) to the first (feh).
    assert drawn_glyphs_show(
        pdf,
        "\ufe80\ufe8d\ufeae\ufeeb\ufeb0\ufedf\ufe8d \ufe94\ufee4\ufec3\ufe8e\ufed3",
        font_path=str(face("Noto Sans Arabic", BOLD).path),
        base_font_part="arabic-700",
    )
    assert not drawn_glyphs_show(
        pdf, "ءارهزلا ةمطاف", font_path=str(face("Noto Sans Arabic", BOLD).path), base_font_part="arabic-700"
    )


def test_an_arabic_certificate_has_arabic_labels_and_dates_and_mirrors_its_corners(translated):
    translated("ar", ARABIC)
    pdf = certificate_pdf(
        certificate(languages=["ar"], course_title="حقوق الإنسان في العمل الشرطي", holder_name="يوسف الحسن")
    )

    text = page_text(pdf)
    shown = [
        "شهادة إتمام",
        "يشهد هذا بأن",
        "يوسف الحسن",
        "قد أتم",
        "حقوق الإنسان في العمل الشرطي",
        "الكفاءات",
        "صدرت في 12 مايو 2025",
        "صالحة حتى 12 مايو 2028",
        "تحقق على",
        CODE,
    ]
    assert [line for line in shown if not shows_text(text, line)] == []
    assert "Certificate of completion" not in text
    assert glyph_problems(pdf) == []
    image = page_image(pdf)
    [qr] = qr_codes(image)
    assert qr.text == verification_url(CODE)
    assert qr.position.top_right.x < image.width / 2  # the QR code stands in the lower left


def test_a_course_with_a_french_translation_gets_a_bilingual_certificate(people, course, mission, translated):
    translated("fr", FRENCH)
    course_services.course_create(
        creator=people.trainer_north,
        code="HR-101-FR",
        title="Droits humains dans l'action policière",
        language="fr",
        owner=mission,
        translation_of=course,
    )
    officer = people.trainee.officer
    officer.given_name, officer.family_name = "Aïcha", "Kaboré"
    officer.save()
    completion = complete(course, people.trainee)

    certificate = services.certificates_issue(completion_ids=[completion.pk], now=ISSUED_AT).issued[completion.pk]

    assert certificate.languages == ["en", "fr"]
    pdf = certificate.pdf.read()
    text = page_text(pdf)
    shown = [
        "Certificate of completion",
        "Certificat de réussite",
        "This certifies that / Ceci certifie que",
        "Aïcha Kaboré",
        "has completed / a suivi avec succès",
        "Human rights in policing",
        "Droits humains dans l'action policière",
        "Competencies / Compétences",
        "Issued on 12 May 2025",
        "Délivré le 12 mai 2025",
        "Verify at / Vérifier sur",
        certificate.code,
    ]
    assert [line for line in shown if not shows_text(text, line)] == []
    assert glyph_problems(pdf) == []
    assert [code.text for code in qr_codes(page_image(pdf))] == [verification_url(certificate.code)]


def _logo(image_format: str) -> bytes:
    """Red on the right half; the left half transparent (PNG) or white (JPEG)."""
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (200, 0, 400, 200))
    if image_format == "JPEG":
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    output = io.BytesIO()
    image.save(output, format=image_format)
    return output.getvalue()


def _close(pixel, colour, tolerance=24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_the_issuer_logo_is_drawn_fitted_at_the_top(image_format):
    pdf = certificate_pdf(certificate(), logo=_logo(image_format))

    # Fitted into the 170 x 50 pt box under the top edge: 100 x 50 pt, centred (page x 421).
    image = page_image(pdf, scale=1)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    assert _close(image.getpixel((446, 67)), (200, 30, 30))
    assert _close(image.getpixel((396, 67)), (255, 255, 255))
    assert shows_text(page_text(pdf), "United Nations Mission in Numara")


def test_without_a_logo_the_platform_emblem_is_drawn_and_no_image_is_embedded():
    pdf = certificate_pdf(certificate(), logo=None)

    image = page_image(pdf, scale=1)
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0
    assert _close(image.getpixel((421, 85)), (28, 56, 94))  # the emblem's navy disc below the star
    assert _close(image.getpixel((421, 60)), (255, 255, 255))  # the star


def test_a_logo_that_is_not_png_or_jpeg_is_refused():
    gif = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(gif, format="GIF")

    with pytest.raises(LogoError):
        certificate_pdf(certificate(), logo=gif.getvalue())
    with pytest.raises(LogoError):
        certificate_pdf(certificate(), logo=b"not an image")


def test_without_an_expiry_date_no_validity_is_printed():
    pdf = certificate_pdf(certificate(expires_on=None, competencies=[]))

    text = page_text(pdf)
    assert shows_text(text, "Issued on 12 May 2025")
    assert "Valid until" not in text
    assert "Competencies" not in text


LONG_TITLE = (
    "Protection of civilians, human rights and gender-responsive policing in United Nations peace operations: "
    "command, community engagement, sexual and gender-based violence, detention and the use of force"
)


def ink_between_frame_and_margin(pdf: bytes) -> list[tuple[int, int]]:
    """Dark pixels in the white bands between the inner frame (at 31 pt) and the text
    margin (60 pt) on both sides, and beyond the outer frame (24 pt): where a line that
    crosses the border would show."""
    scale = 2
    image = page_image(pdf, scale=scale).convert("L")
    width, height = image.size
    bands = [(34, 57), (width / scale - 57, width / scale - 34), (0, 21), (width / scale - 21, width / scale)]
    found = []
    for left, right in bands:
        for x in range(round(left * scale), round(right * scale)):
            for y in range(34 * scale, height - 34 * scale):
                if image.getpixel((x, y)) < 200:
                    found.append((x, y))
    return found


def title_lines(text: str, title: str) -> list[str]:
    """The lines of ``text`` made only of the title's words."""
    words = set(title.split())
    return [" ".join(line.split()) for line in text.splitlines() if line.strip() and set(line.split()) <= words]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_title_of_200_characters_wraps_to_three_lines_inside_the_frame(language):
    assert len(LONG_TITLE) == 200  # the field's limit

    pdf = certificate_pdf(certificate(course_title=LONG_TITLE, languages=[language], holder_name="فاطمة الزهراء"))

    lines = title_lines(page_text(pdf), LONG_TITLE)
    assert 2 <= len(lines) <= 3
    assert " ".join(lines) == LONG_TITLE
    assert ink_between_frame_and_margin(pdf) == []
    assert glyph_problems(pdf) == []


def test_bilingual_long_titles_and_competencies_stay_inside_and_above_the_signatures():
    french = "Protection des civils, droits de l'homme et police sensible au genre dans les opérations de paix " * 2
    pdf = certificate_pdf(
        certificate(
            course_title=LONG_TITLE,
            course_title_translated=french[:200].strip(),
            languages=["en", "fr"],
            competencies=["COP", "POC", "HR", "SGBV", "CD", "CMD"],
        )
    )

    text = page_text(pdf)
    assert " ".join(title_lines(text, LONG_TITLE)) == LONG_TITLE
    assert ink_between_frame_and_margin(pdf) == []
    lines = text.splitlines()
    competencies = max(i for i, line in enumerate(lines) if "Protection of civilians" in line and "·" in line)
    signatures = next(i for i, line in enumerate(lines) if "Amina Diallo" in line)
    assert competencies < signatures


def test_a_word_longer_than_the_page_shrinks_on_its_line_rather_than_cross_the_frame():
    pdf = certificate_pdf(certificate(course_title="X" * 200))

    assert "X" * 200 in page_text(pdf).replace(" ", "")
    assert ink_between_frame_and_margin(pdf) == []


def test_the_check_sees_a_line_that_crosses_the_frame():
    output = io.BytesIO()
    canvas = pdf_canvas(output, title="t", author="a", pagesize=landscape(A4))
    draw_text(canvas, 10, 300, "X" * 120, size=19)
    canvas.showPage()
    canvas.save()

    assert ink_between_frame_and_margin(output.getvalue()) != []
