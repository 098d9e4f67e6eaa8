"""Pages for holders and staff: my certificates, the certificate page with revoke and reissue
forms, a course's certificates (filters, CSV, scope), the transcript PDF, the nav link."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from certificates import services
from certificates.models import Certificate
from courses import services as course_services
from lms.audit.models import AuditEntry
from lms.events.models import Event
from lms.pdf.testing import document_text, glyph_problems, page_text, shows_text
from organisations.models import Officer
from tests.certificates.conftest import complete
from tests.factories import OfficerFactory, UserFactory


def _issue(*completions) -> list[Certificate]:
    result = services.certificates_issue(completion_ids=[c.pk for c in completions])
    assert result.failed == {}
    return [result.issued[c.pk] for c in completions]


@pytest.fixture
def mine(people, course, completion) -> Certificate:
    """The trainee's certificate of HR-101 (written by trainer.north)."""
    return _issue(completion)[0]


@pytest.fixture
def theirs(people, course) -> Certificate:
    """The other trainee's (south) certificate of HR-101."""
    return _issue(complete(course, people.other_trainee))[0]


def _state() -> list:
    return [
        sorted(Certificate.objects.values_list("code", "status", "status_reason", "replaces_id")),
        Event.objects.filter(name__startswith="certificate.").count(),
        AuditEntry.objects.count(),
    ]


def _more(course, unit, count: int, start: int = 0) -> None:
    completions = []
    for number in range(start, start + count):
        user = UserFactory(username=f"holder{number}")
        OfficerFactory(unit=unit, user=user)
        completions.append(complete(course, user))
    _issue(*completions)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# My certificates -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_certificates_lists_my_own_with_status_and_links(client, people, mine, theirs):
    Certificate.objects.filter(pk=mine.pk).update(expires_on=timezone.localdate().replace(year=2040))
    client.force_login(people.trainee)

    response = client.get("/certificates/")

    page = response.content.decode()
    assert response.status_code == 200
    assert mine.code in page
    assert theirs.code not in page
    assert "Human rights in policing" in page
    assert "Valid" in page
    assert f'href="/api/v1/certificates/{mine.code}/pdf/"' in page
    assert f'href="/verify/{mine.code}/"' in page
    assert f'href="/certificates/{mine.code}/"' in page
    assert 'href="/certificates/transcript.pdf"' in page
    assert "2040" in page


@pytest.mark.django_db
def test_my_certificates_says_so_when_there_is_none(client, people):
    client.force_login(people.admin)  # no officer record

    response = client.get("/certificates/")

    assert response.status_code == 200
    assert "You hold no certificate yet." in response.content.decode()


@pytest.mark.django_db
def test_my_certificates_needs_a_sign_in(client):
    response = client.get("/certificates/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or "login" in response["Location"]


@pytest.mark.django_db
def test_my_certificates_runs_the_same_queries_for_2_and_30(client, people, tree, course, cop_course):
    _issue(complete(course, people.trainee), complete(cop_course, people.trainee))
    client.force_login(people.trainee)
    few = _queries(client, "/certificates/")
    # 28 more of the trainee's own: reissues keep the holder (each superseded one stays listed).
    for number in range(14):
        for certificate in Certificate.objects.filter(officer__user=people.trainee, status="valid"):
            services.certificate_reissue(certificate=certificate, actor=people.admin, reason=f"Fix {number}")
    assert Certificate.objects.filter(officer__user=people.trainee).count() == 30

    assert _queries(client, "/certificates/") == few


@pytest.fixture
def cop_course(people):
    course = course_services.course_create(creator=people.admin, code="COP-101", title="Community policing")
    course_services.lesson_create(module=course_services.module_create(course=course, title="M"), title="L")
    course_services.course_publish(course=course, actor=people.admin)
    course.refresh_from_db()
    return course


# The certificate page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_holder_sees_content_status_download_and_verification_but_no_forms(client, people, mine, mission):
    client.force_login(people.trainee)

    response = client.get(f"/certificates/{mine.code}/")

    page = response.content.decode()
    assert response.status_code == 200
    for text in [mine.holder_name, mine.code, "Human rights in policing", "HR-101", mission.name, "Valid"]:
        assert text in page
    assert mine.pdf_sha256 in page
    assert f'href="/api/v1/certificates/{mine.code}/pdf/"' in page
    assert f'href="/verify/{mine.code}/"' in page
    assert "Revoke the certificate" not in page
    assert "Reissue the certificate" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status", "has_forms"),
    [
        ("trainee", 200, False),
        ("other_trainee", 404, False),
        ("trainer_north", 200, True),  # author, and the holder is in scope
        ("trainer_south", 404, False),
        ("leader", 200, False),
        ("admin", 200, True),
    ],
)
def test_the_certificate_page_by_role(client, people, mine, role, status, has_forms):
    client.force_login(getattr(people, role))

    response = client.get(f"/certificates/{mine.code}/")

    assert response.status_code == status
    page = response.content.decode()
    assert ("Revoke the certificate" in page) is has_forms
    assert ("Reissue the certificate" in page) is has_forms
    if status == 404:
        assert mine.holder_name not in page


