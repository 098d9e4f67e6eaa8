"""Request bodies are bounded before they are read (lms/request_body.py): by their announced
length, as a chunked stream, and by file parts where no file is taken. Through Django's
handler here; tests/integration/test_request_bodies.py sends the same through gunicorn."""

import io
import json

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import NoReverseMatch, reverse
from drf_spectacular.generators import SchemaGenerator

from assessments.models import Question
from certificates.models import Verification
from courses.models import Course, LessonAttachment
from lms.request_body import BodyLimit, RequestBodyTooLarge
from organisations.models import Officer, RosterImport
from tests.test_settings import python

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024
FORM = 64 * 1024
TOO_LARGE_HERE = {"detail": "The request is larger than 1.0\xa0MB, the most accepted here."}
NO_FILE = {"detail": "No file is accepted here."}


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size=-1):
        raise AssertionError("the body was read")

    readline = read


def announced(client, path: str, length: int, content_type: str = "application/json"):
    """A POST that announces ``length`` bytes and sends none that may be read."""
    return client.generic(
        "POST", path, b"", CONTENT_TYPE=content_type, CONTENT_LENGTH=str(length), **{"wsgi.input": Unreadable()}
    )


def chunked(client, path: str, body: bytes, content_type: str):
    """A POST with a chunked body, as gunicorn hands it over: no length, an input it ends."""
    stream = io.BytesIO(body)
    response = client.generic(
        "POST",
        path,
        b"",
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": stream, "wsgi.input_terminated": True},
    )
    return response, stream.tell()


def page_text(response) -> str:
    return response.content.decode()


def footprint():
    return (
        Officer.objects.count(),
        RosterImport.objects.count(),
        Course.objects.count(),
        LessonAttachment.objects.count(),
        Question.objects.count(),
        Verification.objects.count(),
    )


# The header --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "trainer"])
@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/courses/", "/api/v1/notifications/read/"])
def test_an_api_body_over_one_megabyte_is_refused_unread(client, people, who, path):
    if who == "trainer":
        client.force_login(people.trainer_north)
    before = footprint()

    response = announced(client, path, MEGABYTE + 1)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == TOO_LARGE_HERE
    assert footprint() == before


def test_a_body_of_one_megabyte_is_read(client, people):
    client.force_login(people.trainer_north)
    body = json.dumps({"ids": [1], "padding": "x" * (MEGABYTE - 30)}).encode()
    body += b" " * (MEGABYTE - len(body))

    response = client.post("/api/v1/notifications/read/", body, content_type="application/json")

    assert len(body) == MEGABYTE
    assert response.status_code == 200
    assert response.json() == {"marked": 0}


def test_a_page_body_over_one_megabyte_is_a_short_page(client, people):
    response = announced(client, "/accounts/login/", MEGABYTE + 1, "application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert (
        '<h1>Too large</h1>\n<p class="notice">The request is larger than 1.0\xa0MB, the most accepted here.</p>'
        in (page_text(response))
    )
    # The whole middleware stack answered: the security headers are there.
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_an_upload_at_its_file_and_form_limit_reaches_the_view(client, people):
    """The view's own size check is the second line: it words a file a little too large."""
    client.force_login(people.trainer_north)
    content = b"service_number\n" + b"NP-1\n" * (5 * MEGABYTE // 5)
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("roster.csv", content)})
    before = footprint()

    response = client.generic("POST", "/api/v1/officers/import/", body, content_type=MULTIPART_CONTENT)

    assert 5 * MEGABYTE < len(body) <= 5 * MEGABYTE + FORM
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"row": 0, "field": None, "message": "The file is larger than 5.0\xa0MB. Split it into smaller files."}
        ]
    }
    assert footprint() == before


# A chunked body ------------------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_read_no_further_than_the_limit(client, people):
    client.force_login(people.trainer_north)
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("roster.csv", b"x" * (20 * MEGABYTE))})
    before = footprint()

    response, read = chunked(client, "/api/v1/officers/import/", body, MULTIPART_CONTENT)

    assert response.status_code == 413
    assert response.json() == {"detail": "The file is larger than 5.0\xa0MB, the most accepted here."}
    assert read == 5 * MEGABYTE + FORM + 1
    assert footprint() == before


def test_a_chunked_upload_within_the_limit_is_imported(client, tree, people):
    client.force_login(people.trainer_north)
    officer = tree.north_officers[0]
    content = (
        "service_number,given_name,family_name,sex,rank,unit_code\n"
        f"{officer.service_number},{officer.given_name},{officer.family_name},{officer.sex},{officer.rank},N1-ST\n"
        "NP-900,Awa,Ba,F,Constable,N1-ST\n"
    ).encode()
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("roster.csv", content)})

    response, read = chunked(client, "/api/v1/officers/import/", body, MULTIPART_CONTENT)

    assert read == len(body)
    assert response.status_code == 200
    assert response.json() == {
        "import_id": RosterImport.objects.get().pk,
        "rows": 2,
        "created": 1,
        "updated": 0,
        "transferred": 0,
        "unchanged": 1,
        "missing": [tree.north_officers[1].service_number],
    }


def test_a_chunked_json_body_over_one_megabyte_is_refused(client):
    response, read = chunked(client, "/api/v1/auth/token/", b"[" + b"1," * MEGABYTE + b"1]", "application/json")

    assert response.status_code == 413
    assert response.json() == TOO_LARGE_HERE
    assert read == MEGABYTE + 1


