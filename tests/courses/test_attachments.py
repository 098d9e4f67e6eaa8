"""Lesson attachments: the type is told by content, the size is capped, and the file is served
only to people who may read the lesson, with headers that keep a browser from guessing."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Lesson, LessonAttachment
from lms.audit.models import AuditEntry
from tests.test_settings import python

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
REFUSED = {
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 32,
    "html": b"<!doctype html><html><script>alert(document.cookie)</script></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
    "text": b"Just some notes.\n",
    "riff_not_webp": b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32,
    "zip": b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 32,
}
TYPE_MESSAGE = (
    "Only PDF documents and PNG, JPEG or WebP images are accepted, and this file is none of them "
    "(its content was checked, not its name)."
)


def _upload(content: bytes, name: str, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def lesson(published_course) -> Lesson:
    return Lesson.objects.filter(module__course=published_course).order_by("order").first()


def _attach(lesson, people, content=PNG, name="map.png", title="Beat map") -> LessonAttachment:
    return services.lesson_attachment_create(
        lesson=lesson, uploaded_file=_upload(content, name), title=title, actor=people.trainer_north
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """A media folder of its own, so that stored files are this test's only."""
    settings.MEDIA_ROOT = str(tmp_path)


def _stored_files(lesson) -> list[str]:
    folder = f"lessons/{lesson.pk}"
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


# Type and size -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind", "content_type", "extension"),
    [
        (PNG, "image", "image/png", ".png"),
        (JPEG, "image", "image/jpeg", ".jpg"),
        (WEBP, "image", "image/webp", ".webp"),
        (PDF, "file", "application/pdf", ".pdf"),
    ],
)
def test_the_type_is_told_by_the_content(people, lesson, content, kind, content_type, extension):
    attachment = _attach(lesson, people, content=content, name="whatever.bin")

    stored = LessonAttachment.objects.get(pk=attachment.pk)
    assert (stored.kind, stored.content_type, stored.extension) == (kind, content_type, extension)
    assert stored.size == len(content)
    assert stored.filename == "whatever.bin"
    assert stored.file.name.endswith(extension)
    assert stored.file.read() == content


def test_a_png_name_with_pdf_content_is_a_pdf(people, lesson):
    attachment = _attach(lesson, people, content=PDF, name="photo.png")

    assert (attachment.kind, attachment.content_type, attachment.extension) == ("file", "application/pdf", ".pdf")
    assert attachment.file.name.startswith(f"lessons/{lesson.pk}/")
    assert attachment.file.name.endswith(".pdf")
    assert attachment.filename == "photo.png"  # shown only
    entry = AuditEntry.objects.get(action="lesson.attachment_add")
    assert entry.after == {
        "attachment": attachment.pk,
        "title": "Beat map",
        "content_type": "application/pdf",
        "size": len(PDF),
    }


@pytest.mark.parametrize("kind", list(REFUSED))
def test_other_content_renamed_to_png_is_refused_and_nothing_is_stored(people, lesson, kind):
    with pytest.raises(ValidationError) as caught:
        _attach(lesson, people, content=REFUSED[kind], name="innocent.png")

    assert caught.value.message_dict == {"file": [TYPE_MESSAGE]}
    assert not LessonAttachment.objects.exists()
    assert _stored_files(lesson) == []


def test_a_file_over_the_limit_is_refused_with_both_sizes(people, lesson, settings):
    settings.LESSON_ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(ValidationError) as caught:
        _attach(lesson, people, content=PNG + b"\x00" * 2048)

    assert caught.value.message_dict == {"file": ["The file is 2.0\xa0KB; the largest accepted is 1.0\xa0KB."]}
    assert not LessonAttachment.objects.exists()


def test_a_file_at_the_limit_is_accepted(people, lesson, settings):
    settings.LESSON_ATTACHMENT_MAX_BYTES = 1024

    attachment = _attach(lesson, people, content=PNG + b"\x00" * (1024 - len(PNG)))

    assert attachment.size == 1024


def test_an_empty_file_is_refused(people, lesson):
    with pytest.raises(ValidationError) as caught:
        _attach(lesson, people, content=b"")

    assert caught.value.message_dict == {"file": ["The file is empty."]}


def test_an_empty_title_becomes_the_file_name_and_the_name_loses_its_path(people, lesson):
    attachment = _attach(lesson, people, content=PDF, name="../../etc/Guide\x07.pdf", title="  ")

    assert attachment.filename == "Guide.pdf"
    assert attachment.title == "Guide.pdf"


@pytest.mark.parametrize(("env", "expected"), [({}, 5 * 1024 * 1024), ({"LESSON_ATTACHMENT_MAX_MB": "12"}, 12582912)])
def test_the_limit_is_set_in_megabytes_from_the_environment(tmp_path, env, expected):
    code = "from lms.settings import base; print(base.LESSON_ATTACHMENT_MAX_BYTES)"

    result = python("-c", code, settings="lms.settings.base", tmp_path=tmp_path, **env)

    assert result.stdout.strip() == str(expected)


