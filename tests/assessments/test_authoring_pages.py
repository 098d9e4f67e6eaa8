"""Importing questions into an assessment's bank through the page, and exporting them as CSV."""

import csv
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.models import Question

pytestmark = pytest.mark.django_db

VALID_GIFT = """// Two questions
::Q1::Who may order a search?{=A judge ~A neighbour}

The use of force must be proportionate.{T}
"""
BROKEN_GIFT = "Good?{=Yes ~No}\n\nBroken?{~a ~b}\n\nAlso broken {=1 \n"
LOGIN = "/accounts/login/?next="


def _import_url(assessment) -> str:
    return f"/assessments/{assessment.pk}/questions/import/"


def _upload(client, assessment, name: str, content: bytes, file_format: str = "auto"):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(_import_url(assessment), {"file": upload, "format": file_format})


def _texts(assessment) -> list[str]:
    return list(Question.objects.filter(bank=assessment.bank).order_by("pk").values_list("text", flat=True))


def test_author_imports_a_gift_file(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.gift", VALID_GIFT.encode())

    assert (response.status_code, response["Location"]) == (302, f"/assessments/{assessment.pk}/")
    assert _texts(assessment) == [*before, "Who may order a search?", "The use of force must be proportionate."]
    page = client.get(response["Location"])
    assert [str(message) for message in page.context["messages"]] == ["2 questions imported."]


def test_broken_gift_file_lists_every_problem_and_writes_nothing(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.txt", BROKEN_GIFT.encode())

    assert response.status_code == 400
    assert response.context["problems"] == [
        "line 3: No correct answer: mark one with = (or a positive %weight%).",
        "line 5: Unclosed brace: { without a matching }.",
    ]
    assert b'<li dir="auto">line 5: Unclosed brace: { without a matching }.</li>' in response.content
    assert _texts(assessment) == before


def test_broken_csv_file_lists_rows(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)
    content = b"kind,text,choices\nsingle,Fine?,*Yes | No\nsingle,,*Yes\nbogus,What?,\n"

    response = _upload(client, assessment, "bank.data", content, file_format="csv")

    assert response.status_code == 400
    assert response.context["problems"] == [
        "row 3: The question text is empty.",
        "row 3: A choice question needs at least two choices.",
        "row 4: Unknown kind 'bogus': use one of single, multiple, true_false, numeric, short_text, essay.",
    ]
    assert _texts(assessment) == before


def test_file_over_five_megabytes_is_refused(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.gift", b"x" * (5 * 1024 * 1024 + 1))

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is larger than 5 MB."]}
    assert _texts(assessment) == before


def test_file_that_is_not_utf8_is_refused(client, people, assessment):
    client.force_login(people.trainer_north)
    before = _texts(assessment)

    response = _upload(client, assessment, "bank.gift", "Qui?{=Général ~Élève}".encode("latin-1"))

    assert response.status_code == 400
    assert response.context["problems"] == [
        "The file is not UTF-8 text. Save it as UTF-8 (in a spreadsheet: CSV UTF-8) and try again."
    ]
    assert _texts(assessment) == before


def test_import_form_describes_the_accepted_files(client, people, assessment):
    client.force_login(people.trainer_north)

    html = client.get(_import_url(assessment)).content.decode()

    assert 'accept=".gift,.txt,.csv"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<option value="auto" selected>' in html
    assert f'href="/assessments/{assessment.pk}/questions/export.csv"' in html


def test_csv_export_gives_the_bank_back_in_the_import_format(client, people, assessment):
    client.force_login(people.trainer_north)

    response = client.get(f"/assessments/{assessment.pk}/questions/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="assessment-{assessment.pk}-questions.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffkind,text,points,choices,answer,tolerance,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(row["kind"], row["text"]) for row in rows] == [
        ("single", "Who may order an arrest?"),
        ("multiple", "Which are rights of a detainee?"),
        ("numeric", "How many hours before a detainee sees a judge?"),
        ("short_text", "The principle that force must match the threat?"),
    ]
    assert rows[0]["choices"] == "*A judge | A neighbour | A journalist"


def test_exported_csv_imports_back(client, people, assessment):
    client.force_login(people.trainer_north)
    exported = client.get(f"/assessments/{assessment.pk}/questions/export.csv").content
    before = _texts(assessment)

    response = _upload(client, assessment, "export.csv", exported)

    assert response.status_code == 302
    assert _texts(assessment) == before * 2


def test_assessment_page_links_editors_to_import_and_export(client, people, published):
    links = (b"/questions/import/", b"/questions/export.csv")
    client.force_login(people.trainer_north)
    author_page = client.get(f"/assessments/{published.pk}/").content
    client.force_login(people.trainee)
    trainee_page = client.get(f"/assessments/{published.pk}/").content

    assert [link in author_page for link in links] == [True, True]
    assert [link in trainee_page for link in links] == [False, False]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("trainee", 403),
        ("other_trainee", 404),
        ("trainer_south", 403),
        ("leader", 403),
        ("trainer_north", 200),
        ("admin", 200),
    ],
)
def test_who_may_import_and_export(client, people, published, who, expected):
    """The trainee is enrolled in the course (sees the assessment), the other trainee is not;
    trainer_north is the course's author."""
    if who is not None:
        client.force_login(getattr(people, who))
    before = _texts(published)

    pages = [client.get(_import_url(published)), client.get(f"/assessments/{published.pk}/questions/export.csv")]
    posted = _upload(client, published, "bank.gift", VALID_GIFT.encode())

    assert [page.status_code for page in pages] == [expected, expected]
    if expected == 200:
        assert posted.status_code == 302
        assert len(_texts(published)) == len(before) + 2
    else:
        assert posted.status_code == expected
        assert _texts(published) == before
    if expected == 302:
        assert pages[0]["Location"] == LOGIN + _import_url(published)


# The countdown on the taking page (static/js/attempt-timer.js) ----------------------------------


def test_taking_page_loads_the_countdown_with_the_servers_deadline(client, people, published):
    client.force_login(people.trainee)
    client.post(f"/assessments/{published.pk}/start/")
    attempt = published.attempts.get()

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert html.count("<script") == 1
    assert '<script src="/static/js/attempt-timer.js" defer></script>' in html
    assert f'data-deadline="{timezone.localtime(attempt.deadline).isoformat()}"' in html
    assert 'role="timer" aria-live="polite"' in html
    # Without JavaScript the server's text stays: the countdown is hidden until the script shows it.
    assert "About 30 minutes left." in html
    assert 'class="attempt-timer" role="timer" aria-live="polite" aria-atomic="true" hidden' in html


def test_taking_page_without_a_time_limit_has_no_script(client, people, published):
    published.time_limit_minutes = None
    published.save(update_fields=["time_limit_minutes"])
    client.force_login(people.trainee)
    client.post(f"/assessments/{published.pk}/start/")
    attempt = published.attempts.get()

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "<script" not in html
    assert "data-deadline" not in html


def test_countdown_script_is_small_and_never_submits():
    script = (settings.BASE_DIR / "static" / "js" / "attempt-timer.js").read_text()

    assert len(script.encode()) < 1536
    assert ".submit(" not in script
    assert "requestSubmit" not in script
