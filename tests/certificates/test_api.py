"""The certificates API for holders and staff: listing scope per role, filters, the PDF
download (token or session, whatever ``Accept`` says), revoke and reissue access, schema.

Two courses: HR-101 written by trainer.north (an author sees every certificate of their
course), COP-101 written by the admin (trainer.north sees only holders in the north).
The trainee is in the north, the other trainee in the south.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import Certificate
from certificates.services import certificates_issue
from courses import services as course_services
from lms.audit.models import AuditEntry
from lms.events.models import Event
from organisations.models import User
from organisations.tokens import api_token_issue
from tests.certificates.conftest import complete
from tests.factories import OfficerFactory, UserFactory

ROLES = ["anonymous", "trainee", "other_trainee", "trainer_north", "trainer_south", "leader", "admin"]


def _issue(*completions) -> list[Certificate]:
    result = certificates_issue(completion_ids=[c.pk for c in completions])
    assert not result.failed
    return [result.issued[c.pk] for c in completions]


@pytest.fixture
def cop_course(people):
    course = course_services.course_create(creator=people.admin, code="COP-101", title="Community policing")
    module = course_services.module_create(course=course, title="Basics")
    course_services.lesson_create(module=module, title="Trust", body="Listen.")
    course_services.course_publish(course=course, actor=people.admin)
    course.refresh_from_db()
    return course


@pytest.fixture
def certs(people, course, cop_course):
    hr_north, hr_south, cop_north, cop_south = _issue(
        complete(course, people.trainee),
        complete(course, people.other_trainee),
        complete(cop_course, people.trainee),
        complete(cop_course, people.other_trainee),
    )
    return {"hr_north": hr_north, "hr_south": hr_south, "cop_north": cop_north, "cop_south": cop_south}


def _login(api_client, people, role):
    if role != "anonymous":
        api_client.force_authenticate(getattr(people, role))


def _codes(certs, *names) -> set[str]:
    return {certs[name].code for name in names}


# Listing -----------------------------------------------------------------------------------

VISIBLE = {
    "trainee": ["hr_north", "cop_north"],
    "other_trainee": ["hr_south", "cop_south"],
    "trainer_north": ["hr_north", "hr_south", "cop_north"],  # author of HR-101, scope north
    "trainer_south": ["hr_south", "cop_south"],
    "leader": ["hr_north", "hr_south", "cop_north", "cop_south"],
    "admin": ["hr_north", "hr_south", "cop_north", "cop_south"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_exactly_the_certificates_in_its_scope(api_client, people, certs, role):
    _login(api_client, people, role)

    response = api_client.get("/api/v1/certificates/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(VISIBLE[role])
    assert {item["code"] for item in body["results"]} == _codes(certs, *VISIBLE[role])


@pytest.mark.django_db
def test_anonymous_gets_401_from_every_endpoint(api_client, certs):
    code = certs["hr_north"].code
    for url in ["/api/v1/certificates/", f"/api/v1/certificates/{code}/", f"/api/v1/certificates/{code}/pdf/"]:
        assert api_client.get(url).status_code == 401
    for action in ["revoke", "reissue"]:
        assert api_client.post(f"/api/v1/certificates/{code}/{action}/", {"reason": "x"}).status_code == 401
    assert Certificate.objects.filter(status=Certificate.Status.VALID).count() == 4


@pytest.mark.django_db
def test_an_item_has_the_printed_name_course_dates_status_and_links(api_client, people, course, certs, settings):
    certificate = certs["hr_north"]
    api_client.force_authenticate(people.trainee)

    response = api_client.get("/api/v1/certificates/", {"course": course.pk})

    [item] = response.json()["results"]
    assert item == {
        "code": certificate.code,
        "course": {"id": course.pk, "code": "HR-101", "title": "Human rights in policing"},
        "holder": people.trainee.officer.full_name,
        "issued_at": certificate.issued_at.isoformat().replace("+00:00", "Z"),
        "expires_at": None,
        "status": "valid",
        "pdf": f"/api/v1/certificates/{certificate.code}/pdf/",
        "verify_url": f"{settings.PUBLIC_BASE_URL}/verify/{certificate.code}/",
    }


@pytest.mark.django_db
def test_the_holder_name_is_the_one_printed_even_after_a_roster_change(api_client, people, certs):
    officer = people.trainee.officer
    printed = officer.full_name
    officer.family_name = "Renamed"
    officer.save()
    api_client.force_authenticate(people.admin)

    response = api_client.get(f"/api/v1/certificates/{certs['hr_north'].code}/")

    assert response.json()["holder"] == printed


@pytest.mark.django_db
def test_filters_by_course_unit_subtree_and_status(api_client, people, tree, course, cop_course, certs):
    Certificate.objects.filter(pk=certs["cop_south"].pk).update(status=Certificate.Status.REVOKED)
    api_client.force_authenticate(people.leader)

    def codes(**params):
        response = api_client.get("/api/v1/certificates/", params)
        assert response.status_code == 200
        return {item["code"] for item in response.json()["results"]}

    assert codes(course=course.pk) == _codes(certs, "hr_north", "hr_south")
    assert codes(unit=tree.north.pk) == _codes(certs, "hr_north", "cop_north")  # the region's subtree
    assert codes(unit=tree.south_station.pk, course=cop_course.pk) == _codes(certs, "cop_south")
    assert codes(status="revoked") == _codes(certs, "cop_south")
    assert codes(status="valid", unit=tree.south.pk) == _codes(certs, "hr_south")
    assert codes(unit=999999) == set()
    assert api_client.get("/api/v1/certificates/", {"status": "lost"}).status_code == 400


@pytest.mark.django_db
def test_a_filter_never_widens_the_scope(api_client, people, tree, cop_course, certs):
    api_client.force_authenticate(people.trainer_south)

    response = api_client.get("/api/v1/certificates/", {"unit": tree.north.pk, "course": cop_course.pk})

    assert response.json()["count"] == 0


def _many(course, count: int) -> None:
    """``count`` more certificates of north-station officers."""
    station = Certificate.objects.values_list("officer__unit", flat=True).first()
    completions = []
    for number in range(count):
        user = UserFactory(username=f"holder{number}")
        OfficerFactory(unit_id=station, user=user)
        completions.append(complete(course, user))
    _issue(*completions)


@pytest.mark.django_db
def test_the_list_runs_the_same_queries_whatever_the_number_and_the_page_size(api_client, people, course, certs):
    def queries(**params) -> int:
        api_client.force_authenticate(User.objects.get(pk=people.leader.pk))  # roles not cached yet
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get("/api/v1/certificates/", params)
        assert response.status_code == 200
        return len(captured)

    few = queries(page_size=2)
    _many(course, 28)
    assert Certificate.objects.count() == 32
    assert queries(page_size=2) == few
    assert queries(page_size=30) == few
    assert queries(page_size=30, unit=people.trainee.officer.unit_id) == few + 1  # the unit's path
    assert few == 4  # roles (officer, grants), count, page


@pytest.mark.django_db
def test_page_size_pages_the_list(api_client, people, certs):
    api_client.force_authenticate(people.admin)

    body = api_client.get("/api/v1/certificates/", {"page_size": 3}).json()

    assert body["count"] == 4
    assert len(body["results"]) == 3
    assert body["next"] is not None


# Detail ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(VISIBLE))
def test_detail_answers_within_scope_and_404_outside(api_client, people, certs, role):
    _login(api_client, people, role)
    for name, certificate in certs.items():
        response = api_client.get(f"/api/v1/certificates/{certificate.code}/")
        assert response.status_code == (200 if name in VISIBLE[role] else 404), name
        if response.status_code == 404:
            assert certificate.holder_name not in response.content.decode()


@pytest.mark.django_db
def test_detail_accepts_the_code_as_typed_and_shows_what_is_printed(api_client, people, certs, mission):
    certificate = certs["hr_north"]
    api_client.force_authenticate(people.trainee)

    response = api_client.get(f"/api/v1/certificates/{certificate.code.lower().replace('-', '')}/")

    body = response.json()
    assert body["code"] == certificate.code
    assert body["issuer"] == mission.name
    assert body["serial"] == certificate.serial
    assert body["competencies"] == ["HR", "COP"]
    assert body["pdf_sha256"] == certificate.pdf_sha256
    assert (body["replaces"], body["replaced_by"], body["status_reason"]) == (None, None, "")


@pytest.mark.django_db
def test_a_malformed_code_is_a_404(api_client, people, certs):
    api_client.force_authenticate(people.admin)

    assert api_client.get("/api/v1/certificates/NOT-A-CODE/").status_code == 404


# The PDF -----------------------------------------------------------------------------------


def _pdf_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["application/json", "text/html", "application/pdf", "*/*", "image/png"])
def test_the_holder_downloads_the_pdf_with_a_token_whatever_accept_says(api_client, people, certs, accept):
    certificate = certs["hr_north"]
    _token, key = api_token_issue(user=people.trainee)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get(f"/api/v1/certificates/{certificate.code}/pdf/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{certificate.code}.pdf"'
    with certificate.pdf.open("rb") as stored:
        assert _pdf_bytes(response) == stored.read()


@pytest.mark.django_db
def test_the_pdf_link_of_a_listed_item_works_with_a_session(client, people, certs):
    client.force_login(people.trainee)
    item = client.get("/api/v1/certificates/", HTTP_ACCEPT="application/json").json()["results"][0]

    response = client.get(item["pdf"], HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _pdf_bytes(response).startswith(b"%PDF-")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(VISIBLE))
def test_the_pdf_is_served_to_the_holder_and_scoped_staff_only(api_client, people, certs, role):
    _login(api_client, people, role)
    for name, certificate in certs.items():
        response = api_client.get(f"/api/v1/certificates/{certificate.code}/pdf/", HTTP_ACCEPT="application/json")
        assert response.status_code == (200 if name in VISIBLE[role] else 404), name
        if response.status_code == 404:
            assert response["Content-Type"] == "application/json"


# Revoke and reissue access -------------------------------------------------------------------

# cop_north: COP-101 (written by the admin) held by the trainee in the north.
# hr_south: HR-101 (written by trainer.north) held by the other trainee in the south.
MANAGE = {
    # role: (cop_north, hr_south)
    "anonymous": (401, 401),
    "trainee": (403, 404),  # the holder sees but may not manage
    "other_trainee": (404, 403),
    "trainer_north": (None, None),  # in scope / the course's author: allowed
    "trainer_south": (404, None),
    "leader": (403, 403),  # sees everything, manages nothing
    "admin": (None, None),
}


def _state() -> dict:
    return {
        "certificates": sorted(
            Certificate.objects.values_list("code", "status", "status_reason", "status_changed_by_id")
        ),
        "events": Event.objects.filter(name__startswith="certificate.").count(),
        "audit": AuditEntry.objects.filter(action__startswith="certificate.").count(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["revoke", "reissue"])
@pytest.mark.parametrize("role", list(MANAGE))
def test_revoke_and_reissue_access_table(api_client, people, certs, role, action):
    _login(api_client, people, role)
    allowed = {"revoke": 200, "reissue": 201}[action]
    for index, name in enumerate(["cop_north", "hr_south"]):
        expected = MANAGE[role][index] or allowed
        before = _state()
        response = api_client.post(
            f"/api/v1/certificates/{certs[name].code}/{action}/", {"reason": "Fraud found"}, format="json"
        )
        assert response.status_code == expected, name
        if expected >= 400:
            assert _state() == before


@pytest.mark.django_db
def test_revoke_answers_the_revoked_certificate(api_client, people, certs):
    certificate = certs["cop_north"]
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        f"/api/v1/certificates/{certificate.code}/revoke/", {"reason": "Exam fraud"}, format="json"
    )

    body = response.json()
    assert (body["code"], body["status"], body["status_reason"]) == (certificate.code, "revoked", "Exam fraud")
    assert body["status_changed_at"] is not None


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_a_reason_is_required(api_client, people, certs, body, action):
    api_client.force_authenticate(people.admin)
    before = _state()

    response = api_client.post(f"/api/v1/certificates/{certs['cop_north'].code}/{action}/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert _state() == before


@pytest.mark.django_db
def test_a_revoked_certificate_cannot_be_revoked_or_reissued_again(api_client, people, certs):
    code = certs["cop_north"].code
    api_client.force_authenticate(people.admin)
    assert api_client.post(f"/api/v1/certificates/{code}/revoke/", {"reason": "Fraud"}).status_code == 200
    before = _state()

    again = api_client.post(f"/api/v1/certificates/{code}/revoke/", {"reason": "Again"})
    reissue = api_client.post(f"/api/v1/certificates/{code}/reissue/", {"reason": "Again"})

    assert (again.status_code, list(again.json())) == (400, ["status"])
    assert (reissue.status_code, list(reissue.json())) == (400, ["status"])
    assert _state() == before


@pytest.mark.django_db
def test_reissue_answers_201_with_the_new_certificate(api_client, people, certs):
    old = certs["hr_south"]
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(f"/api/v1/certificates/{old.code}/reissue/", {"reason": "Name corrected"})

    assert response.status_code == 201
    body = response.json()
    new = Certificate.objects.get(code=body["code"])
    assert (new.replaces, body["replaces"], body["status"]) == (old, old.code, "valid")
    old_body = api_client.get(f"/api/v1/certificates/{old.code}/").json()
    assert (old_body["status"], old_body["replaced_by"]) == ("superseded", new.code)


# Schema ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_endpoints_are_in_the_openapi_schema(tmp_path):
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))

    schema = output.read_text()
    for path in [
        "/api/v1/certificates/",
        "/api/v1/certificates/{code}/",
        "/api/v1/certificates/{code}/pdf/",
        "/api/v1/certificates/{code}/revoke/",
        "/api/v1/certificates/{code}/reissue/",
    ]:
        assert f"  {path}:" in schema
    assert "application/pdf" in schema
