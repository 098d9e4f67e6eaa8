"""Issuing: exactly once per completion, from the ``course.completed`` event, with its record."""

import hashlib
import threading

import pytest
from django.db import connection

from certificates import services
from certificates.codes import code_normalise
from certificates.models import Certificate, Signatory
from courses.models import CourseCompletion
from lms.events.models import Delivery, Event
from lms.events.services import deliveries_run_pending
from lms.notifications.models import Notification
from tests.certificates.conftest import complete

HANDLER = "certificates.handlers.certificate_issue_on_completion"


def test_completing_a_course_queues_the_certificate_and_the_delivery_issues_it(people, course, completion, mission):
    Signatory.objects.create(organisation=mission, name="Ama Mensah", title="Police Commissioner")
    delivery = Delivery.objects.get(handler=HANDLER)
    assert delivery.event.payload["completion_id"] == completion.pk
    assert not Certificate.objects.exists()

    deliveries_run_pending()

    certificate = Certificate.objects.get()
    officer = people.trainee.officer
    assert code_normalise(certificate.code) == certificate.code
    assert (certificate.completion, certificate.officer, certificate.course) == (completion, officer, course)
    assert (certificate.issuer, certificate.serial, certificate.issuer_name) == (mission, 1, mission.name)
    assert certificate.holder_name == officer.full_name
    assert (certificate.course_code, certificate.course_title) == ("HR-101", "Human rights in policing")
    assert certificate.competencies == ["HR", "COP"]
    assert certificate.signatories == [{"name": "Ama Mensah", "title": "Police Commissioner"}]
    assert certificate.languages == ["en"]
    assert certificate.status == Certificate.Status.VALID
    pdf = certificate.pdf.read()
    assert pdf.startswith(b"%PDF-")
    assert certificate.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    issued = Event.objects.get(name="certificate.issued")
    assert issued.payload == {"certificate_id": certificate.pk, "officer_id": certificate.officer_id}
    notice = Notification.objects.get(user=people.trainee, kind="certificate.issued")
    assert notice.link == "/certificates/"
    assert notice.message == "Your certificate for Human rights in policing is ready to download."


def test_a_delivery_run_twice_or_a_repeated_issue_issues_nothing_more(completion):
    first = services.certificates_issue(completion_ids=[completion.pk])
    again = services.certificates_issue(completion_ids=[completion.pk, completion.pk])
    deliveries_run_pending()

    assert list(first.issued) == [completion.pk]
    assert (again.issued, again.skipped, again.failed) == ({}, [completion.pk], {})
    assert Certificate.objects.count() == 1
    assert Event.objects.filter(name="certificate.issued").count() == 1


def test_serial_numbers_count_up_per_issuer(course, people, tree):
    completions = [complete(course, people.trainee), complete(course, people.other_trainee)]
    services.certificates_issue(completion_ids=[c.pk for c in completions])
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [1, 2]


def test_a_render_failure_fails_only_its_completion_and_the_delivery_retries(completion, monkeypatch):
    def broken(certificate, *, logo=None):
        raise OSError("disk full")

    monkeypatch.setattr(services, "certificate_pdf", broken)
    deliveries_run_pending()

    delivery = Delivery.objects.get(handler=HANDLER)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert "disk full" in delivery.last_error
    assert not Certificate.objects.exists()

    monkeypatch.undo()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.event.occurred_at)
    deliveries_run_pending()
    assert Certificate.objects.filter(completion=completion).count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_issuers_issue_one_certificate(course, people):
    completion = complete(course, people.trainee)
    errors: list[BaseException] = []

    def issue():
        try:
            services.certificates_issue(completion_ids=[completion.pk])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Certificate.objects.filter(completion=completion).count() == 1
    assert CourseCompletion.objects.count() == 1
