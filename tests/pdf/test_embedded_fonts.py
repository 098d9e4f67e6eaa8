"""Every font of every PDF the platform draws is embedded: what "pdffonts" reports as
"emb yes" on every row, so a reader without the fonts, a print shop or a PDF/A check
sees the same letters."""

import io

import pytest
from django.urls import reverse
from reportlab.pdfgen.canvas import Canvas

from certificates.pdf import certificate_pdf
from lms.pdf import draw_text, pdf_canvas
from lms.pdf.testing import unembedded_fonts
from readiness import services as readiness_services
from tests.certificates.test_pdf import certificate


def finished(canvas: Canvas, output: io.BytesIO) -> bytes:
    canvas.showPage()
    canvas.save()
    return output.getvalue()


def test_the_check_finds_reportlab_s_default_helvetica():
    # ReportLab's own canvas opens each page with an empty text object naming Helvetica.
    output = io.BytesIO()
    assert unembedded_fonts(finished(Canvas(output), output)) == ["page 1: /Helvetica"]


def test_a_blank_platform_page_declares_no_font():
    output = io.BytesIO()
    assert unembedded_fonts(finished(pdf_canvas(output, title="t", author="a"), output)) == []


def test_a_page_with_text_embeds_every_face_it_draws_with():
    output = io.BytesIO()
    canvas = pdf_canvas(output, title="t", author="a")
    draw_text(canvas, 50, 700, "Ngozi Ọkọnkwọ فاطمة الزهراء", size=12)
    canvas.setFont(canvas._fontname, 10)  # the canvas's own font, as code that forgets draw_text would use
    canvas.drawString(50, 680, "plain")

    assert unembedded_fonts(finished(canvas, output)) == []


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_a_certificate_embeds_every_font(language):
    pdf = certificate_pdf(certificate(languages=[language], holder_name="فاطمة الزهراء"))

    assert unembedded_fonts(pdf) == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_transcript_embeds_every_font(client, people, language):
    client.force_login(people.trainee)
    client.cookies["django_language"] = language

    response = client.get("/certificates/transcript.pdf")

    assert response.status_code == 200
    assert unembedded_fonts(response.content) == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_national_briefing_embeds_every_font(client, tree, people, language):
    readiness_services.readiness_sync_full(trigger="test")
    client.force_login(people.leader)
    client.cookies["django_language"] = language

    response = client.get(reverse("readiness-briefing", args=[tree.nation.pk]))

    assert response.status_code == 200
    assert unembedded_fonts(response.content) == []
