"""The national briefing in Arabic: table headings that do not overprint, one date format."""

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from lms.pdf import text as pdf_text
from lms.pdf.testing import document_text, shows_text
from readiness import services as readiness_services
from readiness.briefing import _headings

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(monkeypatch):
    """Every line drawn: its text, its left and right edges on the page and its baseline."""
    lines: list[tuple[str, float, float, float]] = []
    draw = pdf_text.TextLine.draw

    def recording(self, canvas, x, y, *, align="left"):
        left = {"left": x, "right": x - self.width, "centre": x - self.width / 2}[align]
        lines.append((self.text, left, left + self.width, y))
        draw(self, canvas, x, y, align=align)

    monkeypatch.setattr(pdf_text.TextLine, "draw", recording)
    return lines


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_table_headings_never_overlap(client, tree, people, drawn, language):
    readiness_services.readiness_sync_full(trigger="test")
    client.force_login(people.leader)
    client.cookies["django_language"] = language

    response = client.get(reverse("readiness-briefing", args=[tree.nation.pk]))

    assert response.status_code == 200
    with translation.override(language):
        headings = list(_headings().values())
    words = {word for heading in headings for word in heading.split()}
    heading_lines = [line for line in drawn if line[0] and set(line[0].split()) <= words]
    assert len(heading_lines) >= len(headings)
    for index, (text, left, right, y) in enumerate(heading_lines):
        for other, other_left, other_right, other_y in heading_lines[index + 1 :]:
            if abs(y - other_y) < 1:
                assert right <= other_left or other_right <= left, (text, other)


def test_the_two_date_lines_share_one_format(client, tree, people):
    readiness_services.readiness_sync_full(trigger="test")
    client.force_login(people.leader)
    client.cookies["django_language"] = "ar"

    pdf = client.get(reverse("readiness-briefing", args=[tree.nation.pk])).content

    with translation.override("ar"):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        drawn_up = f"أُعدّت في {today}."  # "Drawn up on <date>."
    text = document_text(pdf)
    assert shows_text(text, drawn_up)
    # "Figures computed from the records: <date> <time>" writes the date the same way.
    assert len([line for line in text.splitlines() if shows_text(line, today)]) == 2