# File parts ------------------------------------------------------------------------------


@pytest.fixture
def kept(monkeypatch):
    """The file parts that a handler after the first began to keep (memory or a temporary file)."""
    names = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.new_file

        def spy(self, field_name, *args, _original=original, **kwargs):
            names.append(field_name)
            return _original(self, field_name, *args, **kwargs)

        monkeypatch.setattr(handler, "new_file", spy)
    return names


@pytest.mark.parametrize(
    ("who", "path"),
    [(None, "/api/v1/auth/token/"), ("trainer_north", "/api/v1/courses/"), ("trainee", "/api/v1/notifications/read/")],
)
def test_a_file_part_on_an_api_that_takes_none_is_refused_before_it_is_kept(client, people, kept, who, path):
    if who is not None:
        client.force_login(getattr(people, who))
    before = footprint()

    response = client.post(
        path, {"username": "trainee", "password": "x", "title": "Course", "attachment": io.BytesIO(b"%PDF-1.7 ...")}
    )

    assert response.status_code == 400
    assert response.json() == NO_FILE
    assert kept == []
    assert footprint() == before


def test_a_file_part_on_a_page_that_takes_none_is_a_short_page_logged_in_one_line(client, people, kept, caplog):
    response = client.post("/accounts/login/", {"username": "trainee", "password": "x", "photo": io.BytesIO(b"GIF89a")})

    assert response.status_code == 400
    assert '<h1>Not accepted</h1>\n<p class="notice">No file is accepted here.</p>' in page_text(response)
    assert response["X-Frame-Options"] == "DENY"
    assert kept == []
    assert "_auth_user_id" not in client.session
    security = [r for r in caplog.records if r.name == "django.security.FilePartRefused"]
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in security] == [
        ("ERROR", "No file is accepted here.", None)
    ]


def test_a_file_part_on_an_upload_endpoint_is_taken(client, people, kept):
    client.force_login(people.trainer_north)

    response = client.post("/api/v1/officers/import/", {"file": io.BytesIO(b"service_number\n")})

    assert response.status_code == 400  # the roster's own verdict on a file without its columns
    assert "errors" in response.json()
    assert kept == ["file"]  # a small file: the memory handler keeps it, as Django does


def test_the_upload_handler_stops_reading_once_the_files_pass_the_limit(rf):
    """Beyond the announced length (which the middleware checks first), the handler bounds
    what a stream gives: here the limit is set below a body that the stream holds whole."""
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("roster.csv", b"x" * MEGABYTE)})
    stream = io.BytesIO(body)
    request = rf.generic(
        "POST",
        "/api/v1/officers/import/",
        b"",
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": stream},
    )
    request.body_limit = BodyLimit(body_bytes=100_000, file_bytes=90_000)

    with pytest.raises(RequestBodyTooLarge) as refused:
        request.FILES  # noqa: B018

    assert refused.value.status_code == 413
    assert refused.value.message == "The file is larger than 87.9\xa0KB, the most accepted here."
    assert stream.tell() <= 100_000 + 2 * 64 * 1024  # Django reads 64 KB at a time
    assert stream.tell() < len(body)


# Where the limits are set and documented -------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"), [({}, "1048576 65536"), ({"REQUEST_BODY_MAX_BYTES": "2000000"}, "2000000 65536")]
)
def test_the_default_limit_is_set_from_the_environment(tmp_path, env, expected):
    code = "from lms.settings import base; print(base.REQUEST_BODY_MAX_BYTES, base.UPLOAD_FORM_BYTES)"

    result = python("-c", code, settings="lms.settings.base", tmp_path=tmp_path, **env)

    assert result.stdout.strip() == expected


def test_the_schema_documents_413_where_an_operation_reads_a_body():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    upload = schema["paths"]["/api/v1/officers/import/"]["post"]["responses"]
    listing = schema["paths"]["/api/v1/courses/"]["get"]["responses"]

    assert token["413"] == {
        "description": "The body is larger than this operation accepts.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
    }
    assert "413" in upload
    assert "413" not in listing


def _reverses(name: str, kwargs: dict) -> bool:
    try:
        reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return False
    return True


def test_every_upload_endpoint_names_a_url_and_the_setting_of_its_file():
    for name, setting in django_settings.UPLOAD_ENDPOINTS.items():
        assert isinstance(getattr(django_settings, setting), int), setting
        assert any(_reverses(name, kwargs) for kwargs in ({}, {"pk": 1}, {"code": "X"}, {"object_id": "1"})), name


def test_an_upload_endpoint_follows_its_files_setting(client, settings):
    """Read per request (and never below REQUEST_BODY_MAX_BYTES)."""
    settings.ROSTER_IMPORT_MAX_BYTES = 2 * MEGABYTE

    refused = announced(client, "/api/v1/officers/import/", 2 * MEGABYTE + FORM + 1, MULTIPART_CONTENT)
    read = client.generic(
        "POST", "/api/v1/officers/import/", b"x" * (2 * MEGABYTE + FORM), CONTENT_TYPE=MULTIPART_CONTENT
    )

    assert refused.status_code == 413
    assert refused.json() == {"detail": "The file is larger than 2.0\xa0MB, the most accepted here."}
    assert read.status_code == 401  # read as far as the view, which wants a trainer