@pytest.mark.django_db
def test_revoking_on_the_page_redirects_with_a_confirmation(client, people, mine):
    client.force_login(people.trainer_north)

    response = client.post(f"/certificates/{mine.code}/revoke/", {"revoke-reason": "Exam fraud"}, follow=True)

    assert response.redirect_chain == [(f"/certificates/{mine.code}/", 302)]
    page = response.content.decode()
    assert "The certificate is revoked." in page
    assert "Exam fraud" in page
    mine.refresh_from_db()
    assert (mine.status, mine.status_reason, mine.status_changed_by) == ("revoked", "Exam fraud", people.trainer_north)
    assert "Revoke the certificate" not in page  # nothing more to do with a revoked one


@pytest.mark.django_db
def test_revoking_without_a_reason_shows_the_error_and_changes_nothing(client, people, mine):
    client.force_login(people.admin)
    before = _state()

    response = client.post(f"/certificates/{mine.code}/revoke/", {"revoke-reason": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [("trainee", 403), ("leader", 403), ("trainer_south", 404)])
@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_refused_page_posts_change_nothing(client, people, mine, role, status, action):
    client.force_login(getattr(people, role))
    before = _state()

    response = client.post(f"/certificates/{mine.code}/{action}/", {f"{action}-reason": "Fraud"})

    assert response.status_code == status
    assert _state() == before


@pytest.mark.django_db
def test_reissuing_on_the_page_leads_to_the_new_certificate(client, people, mine):
    Officer.objects.filter(user=people.trainee).update(given_name="Fatima", family_name="Zahra")
    client.force_login(people.admin)

    response = client.post(f"/certificates/{mine.code}/reissue/", {"reissue-reason": "Name corrected"}, follow=True)

    new = Certificate.objects.get(replaces=mine)
    assert response.redirect_chain == [(f"/certificates/{new.code}/", 302)]
    page = response.content.decode()
    assert f"A new certificate {new.code} is issued; {mine.code} is superseded." in page
    assert "Fatima Zahra" in page
    old_page = client.get(f"/certificates/{mine.code}/").content.decode()
    assert "Superseded" in old_page
    assert f'href="/certificates/{new.code}/"' in old_page


# A course's certificates ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status", "visible"),
    [
        ("trainee", 403, []),
        ("trainer_north", 200, ["mine", "theirs"]),  # the course's author
        ("trainer_south", 200, ["theirs"]),  # holders in the south only
        ("leader", 200, ["mine", "theirs"]),
        ("admin", 200, ["mine", "theirs"]),
    ],
)
def test_course_certificates_by_role(client, people, course, mine, theirs, role, status, visible):
    client.force_login(getattr(people, role))

    response = client.get(f"/courses/{course.pk}/certificates/")

    assert response.status_code == status
    page = response.content.decode()
    assert {name for name, c in {"mine": mine, "theirs": theirs}.items() if c.code in page} == set(visible)


