"""Each upload page refuses a file of the wrong type and an oversized file with a message
saying which, and writes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Assessment, Question
from certificates.models import Certificate, Verification
from organisations.models import Officer, RosterImport, User

# The start of a real PDF: a binary file where a text file belongs.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x00"
MEGABYTE = 1024 * 1024


def roster_page():
    return "/roster/import/", {}, "file", lambda: (Officer.objects.count(), RosterImport.objects.count())


def question_import_page():
    assessment = Assessment.objects.order_by("pk").first()
    return f"/assessments/{assessment.pk}/questions/import/", {"format": "auto"}, "file", Question.objects.count


def verification_page():
    certificate = Certificate.objects.filter(status=Certificate.Status.VALID).order_by("pk").first()
    return f"/verify/{certificate.code}/", {}, "pdf", Verification.objects.count


CASES = {
    "roster, a PDF": (roster_page, "roster.csv", PDF, "The file holds binary data: it is not a CSV text file."),
    "roster, 6 MB": (
        roster_page,
        "roster.csv",
        b"service_number\n" + b"NP-1\n" * (6 * MEGABYTE // 5),
        "The file is larger than 5.0\xa0MB. Split it into smaller files.",
    ),
    "questions, a PDF": (
        question_import_page,
        "bank.gift",
        PDF,
        "The file is not UTF-8 text. Save it as UTF-8 (in a spreadsheet: CSV UTF-8) and try again.",
    ),
    "questions, 6 MB": (question_import_page, "bank.gift", b"x" * (6 * MEGABYTE), "The file is larger than 5 MB."),
    "verification, a GIF": (verification_page, "certificate.pdf", b"GIF89a\x01\x00", "This file is not a PDF."),
    "verification, 6 MB": (
        verification_page,
        "certificate.pdf",
        b"%PDF-" + b"0" * (6 * MEGABYTE),
        "The file is larger than 5.0\xa0MB",
    ),
}


@pytest.mark.parametrize(("page", "name", "content", "message"), CASES.values(), ids=CASES.keys())
def test_a_wrong_or_oversized_file_is_refused_with_a_clear_message(client, seeded, page, name, content, message):
    client.force_login(User.objects.get(username="demo.admin"))
    url, data, field, footprint = page()
    before = footprint()

    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post(url, {**data, field: upload})

    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert footprint() == before
