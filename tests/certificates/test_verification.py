"""Public verification: the page, the PDF upload and the API, what they show and hide,
the record each check leaves, and the per-address budget that slows enumeration."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from drf_spectacular.generators import SchemaGenerator

from certificates import services
from certificates.codes import code_new
from certificates.models import Certificate, Signatory, Verification
from certificates.verification import (
    PDF_MAX_BYTES,
    client_key,
    service_number_ending,
    verification_throttle,
    verify_rates,
)

MALFORMED = "This is not a certificate code: check the characters."
UNKNOWN = "No certificate has this code."


def _hash(address: str) -> str:
    return salted_hmac("certificates.verification.client", address, algorithm="sha256").hexdigest()


def _date(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return date_format(value, "DATE_FORMAT")


def _text(response) -> str:
    return response.content.decode()


def _unknown_code() -> str:
    code = code_new()
    assert not Certificate.objects.filter(code=code).exists()
    return code


def _typed_loosely(code: str) -> str:
    """How a person might type it: lower case, spaces for hyphens, O for 0 and l for 1."""
    return code.lower().replace("-", " ").replace("0", "o").replace("1", "l")


@pytest.fixture
def certificate(completion, mission) -> Certificate:
    Signatory.objects.create(organisation=mission, name="Ama Mensah", title="Police Commissioner")
    return services.certificates_issue(completion_ids=[completion.pk]).issued[completion.pk]


@pytest.fixture
def expired(certificate) -> Certificate:
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=datetime.date(2024, 3, 31))
    assert services.certificates_expire(today=datetime.date(2024, 4, 1)) == 1
    certificate.refresh_from_db()
    return certificate


@pytest.fixture
def revoked(certificate, people) -> Certificate:
    return services.certificate_revoke(
        certificate=certificate, actor=people.trainer_north, reason="Assessment found to be copied."
    )


@pytest.fixture
def superseded(certificate, people) -> tuple[Certificate, Certificate]:
    new = services.certificate_reissue(certificate=certificate, actor=people.trainer_north, reason="Name corrected.")
    certificate.refresh_from_db()
    return certificate, new


# The page -------------------------------------------------------------------------------


def test_the_page_shows_what_the_certificate_says_and_that_it_is_valid(client, certificate, people, tree):
    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    text = _text(response)
    assert "Status: Valid" in text
    assert "This certificate is valid." in text
    officer = people.trainee.officer
    assert certificate.holder_name == officer.full_name
    for shown in [
        officer.full_name,
        "HR-101",
        "Human rights in policing",
        "<li>Human rights in policing (HR)</li>",
        "<li>Community-oriented policing (COP)</li>",
        "United Nations Mission in Numara",
        "Ama Mensah, Police Commissioner",
        _date(certificate.issued_at),
        "No expiry date",
        f"<dd>{certificate.serial}</dd>",
        f'<code dir="ltr">{certificate.code}</code>',
    ]:
        assert shown in text, shown
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


def test_the_page_shows_no_other_personal_data(client, certificate, people, tree):
    people.trainee.email = "trainee.private@example.org"
    people.trainee.save()

    text = _text(client.get(f"/verify/{certificate.code}/"))

    officer = people.trainee.officer
    assert officer.service_number
    assert officer.service_number not in text
    assert tree.north_station.name not in text
    assert tree.north_station.code not in text
    assert "trainee.private@example.org" not in text
    assert people.trainee.username not in text


def test_two_holders_of_the_same_name_are_told_apart_by_the_end_of_their_service_number(client, certificate):
    other = Certificate.objects.filter(pk=certificate.pk).values_list("holder_service_number", flat=True).get()
    Certificate.objects.filter(pk=certificate.pk).update(holder_service_number="NPS-2019-4821")

    text = _text(client.get(f"/verify/{certificate.code}/"))

    assert (
        f'<dd><span dir="auto">{certificate.holder_name}</span> <span class="muted">(service number '
        '<span dir="ltr">••••&nbsp;4821</span>)</span></dd>'
    ) in text
    assert "NPS-2019" not in text
    assert other not in text


@pytest.mark.parametrize(
    ("number", "shown"), [("NPS-2019-4821", "4821"), ("48213", "13"), ("AB", "B"), ("7", ""), ("  12345678 ", "5678")]
)
def test_at_most_four_characters_and_never_more_than_half_of_a_service_number_are_shown(number, shown):
    assert service_number_ending(number) == shown


def test_the_page_shows_the_expiry_date_of_a_certificate_that_has_one(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=datetime.date(2031, 5, 1))

    text = _text(client.get(f"/verify/{certificate.code}/"))

    assert f"This certificate is valid. It is valid until {_date(datetime.date(2031, 5, 1))}." in text


def test_the_page_says_when_and_why_a_certificate_was_revoked(client, revoked):
    response = client.get(f"/verify/{revoked.code}/")

    assert response.status_code == 200
    text = _text(response)
    assert "Status: Revoked" in text
    assert f"This certificate was revoked on {_date(revoked.status_changed_at)} and is no longer valid." in text
    assert "Assessment found to be copied." in text
    assert "This certificate is valid." not in text


def test_the_page_says_an_expired_certificate_is_no_longer_valid(client, expired):
    text = _text(client.get(f"/verify/{expired.code}/"))

    assert "Status: Expired" in text
    assert f"This certificate has expired and is no longer valid: it was valid until {_date(expired.expires_on)}." in (
        text
    )


def test_the_page_says_a_superseded_certificate_was_replaced_without_giving_the_new_code(client, superseded):
    old, new = superseded

    text = _text(client.get(f"/verify/{old.code}/"))

    assert "Status: Superseded" in text
    assert f"This certificate was replaced by a newer certificate on {_date(old.status_changed_at)}" in text
    assert "Ask the holder for the newer certificate." in text
    assert new.code not in text
    assert "This certificate is valid." in _text(client.get(f"/verify/{new.code}/"))


def test_an_unknown_code_is_a_404_saying_so(client, db):
    code = _unknown_code()

    response = client.get(f"/verify/{code}/")

    assert response.status_code == 404
    assert UNKNOWN in _text(response)
    assert MALFORMED not in _text(response)
    assert f'value="{code}"' in _text(response)  # the form is there to try again


@pytest.mark.parametrize("typed", ["ABCD", "K7QM-4XPA-9D2F-HT6W", "UUUU-UUUU-UUUU-UUUUU"])
def test_a_malformed_code_is_a_404_saying_to_check_the_characters(client, db, typed):
    response = client.get(f"/verify/{typed}/")

    assert response.status_code == 404
    assert MALFORMED in _text(response)
    assert UNKNOWN not in _text(response)


def test_a_code_with_one_wrong_character_is_malformed_not_unknown(client, certificate):
    symbols = list(certificate.code)
    symbols[0] = "2" if symbols[0] != "2" else "3"

    response = client.get(f"/verify/{''.join(symbols)}/")

    assert response.status_code == 404
    assert MALFORMED in _text(response)


def test_a_code_typed_loosely_in_the_address_redirects_to_its_canonical_page(client, certificate):
    response = client.get(f"/verify/{_typed_loosely(certificate.code)}/")

    assert response.status_code == 302
    assert response["Location"] == f"/verify/{certificate.code}/"
    assert not Verification.objects.exists()  # the canonical page records the check


def test_the_form_sends_a_loosely_typed_code_to_its_canonical_page(client, certificate):
    response = client.get("/verify/", {"code": f"  {_typed_loosely(certificate.code)} "}, follow=True)

    assert response.redirect_chain == [(f"/verify/{certificate.code}/", 302)]
    assert response.status_code == 200
    assert "This certificate is valid." in _text(response)
    assert Verification.objects.get().outcome == Verification.Outcome.FOUND


def test_the_form_page_asks_for_a_code_and_refuses_a_blank_one(client, db):
    empty = client.get("/verify/")
    blank = client.get("/verify/", {"code": "  "})

    assert empty.status_code == 200
    assert 'name="code"' in _text(empty)
    assert '<label for="id_code">Certificate code</label>' in _text(empty)
    assert blank.status_code == 200
    assert "This field is required." in _text(blank)
    assert not Verification.objects.exists()


def test_the_form_answers_a_malformed_code_with_a_404(client, db):
    response = client.get("/verify/", {"code": "not a code"})

    assert response.status_code == 404
    assert MALFORMED in _text(response)
    row = Verification.objects.get()
    assert (row.code_entered, row.outcome, row.channel) == ("not a code", "malformed", "page")


def test_the_page_is_served_to_a_signed_in_user_too(client, certificate, people):
    client.force_login(people.other_trainee)

    assert client.get(f"/verify/{certificate.code}/").status_code == 200


# The PDF upload -------------------------------------------------------------------------


def _upload(client, certificate, content: bytes, name="certificate.pdf"):
    return client.post(
        f"/verify/{certificate.code}/", {"pdf": SimpleUploadedFile(name, content, content_type="application/pdf")}
    )


def test_the_issued_pdf_matches(client, certificate):
    response = _upload(client, certificate, certificate.pdf.read())

    assert response.status_code == 200
    assert "The file matches." in _text(response)
    assert "does not match" not in _text(response)
    row = Verification.objects.get()
    assert (row.channel, row.outcome, row.certificate) == ("upload", "match", certificate)


def test_an_altered_pdf_does_not_match(client, certificate):
    altered = certificate.pdf.read().replace(b"Human rights", b"Humane rights")
    assert hashlib.sha256(altered).hexdigest() != certificate.pdf_sha256

    response = _upload(client, certificate, altered)

    assert response.status_code == 200
    assert "The file does not match." in _text(response)
    assert "The file matches." not in _text(response)
    assert Verification.objects.get().outcome == Verification.Outcome.MISMATCH


def _before_status(text: str, needle: str) -> bool:
    return -1 < text.find(needle) < text.index('id="status-heading"')


def test_the_upload_result_comes_before_the_status_of_the_certificate(client, certificate):
    altered = certificate.pdf.read().replace(b"Human rights", b"Humane rights")

    text = _text(_upload(client, certificate, altered))

    assert _before_status(text, "The file does not match.")
    assert text.count("The file does not match.") == 1


def test_an_upload_error_comes_first_linking_to_the_field_and_the_status_follows(client, certificate):
    response = _upload(client, certificate, b"GIF89a not a certificate", name="photo.pdf")

    text = _text(response)
    assert response.status_code == 400
    assert _before_status(text, "The file could not be checked:")
    assert _before_status(text, '<li><a href="#id_pdf">This file is not a PDF.</a></li>')
    # Once in the result at the top, linking to the field, and once at the field itself.
    assert text.count("This file is not a PDF.") == 2
    assert 'id="id_pdf_error"' in text
    assert "Status: Valid" in text


def test_a_pdf_of_exactly_five_megabytes_is_checked(client, certificate):
    response = _upload(client, certificate, b"%PDF-" + b"0" * (PDF_MAX_BYTES - 5))

    assert response.status_code == 200
    assert "The file does not match." in _text(response)


def test_a_file_that_is_not_a_pdf_is_a_form_error(client, certificate):
    response = _upload(client, certificate, b"GIF89a not a certificate", name="certificate.pdf")

    assert response.status_code == 400
    assert "This file is not a PDF." in _text(response)
    assert "The file matches." not in _text(response)
    assert "The file does not match." not in _text(response)
    assert not Verification.objects.exists()


def test_a_file_over_five_megabytes_is_a_form_error(client, certificate):
    response = _upload(client, certificate, b"%PDF-" + b"0" * PDF_MAX_BYTES)

    assert response.status_code == 400
    assert "The file is larger than 5.0\xa0MB: it cannot be a certificate issued here." in _text(response)
    assert not Verification.objects.exists()


def test_a_body_over_five_megabytes_and_the_form_is_refused_before_reading(client, certificate):
    # Once the page's own check; now every endpoint's, before the view (lms/request_body.py).
    response = _upload(client, certificate, b"%PDF-" + b"0" * (PDF_MAX_BYTES + 1024 * 1024 - 5))

    assert response.status_code == 413
    assert "The file is larger than 5.0\xa0MB, the most accepted here." in _text(response)
    assert not Verification.objects.exists()


def test_no_file_is_a_form_error(client, certificate):
    response = client.post(f"/verify/{certificate.code}/", {})

    assert response.status_code == 400
    assert "This field is required." in _text(response)


def test_an_upload_without_the_csrf_token_is_refused(certificate):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(f"/verify/{certificate.code}/", {"pdf": SimpleUploadedFile("c.pdf", certificate.pdf.read())})

    assert response.status_code == 403
    assert not Verification.objects.exists()


def test_an_upload_with_the_csrf_token_from_the_page_is_checked(certificate):
    strict = Client(enforce_csrf_checks=True)
    strict.get(f"/verify/{certificate.code}/")
    token = strict.cookies["csrftoken"].value

    response = strict.post(
        f"/verify/{certificate.code}/",
        {"pdf": SimpleUploadedFile("c.pdf", certificate.pdf.read()), "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 200
    assert "The file matches." in _text(response)


def test_an_upload_against_an_unknown_code_is_a_404(client, db):
    code = _unknown_code()

    response = client.post(f"/verify/{code}/", {"pdf": SimpleUploadedFile("c.pdf", b"%PDF-1.4")})

    assert response.status_code == 404
    assert UNKNOWN in _text(response)
    row = Verification.objects.get()
    assert (row.channel, row.outcome, row.certificate) == ("upload", "unknown", None)


# The API --------------------------------------------------------------------------------


def test_the_api_answers_a_valid_certificate(api_client, certificate, people):
    response = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/")

    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "status": "valid",
        "code": certificate.code,
        "holder": people.trainee.officer.full_name,
        "holder_service_number_ending": people.trainee.officer.service_number[-4:],
        "course": "Human rights in policing",
        "course_code": "HR-101",
        "course_title_translated": "",
        "competencies": ["HR", "COP"],
        "issuer": "United Nations Mission in Numara",
        "signatories": [{"name": "Ama Mensah", "title": "Police Commissioner"}],
        "serial": 1,
        "issued_at": timezone.localtime(certificate.issued_at).isoformat().replace("+00:00", "Z"),
        "expires_at": None,
        "status_changed_at": None,
        "status_reason": "",
        "pdf_sha256": certificate.pdf_sha256,
    }
    assert response["Cache-Control"] == "no-store"


def test_the_api_shows_no_other_personal_data(api_client, certificate, people, tree):
    body = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").content.decode()

    assert people.trainee.officer.service_number not in body
    assert tree.north_station.name not in body
    assert people.trainee.username not in body


def test_the_api_says_a_revoked_certificate_is_not_valid(api_client, revoked):
    body = api_client.get(f"/api/v1/certificates/verify/{revoked.code}/").json()

    assert (body["valid"], body["status"]) == (False, "revoked")
    assert body["status_reason"] == "Assessment found to be copied."
    assert body["status_changed_at"] is not None


def test_the_api_says_an_expired_certificate_is_not_valid(api_client, expired):
    body = api_client.get(f"/api/v1/certificates/verify/{expired.code}/").json()

    assert (body["valid"], body["status"], body["expires_at"]) == (False, "expired", "2024-03-31")


def test_the_api_says_a_superseded_certificate_is_not_valid(api_client, superseded):
    old, new = superseded

    body = api_client.get(f"/api/v1/certificates/verify/{old.code}/").json()
    newer = api_client.get(f"/api/v1/certificates/verify/{new.code}/").json()

    assert (body["valid"], body["status"], body["status_reason"]) == (False, "superseded", "Name corrected.")
    assert new.code not in str(body)
    assert (newer["valid"], newer["status"], newer["serial"]) == (True, "valid", 2)


def test_the_api_answers_404_for_an_unknown_or_malformed_code(api_client, db):
    unknown = api_client.get(f"/api/v1/certificates/verify/{_unknown_code()}/")
    malformed = api_client.get("/api/v1/certificates/verify/NOT-A-CODE/")

    assert (unknown.status_code, unknown.json()) == (404, {"detail": UNKNOWN})
    assert (malformed.status_code, malformed.json()) == (404, {"detail": MALFORMED})


def test_the_api_accepts_a_loosely_typed_code(api_client, certificate):
    response = api_client.get(f"/api/v1/certificates/verify/{_typed_loosely(certificate.code)}/")

    assert response.status_code == 200
    assert response.json()["code"] == certificate.code


def test_a_bad_token_does_not_block_the_api(api_client, certificate):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/")

    assert response.status_code == 200
    assert response.json()["valid"] is True


def test_the_api_is_in_the_openapi_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"]["/api/v1/certificates/verify/{code}/"]["get"]
    assert set(operation["responses"]) == {"200", "404", "429"}
    output = schema["components"]["schemas"]["CertificateVerification"]["properties"]
    assert {"valid", "status", "holder", "course", "issued_at", "expires_at", "issuer"} <= set(output)
    assert output["expires_at"]["nullable"] is True


# Records --------------------------------------------------------------------------------


def test_every_check_is_recorded_with_a_hash_of_the_address_never_the_address(client, api_client, certificate):
    unknown = _unknown_code()
    client.get(f"/verify/{certificate.code}/", REMOTE_ADDR="198.51.100.7")
    client.get(f"/verify/{unknown}/", REMOTE_ADDR="198.51.100.7")
    client.get("/verify/QQQ/", REMOTE_ADDR="198.51.100.7")
    api_client.get(f"/api/v1/certificates/verify/{certificate.code}/", REMOTE_ADDR="203.0.113.9")
    client.post(
        f"/verify/{certificate.code}/",
        {"pdf": SimpleUploadedFile("c.pdf", certificate.pdf.read())},
        REMOTE_ADDR="203.0.113.9",
    )

    rows = list(
        Verification.objects.order_by("pk").values_list("code_entered", "certificate", "channel", "outcome", "client")
    )
    first, second = _hash("198.51.100.7"), _hash("203.0.113.9")
    assert rows == [
        (certificate.code, certificate.pk, "page", "found", first),
        (unknown, None, "page", "unknown", first),
        ("QQQ", None, "page", "malformed", first),
        (certificate.code, certificate.pk, "api", "found", second),
        (certificate.code, certificate.pk, "upload", "match", second),
    ]
    assert len(first) == 64
    assert first != second
    assert not Verification.objects.filter(client__contains="198.51").exists()


def test_a_long_code_is_recorded_cut_to_64_characters(client, db):
    typed = "X" * 150

    client.get(f"/verify/{typed}/")

    assert Verification.objects.get().code_entered == "X" * 64


def test_the_client_hash_groups_an_ipv6_network_and_unwraps_mapped_ipv4():
    factory = RequestFactory()

    def key(address):
        return client_key(factory.get("/", REMOTE_ADDR=address))

    assert key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff::9")
    assert key("2001:db8:1:2::1") != key("2001:db8:1:3::1")
    assert key("::ffff:192.0.2.4") == key("192.0.2.4") == _hash("192.0.2.4")
    assert key("192.0.2.4") != key("192.0.2.5")


# Throttling -----------------------------------------------------------------------------


@override_settings(CERTIFICATE_VERIFY_RATE="5/minute")
def test_the_check_after_the_budget_is_refused_on_the_page_with_a_429(client, certificate):
    answers = [client.get(f"/verify/{certificate.code}/").status_code for _ in range(5)]

    refused = client.get(f"/verify/{certificate.code}/")

    assert answers == [200] * 5
    assert refused.status_code == 429
    assert "Too many certificates were checked from your network" in _text(refused)
    assert "Wait 1 minute and try again." in _text(refused)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert certificate.holder_name not in _text(refused)
    assert Verification.objects.count() == 5  # a refused check is not recorded


@override_settings(CERTIFICATE_VERIFY_RATE="5/minute")
def test_the_api_refuses_with_a_json_detail_and_retry_after(api_client, certificate):
    for _ in range(5):
        assert api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").status_code == 200

    refused = api_client.get(f"/api/v1/certificates/verify/{certificate.code}/")

    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Too many certificates were checked from your network.")
    assert 1 <= int(refused["Retry-After"]) <= 60


@override_settings(CERTIFICATE_VERIFY_RATE="5/minute")
def test_page_upload_and_api_share_one_budget_and_bad_codes_count(client, api_client, certificate):
    statuses = [
        client.get("/verify/NOPE/").status_code,
        client.get(f"/verify/{_unknown_code()}/").status_code,
        api_client.get("/api/v1/certificates/verify/NOPE/").status_code,
        client.get("/verify/", {"code": "still not a code"}).status_code,
        _upload(client, certificate, certificate.pdf.read()).status_code,
    ]

    assert statuses == [404, 404, 404, 404, 200]
    assert _upload(client, certificate, certificate.pdf.read()).status_code == 429
    assert client.get(f"/verify/{certificate.code}/").status_code == 429
    assert api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").status_code == 429
    assert client.get("/verify/", {"code": "not a code"}).status_code == 429
    assert Verification.objects.count() == 5


@override_settings(CERTIFICATE_VERIFY_RATE="2/minute")
def test_the_budget_is_per_address(client, certificate):
    for _ in range(2):
        client.get(f"/verify/{certificate.code}/", REMOTE_ADDR="198.51.100.7")

    assert client.get(f"/verify/{certificate.code}/", REMOTE_ADDR="198.51.100.7").status_code == 429
    assert client.get(f"/verify/{certificate.code}/", REMOTE_ADDR="198.51.100.8").status_code == 200


@override_settings(CERTIFICATE_VERIFY_RATE="2/minute", TRUSTED_PROXIES=["10.0.0.0/24"])
def test_behind_the_proxy_each_client_has_its_own_budget_and_hash(client, certificate):
    # Every client once shared the proxy's address: one budget for the whole site.
    def check(forwarded: str) -> int:
        url = f"/verify/{certificate.code}/"
        return client.get(url, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    first = [check("1.1.1.1, 198.51.100.7") for _ in range(3)]  # forged on the left, true on the right
    other = check("203.0.113.9")

    assert (first, other) == ([200, 200, 429], 200)
    assert sorted(Verification.objects.values_list("client", flat=True)) == sorted(
        [_hash("198.51.100.7"), _hash("198.51.100.7"), _hash("203.0.113.9")]
    )


@override_settings(CERTIFICATE_VERIFY_RATE="2/minute")
def test_a_forwarded_for_from_an_untrusted_peer_is_ignored(client, certificate):
    for number in range(2):
        client.get(
            f"/verify/{certificate.code}/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}"
        )

    refused = client.get(f"/verify/{certificate.code}/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert refused.status_code == 429
    assert set(Verification.objects.values_list("client", flat=True)) == {_hash("198.51.100.7")}


@override_settings(CERTIFICATE_VERIFY_RATE="2/minute")
def test_opening_the_form_and_a_redirect_cost_nothing(client, certificate):
    for _ in range(5):
        assert client.get("/verify/").status_code == 200
        assert client.get("/verify/", {"code": certificate.code.lower()}).status_code == 302
        assert client.get(f"/verify/{certificate.code.lower()}/").status_code == 302

    assert client.get(f"/verify/{certificate.code}/").status_code == 200


def test_ordinary_use_passes_with_the_default_budget(client, api_client, certificate):
    statuses = []
    for index in range(30):
        if index % 3 == 0:
            statuses.append(api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").status_code)
        elif index % 3 == 1:
            statuses.append(client.get(f"/verify/{certificate.code}/").status_code)
        else:
            statuses.append(client.get(f"/verify/{_unknown_code()}/").status_code)

    assert statuses == [200, 200, 404] * 10
    assert Verification.objects.count() == 30


@override_settings(CERTIFICATE_VERIFY_RATE="3/minute,5/day")
def test_a_window_reopens_after_its_period_and_the_daily_budget_holds():
    start = 1_000_000.0

    first_minute = [verification_throttle(client="c", now=start + second) for second in range(4)]
    second_minute = [verification_throttle(client="c", now=start + 61 + second) for second in range(3)]
    next_day = verification_throttle(client="c", now=start + 24 * 60 * 60 + 1)

    assert first_minute == [None, None, None, 57]
    assert second_minute[:1] == [None]  # the minute reopened: 5th check of the day
    assert second_minute[1] == 24 * 60 * 60 - 62  # 6th: the day's budget is spent
    assert next_day is None


def test_the_rate_setting_is_parsed_and_a_bad_one_is_refused():
    assert verify_rates("60/minute,600/day") == [(60, 60), (600, 86400)]
    assert verify_rates(" 10 / s , 100/h") == [(10, 1), (100, 3600)]
    for bad in ["", "60", "60/week", "0/minute", "sixty/minute"]:
        with pytest.raises(ImproperlyConfigured):
            verify_rates(bad)


# Queries --------------------------------------------------------------------------------


def test_a_check_takes_a_bounded_number_of_queries(client, api_client, certificate, django_assert_max_num_queries):
    client.get(f"/verify/{certificate.code}/")  # warm the session and CSRF cookie

    with django_assert_max_num_queries(2):  # the certificate, the record
        assert client.get(f"/verify/{certificate.code}/").status_code == 200
    with django_assert_max_num_queries(2):
        assert api_client.get(f"/api/v1/certificates/verify/{certificate.code}/").status_code == 200
    with django_assert_max_num_queries(2):
        assert _upload(client, certificate, certificate.pdf.read()).status_code == 200