@pytest.mark.django_db
def test_course_certificates_of_a_course_one_cannot_see_is_a_404(client, people, course, mine):
    draft = course_services.course_create(creator=people.admin, code="D-1", title="Draft")
    client.force_login(people.trainee)

    assert client.get(f"/courses/{draft.pk}/certificates/").status_code == 404


@pytest.mark.django_db
def test_course_certificates_filter_by_status_and_unit(client, people, tree, course, mine, theirs):
    services.certificate_revoke(certificate=theirs, actor=people.admin, reason="Fraud")
    client.force_login(people.leader)
    url = f"/courses/{course.pk}/certificates/"

    def codes(**params) -> set[str]:
        page = client.get(url, params).content.decode()
        return {c.code for c in (mine, theirs) if c.code in page}

    assert codes(status="revoked") == {theirs.code}
    assert codes(status="valid") == {mine.code}
    assert codes(unit=tree.north.pk) == {mine.code}
    assert codes(unit=tree.south.pk, status="valid") == set()
    assert codes(unit="", status="") == {mine.code, theirs.code}


@pytest.mark.django_db
def test_a_unit_outside_the_scope_is_a_404(client, people, tree, course, mine):
    client.force_login(people.trainer_south)

    assert client.get(f"/courses/{course.pk}/certificates/", {"unit": tree.north.pk}).status_code == 404


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.django_db
def test_the_csv_lists_the_filtered_certificates_safely(client, people, tree, course, mine, theirs):
    Certificate.objects.filter(pk=mine.pk).update(holder_name='=HYPERLINK("x")', status_reason="")
    client.force_login(people.leader)

    rows = _csv_rows(client.get(f"/courses/{course.pk}/certificates/", {"unit": tree.north.pk, "format": "csv"}))

    assert rows[0] == [
        "Code",
        "Serial number",
        "Holder",
        "Service number",
        "Unit",
        "Issued on",
        "Expires on",
        "Status",
        "Reason",
    ]
    assert rows[1:] == [
        [
            mine.code,
            str(mine.serial),
            '\'=HYPERLINK("x")',
            mine.holder_service_number,
            "Kora Central Station",
            timezone.localdate(mine.issued_at).isoformat(),
            "",
            "Valid",
            "",
        ]
    ]


@pytest.mark.django_db
def test_course_certificates_runs_the_same_queries_for_2_and_30(client, people, tree, course, mine, theirs):
    client.force_login(people.leader)
    url = f"/courses/{course.pk}/certificates/"
    few = _queries(client, url)
    filtered = _queries(client, f"{url}?status=valid&unit={tree.north.pk}")

    _more(course, tree.north_station, 28)
    assert Certificate.objects.count() == 30

    assert _queries(client, url) == few
    assert _queries(client, f"{url}?status=valid&unit={tree.north.pk}") == filtered
    assert len(_csv_rows(client.get(url, {"format": "csv"}))) == 31


