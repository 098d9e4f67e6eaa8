"""Each upload page refuses a file of the wrong type and an oversized file with a message
saying which, and writes nothing. A body over the file's limit and the form around it is
refused before it is read (lms/request_body.py); a file a little over its limit reaches the
page, which words the refusal (the second line)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT

from assessments.models import Assessment, Question
from certificates.models import Certificate, Verification
from courses.models import Lesson, LessonAttachment
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
    "roster, just over 5 MB": (
        roster_page,
        "roster.csv",
        b"service_number\n" + b"NP-1\n" * (5 * MEGABYTE // 5),
        "The file is larger than 5.0\xa0MB. Split it into smaller files.",
    ),
    "questions, a PDF": (
        question_import_page,
        "bank.gift",
        PDF,
        "The file is not UTF-8 text. Save it as UTF-8 (in a spreadsheet: CSV UTF-8) and try again.",
    ),
    "questions, just over 5 MB": (
        question_import_page,
        "bank.gift",
        b"x" * (5 * MEGABYTE + 1),
        "The file is larger than 5 MB.",
    ),
    "verification, a GIF": (verification_page, "certificate.pdf", b"GIF89a\x01\x00", "This file is not a PDF."),
    "verification, just over 5 MB": (
        verification_page,
        "certificate.pdf",
        b"%PDF-" + b"0" * (5 * MEGABYTE),
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


# Over the file and its form: refused from the announced length, unread ----------------------

FORM = 64 * 1024


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size=-1):
        raise AssertionError("the body was read")

    readline = read


def everything():
    return (
        Officer.objects.count(),
        RosterImport.objects.count(),
        LessonAttachment.objects.count(),
        Question.objects.count(),
        Verification.objects.count(),
    )


def _assessment_path(api: bool) -> str:
    assessment = Assessment.objects.order_by("pk").first()
    return f"{'/api/v1' if api else ''}/assessments/{assessment.pk}/questions/import/"


def _lesson_path(api: bool) -> str:
    lesson = Lesson.objects.order_by("pk").first()
    return f"/api/v1/lessons/{lesson.pk}/attachments/" if api else f"/author/lessons/{lesson.pk}/attachments/"


def _verify_path() -> str:
    return f"/verify/{Certificate.objects.order_by('pk').first().code}/"


UPLOADS = {
    # endpoint: (path, file limit, API?)
    "roster API": (lambda: "/api/v1/officers/import/", 5 * MEGABYTE, True),
    "roster page": (lambda: "/roster/import/", 5 * MEGABYTE, False),
    "attachment API": (lambda: _lesson_path(True), 5 * MEGABYTE, True),
    "attachment page": (lambda: _lesson_path(False), 5 * MEGABYTE, False),
    "question import API": (lambda: _assessment_path(True), 5 * MEGABYTE, True),
    "question import page": (lambda: _assessment_path(False), 5 * MEGABYTE, False),
    "certificate check": (_verify_path, 5 * MEGABYTE, False),
    "issuer logo (admin)": (lambda: "/admin/certificates/issuerlogo/add/", MEGABYTE, False),
}


@pytest.mark.parametrize("who", ["anonymous", "admin"])
@pytest.mark.parametrize(("path", "limit", "is_api"), UPLOADS.values(), ids=UPLOADS.keys())
def test_an_upload_over_its_file_and_form_is_refused_unread(client, seeded, who, path, limit, is_api):
    if who == "admin":
        client.force_login(User.objects.get(username="demo.admin"))
    before = everything()

    response = client.generic(
        "POST",
        path(),
        b"",
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(limit + FORM + 1),
        **{"wsgi.input": Unreadable()},
    )

    size = "5.0\xa0MB" if limit == 5 * MEGABYTE else "1.0\xa0MB"
    message = f"The file is larger than {size}, the most accepted here."
    assert response.status_code == 413
    if is_api:
        assert response.json() == {"detail": message}
    else:
        assert f'<p class="notice">{message}</p>' in response.content.decode()
    assert everything() == before