def test_deleting_removes_the_row_and_then_the_file(people, lesson, django_capture_on_commit_callbacks):
    attachment = _attach(lesson, people)
    name, pk = attachment.file.name, attachment.pk
    assert _stored_files(lesson) == [name.rsplit("/", 1)[1]]

    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_attachment_delete(attachment=attachment, actor=people.trainer_north)

    assert not LessonAttachment.objects.exists()
    assert _stored_files(lesson) == []
    assert AuditEntry.objects.get(action="lesson.attachment_delete").before == {
        "attachment": pk,
        "title": "Beat map",
        "filename": "map.png",
    }


def test_the_api_upload_answers_201_with_the_url(api_client, people, lesson):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        f"/api/v1/lessons/{lesson.pk}/attachments/",
        {"file": _upload(PDF, "Checklist.pdf", "application/pdf"), "title": "Checklist"},
        format="multipart",
    )

    assert response.status_code == 201
    attachment = LessonAttachment.objects.get()
    assert response.json() == {
        "id": attachment.pk,
        "lesson": lesson.pk,
        "kind": "file",
        "title": "Checklist",
        "filename": "Checklist.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "url": f"/lessons/attachments/{attachment.pk}/",
    }


def test_the_api_refuses_a_disguised_file_with_the_field(api_client, people, lesson):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        f"/api/v1/lessons/{lesson.pk}/attachments/",
        {"file": _upload(REFUSED["html"], "map.png")},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"file": [TYPE_MESSAGE]}
    assert not LessonAttachment.objects.exists()


# Download ------------------------------------------------------------------------------


@pytest.fixture
def enrolled(people, published_course):
    return services.enrollment_create_self(course=published_course, user=people.trainee)[0]


def test_an_enrolled_trainee_gets_an_image_inline_with_safe_headers(client, people, lesson, enrolled):
    attachment = _attach(lesson, people, name="Beat map.png")
    client.force_login(people.trainee)

    response = client.get(f"/lessons/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="Beat map.png"'
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def test_a_document_is_a_download_even_when_named_like_an_image(client, people, lesson, enrolled):
    attachment = _attach(lesson, people, content=PDF, name="photo.png")
    client.force_login(people.trainee)

    response = client.get(f"/lessons/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # Named by what it is (it was served as photo.png, which a desktop would open as an image).
    assert response["Content-Disposition"] == 'attachment; filename="photo.pdf"'


@pytest.mark.parametrize(
    ("content", "name", "disposition"),
    [
        (PDF, "report.html", 'attachment; filename="report.pdf"'),
        (PDF, "notes", 'attachment; filename="notes.pdf"'),
        (PDF, "v1.2 guide", 'attachment; filename="v1.2 guide.pdf"'),
        (PDF, "Guide.PDF", 'attachment; filename="Guide.PDF"'),
        (PNG, "map.svg", 'inline; filename="map.png"'),
        (JPEG, "photo.jpeg", 'inline; filename="photo.jpeg"'),
        (JPEG, "photo.exe", 'inline; filename="photo.jpg"'),
        (WEBP, "archive.tar.gz", 'inline; filename="archive.tar.webp"'),
    ],
)
def test_the_served_name_takes_the_extension_of_the_type_told_by_the_content(
    client, people, lesson, enrolled, content, name, disposition
):
    attachment = _attach(lesson, people, content=content, name=name)
    client.force_login(people.trainee)

    response = client.get(f"/lessons/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == disposition
    assert LessonAttachment.objects.get(pk=attachment.pk).filename == name  # the uploader's, shown to authors


def test_a_non_ascii_name_is_offered_encoded(client, people, lesson, enrolled):
    attachment = _attach(lesson, people, content=PDF, name="Fiche d\u2019arrestation.pdf")
    client.force_login(people.trainee)

    response = client.get(f"/lessons/attachments/{attachment.pk}/")

    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Fiche%20d%E2%80%99arrestation.pdf"


@pytest.mark.parametrize(("who", "expected"), [("other_trainee", 404), ("trainer_south", 200), ("admin", 200)])
def test_who_may_download(client, people, lesson, enrolled, who, expected):
    attachment = _attach(lesson, people)
    client.force_login(getattr(people, who))

    assert client.get(f"/lessons/attachments/{attachment.pk}/").status_code == expected


def test_a_trainee_not_enrolled_gets_a_404(client, people, lesson):
    attachment = _attach(lesson, people)
    client.force_login(people.trainee)

    assert client.get(f"/lessons/attachments/{attachment.pk}/").status_code == 404


def test_an_unknown_attachment_is_a_404(client, people):
    client.force_login(people.admin)

    assert client.get("/lessons/attachments/999999/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, people, lesson):
    attachment = _attach(lesson, people)

    response = client.get(f"/lessons/attachments/{attachment.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/lessons/attachments/{attachment.pk}/"


def test_a_draft_courses_attachment_is_hidden_from_trainees(client, people, draft_course):
    lesson = Lesson.objects.filter(module__course=draft_course).first()
    attachment = _attach(lesson, people)
    client.force_login(people.trainee)

    assert client.get(f"/lessons/attachments/{attachment.pk}/").status_code == 404


def test_a_missing_file_is_a_404(client, people, lesson, enrolled):
    attachment = _attach(lesson, people)
    default_storage.delete(attachment.file.name)
    client.force_login(people.trainee)

    assert client.get(f"/lessons/attachments/{attachment.pk}/").status_code == 404
