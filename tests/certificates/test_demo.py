"""The demo certificates: every demo completion certified once, signatories, one revocation."""

from io import StringIO

from django.core.management import call_command

from certificates.models import Certificate, Signatory
from courses.models import CourseCompletion
from lms.events.models import Delivery


def test_every_demo_completion_has_exactly_one_original_certificate(seeded):
    completions = CourseCompletion.objects.count()
    originals = Certificate.objects.filter(replaces__isnull=True)

    assert completions >= 15
    assert originals.count() == completions
    assert set(originals.values_list("completion_id", flat=True)) == set(
        CourseCompletion.objects.values_list("pk", flat=True)
    )
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()


def test_demo_certificates_carry_the_mission_signatories_and_one_is_revoked_with_its_reason(seeded):
    certificate = Certificate.objects.filter(status=Certificate.Status.VALID).first()
    assert [s["name"] for s in certificate.signatories] == ["Ama Mensah", "Jean-Baptiste Ndayisaba"]
    revoked = Certificate.objects.get(status=Certificate.Status.REVOKED)
    assert revoked.status_reason.startswith("Issued in error")
    assert revoked.status_changed_by.username == "demo.trainer"
    assert Signatory.objects.count() == 2


def test_seeding_again_issues_and_revokes_nothing_more(seeded):
    before = list(Certificate.objects.order_by("pk").values_list("pk", "status"))

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert list(Certificate.objects.order_by("pk").values_list("pk", "status")) == before
    assert "0 certificates)" in out.getvalue()


def test_the_command_prints_a_verification_link_that_shows_a_valid_certificate(seeded, settings, client):
    """README's "Demo logins": seed_demo prints a /verify/<code>/ link, at the public address."""
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8123"
    sample = Certificate.objects.filter(status=Certificate.Status.VALID).order_by("pk").first()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert (
        out.getvalue().splitlines()[-1] == f"Verify a demo certificate at http://127.0.0.1:8123/verify/{sample.code}/"
    )
    response = client.get(f"/verify/{sample.code}/")
    assert response.status_code == 200
    assert "This certificate is valid." in response.content.decode()
