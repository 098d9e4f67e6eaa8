"""Revocation and reissue through the services: a status with reason, actor and time (never
a deletion), events, audit, and what verification then sees; refusals change nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from lms.audit.models import AuditEntry
from lms.events.models import Event
from lms.notifications.models import Notification
from lms.pdf.testing import document_text, shows_text


@pytest.fixture
def certificate(completion) -> Certificate:
    return services.certificates_issue(completion_ids=[completion.pk]).issued[completion.pk]


def _state() -> dict:
    return {
        "certificates": sorted(
            Certificate.objects.values_list(
                "code", "status", "status_reason", "status_changed_at", "status_changed_by_id", "replaces_id"
            )
        ),
        "events": list(Event.objects.values_list("name", flat=True)),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }


# Revoke ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_revoking_sets_status_reason_actor_and_time_and_keeps_the_certificate(people, certificate):
    before = timezone.now()
    issued = (certificate.code, certificate.holder_name, certificate.pdf_sha256, certificate.pdf.name)

    services.certificate_revoke(certificate=certificate, actor=people.trainer_north, reason="Exam fraud")

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.status_reason == "Exam fraud"
    assert certificate.status_changed_by == people.trainer_north
    assert before <= certificate.status_changed_at <= timezone.now()
    assert (certificate.code, certificate.holder_name, certificate.pdf_sha256, certificate.pdf.name) == issued
    assert Certificate.objects.count() == 1
    # What verification reads: no longer valid, and why.
    assert certificate.is_valid is False


@pytest.mark.django_db
def test_revoking_writes_the_event_and_the_audit_entry(people, certificate):
    services.certificate_revoke(certificate=certificate, actor=people.admin, reason="  Exam fraud  ")

    event = Event.objects.get(name="certificate.revoked")
    assert event.payload == {"certificate_id": certificate.pk, "officer_id": certificate.officer_id}
    entry = AuditEntry.objects.get(action="certificate.revoke")
    assert (entry.actor, entry.target_id, entry.reason) == (people.admin, str(certificate.pk), "Exam fraud")
    assert entry.before == {"status": "valid", "reason": ""}
    assert entry.after == {"status": "revoked"}


@pytest.mark.django_db
def test_an_expired_certificate_can_be_revoked(people, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.EXPIRED)
    certificate.refresh_from_db()

    services.certificate_revoke(certificate=certificate, actor=people.admin, reason="Fraud")

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["trainee", "other_trainee", "trainer_south", "leader"])
def test_who_may_not_manage_is_refused_and_nothing_changes(people, certificate, role):
    before = _state()

    with pytest.raises(PermissionDenied):
        services.certificate_revoke(certificate=certificate, actor=getattr(people, role), reason="Fraud")
    with pytest.raises(PermissionDenied):
        services.certificate_reissue(certificate=certificate, actor=getattr(people, role), reason="Fraud")

    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["trainer_north", "admin"])
def test_may_manage_is_the_course_author_the_trainer_in_scope_and_admins(people, certificate, role):
    assert services.certificate_can_manage(user=getattr(people, role), certificate=certificate) is True


@pytest.mark.django_db
def test_a_trainer_in_scope_who_is_not_an_author_may_manage(people, course, certificate):
    course.authors.all().delete()
    assert not course.authors.exists()

    assert services.certificate_can_manage(user=people.trainer_north, certificate=certificate) is True
    assert services.certificate_can_manage(user=people.trainer_south, certificate=certificate) is False


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_blank_reason_is_refused_and_nothing_changes(people, certificate, reason):
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.certificate_revoke(certificate=certificate, actor=people.admin, reason=reason)
    assert list(raised.value.message_dict) == ["reason"]
    with pytest.raises(ValidationError):
        services.certificate_reissue(certificate=certificate, actor=people.admin, reason=reason)

    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Certificate.Status.REVOKED, Certificate.Status.SUPERSEDED])
def test_a_revoked_or_superseded_certificate_is_neither_revoked_nor_reissued(people, certificate, status):
    Certificate.objects.filter(pk=certificate.pk).update(status=status, status_reason="Earlier")
    certificate.refresh_from_db()
    before = _state()

    with pytest.raises(ValidationError) as revoked:
        services.certificate_revoke(certificate=certificate, actor=people.admin, reason="Again")
    with pytest.raises(ValidationError) as reissued:
        services.certificate_reissue(certificate=certificate, actor=people.admin, reason="Again")

    assert list(revoked.value.message_dict) == ["status"]
    assert list(reissued.value.message_dict) == ["status"]
    assert _state() == before


# Reissue -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reissue_after_a_name_correction_prints_the_corrected_name_and_supersedes_the_old(people, certificate):
    officer = people.trainee.officer
    officer.given_name, officer.family_name = "Aïcha", "N'Diaye-Kaboré"
    officer.save()

    new = services.certificate_reissue(certificate=certificate, actor=people.trainer_north, reason="Name corrected")

    certificate.refresh_from_db()
    assert new.code != certificate.code
    assert new.holder_name == "Aïcha N'Diaye-Kaboré"
    assert new.status == Certificate.Status.VALID
    assert (new.replaces, new.completion, new.course) == (certificate, certificate.completion, certificate.course)
    assert new.serial == certificate.serial + 1
    assert certificate.status == Certificate.Status.SUPERSEDED
    assert certificate.replaced_by == new
    assert certificate.status_reason == "Name corrected"
    assert certificate.status_changed_by == people.trainer_north
    assert certificate.holder_name != new.holder_name  # the old paper stays as it was
    pdf = new.pdf.read()
    assert shows_text(document_text(pdf), "Aïcha N'Diaye-Kaboré")
    assert shows_text(document_text(pdf), new.code)


@pytest.mark.django_db
def test_reissue_writes_superseded_and_issued_events_the_audit_entry_and_tells_the_holder(people, certificate):
    Notification.objects.all().delete()

    new = services.certificate_reissue(certificate=certificate, actor=people.admin, reason="Name corrected")

    superseded = Event.objects.get(name="certificate.superseded")
    assert superseded.payload == {"certificate_id": certificate.pk, "officer_id": certificate.officer_id}
    issued = Event.objects.filter(name="certificate.issued").order_by("pk").last()
    assert issued.payload == {"certificate_id": new.pk, "officer_id": certificate.officer_id}
    entry = AuditEntry.objects.get(action="certificate.reissue")
    assert (entry.actor, entry.target_id, entry.reason) == (people.admin, str(certificate.pk), "Name corrected")
    assert entry.after["replaced_by"] == new.code
    notice = Notification.objects.get(user=people.trainee)
    assert notice.kind == "certificate.issued"
    assert notice.link == "/certificates/"


@pytest.mark.django_db
def test_a_reissued_certificate_can_be_reissued_again_and_the_chain_holds(people, certificate):
    second = services.certificate_reissue(certificate=certificate, actor=people.admin, reason="First fix")
    third = services.certificate_reissue(certificate=second, actor=people.admin, reason="Second fix")

    second.refresh_from_db()
    assert (third.replaces, second.replaces) == (second, certificate)
    assert list(Certificate.objects.order_by("pk").values_list("status", flat=True)) == [
        "superseded",
        "superseded",
        "valid",
    ]


@pytest.mark.django_db
def test_reissue_keeps_the_expiry_of_the_completion(people, completion, certificate):
    completion.valid_until = datetime.date(2030, 1, 31)
    completion.save()

    new = services.certificate_reissue(certificate=certificate, actor=people.admin, reason="Name corrected")

    assert new.expires_on == datetime.date(2030, 1, 31)