# Transcript ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_transcript_lists_completed_courses_with_dates_codes_and_statuses(client, people, course, cop_course):
    hr, cop = _issue(complete(course, people.trainee), complete(cop_course, people.trainee))
    services.certificate_revoke(certificate=cop, actor=people.admin, reason="Fraud")
    client.force_login(people.trainee)

    response = client.get("/certificates/transcript.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="transcript-')
    text = document_text(response.content)
    officer = people.trainee.officer
    today = timezone.localdate()
    for expected in [
        "Training transcript",
        officer.full_name,
        officer.service_number,
        "Human rights in policing",
        "Community policing",
        hr.code,
        cop.code,
        "Valid",
        "Revoked",
    ]:
        assert shows_text(text, expected), expected
    assert text.count(date_format(today, "DATE_FORMAT")) == 3  # drawn up and both completed today, in English
    assert glyph_problems(response.content) == []


@pytest.mark.django_db
def test_the_transcript_shows_the_current_certificate_and_completions_waiting_for_one(client, people, course):
    first = _issue(complete(course, people.trainee))[0]
    second = services.certificate_reissue(certificate=first, actor=people.admin, reason="Name")
    client.force_login(people.trainee)

    text = document_text(client.get("/certificates/transcript.pdf").content)

    assert shows_text(text, second.code)
    assert not shows_text(text, first.code)


@pytest.mark.django_db
def test_a_completion_without_a_certificate_says_not_issued_yet(client, people, course, completion):
    client.force_login(people.trainee)

    text = document_text(client.get("/certificates/transcript.pdf").content)

    assert shows_text(text, "Human rights in policing")
    assert shows_text(text, "Not issued yet")


@pytest.mark.django_db
def test_the_transcript_is_in_french_for_a_french_reader(client, people, course, completion):
    _issue(completion)
    client.force_login(people.trainee)
    client.cookies["django_language"] = "fr"

    text = document_text(client.get("/certificates/transcript.pdf").content)

    today = timezone.localdate()
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre"]
    months += ["novembre", "décembre"]
    assert f"{today.day} {months[today.month - 1]} {today.year}" in text


@pytest.mark.django_db
def test_an_arabic_transcript_runs_right_to_left_with_joined_letters(client, people, tree, mission):
    arabic = course_services.course_create(creator=people.admin, code="AR-1", title="حقوق الإنسان", language="ar")
    course_services.lesson_create(module=course_services.module_create(course=arabic, title="م"), title="د")
    course_services.course_publish(course=arabic, actor=people.admin)
    Officer.objects.filter(user=people.trainee).update(given_name="فاطمة", family_name="الزهراء")
    certificate = _issue(complete(arabic, people.trainee))[0]
    client.force_login(people.trainee)
    client.cookies["django_language"] = "ar"

    pdf = client.get("/certificates/transcript.pdf").content

    text = page_text(pdf)
    assert shows_text(text, "فاطمة الزهراء")
    assert shows_text(text, "حقوق الإنسان")
    assert glyph_problems(pdf) == []
    # Mirrored columns: the course (first in reading order) is at the right of its row, the
    # certificate code to its left; in English it is the other way round.
    row = next(line for line in text.splitlines() if certificate.code in line)
    assert row.index(certificate.code) < row.index("AR-1")
    client.cookies["django_language"] = "en"
    english = page_text(client.get("/certificates/transcript.pdf").content)
    row = next(line for line in english.splitlines() if certificate.code in line)
    assert row.index("AR-1") < row.index(certificate.code)


@pytest.mark.django_db
def test_the_transcript_runs_onto_more_pages_when_needed(client, people, mission):
    courses = []
    for number in range(40):
        course = course_services.course_create(creator=people.admin, code=f"C-{number:02d}", title=f"Course {number}")
        course_services.lesson_create(module=course_services.module_create(course=course, title="M"), title="L")
        course_services.course_publish(course=course, actor=people.admin)
        courses.append(course)
    _issue(*[complete(course, people.trainee) for course in courses])
    client.force_login(people.trainee)

    text = document_text(client.get("/certificates/transcript.pdf").content)

    assert all(f"C-{number:02d}" in text for number in range(40))
    assert "Page 2" in text


@pytest.mark.django_db
def test_without_an_officer_record_there_is_no_transcript(client, people):
    client.force_login(people.admin)

    assert client.get("/certificates/transcript.pdf").status_code == 404


# Navigation ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "shown"), [("trainee", True), ("admin", False)])
def test_the_nav_links_my_certificates_for_people_with_an_officer_record(client, people, role, shown):
    client.force_login(getattr(people, role))

    page = client.get("/").content.decode()

    assert ('href="/certificates/"' in page) is shown
